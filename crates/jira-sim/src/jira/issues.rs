//! The issue routes: one issue by id or key, Server's `search` and Cloud's `search/jql` with
//! page tokens.

use base64::Engine as _;
use serde_json::{json, Value};

use super::instance::Instance;
use super::params::{Paging, Params};
use super::render::{issue_json, FieldSet};
use crate::data::SimIssue;
use crate::jql::{self, Clause};
use crate::lucene::TextQuery;
use crate::reply::Reply;

/// `GET /issue/{issueIdOrKey}`: by numeric id or by key in any case, every navigable field
/// unless `fields` says otherwise; 404 alike for an issue that does not exist and one the
/// credentials may not see.
pub(super) fn get_issue(jira: &Instance, v: &str, id_or_key: &str, params: &Params<'_>) -> Reply {
    let issue = jira
        .issue_by_id(id_or_key)
        .or_else(|| jira.issue_by_key(id_or_key));
    match issue {
        Some(issue) => {
            let fields = FieldSet::parse(&params.all("fields"), true);
            Reply::json(200, &issue_json(jira, issue, v, &fields))
        }
        None => Reply::errors(
            404,
            "Issue does not exist or you do not have permission to see it.",
        ),
    }
}

/// Issues a JQL query selects, newest first; `Err` is Jira's 400 message.
fn select_issues<'a>(jira: &'a Instance, clauses: &[Clause]) -> Result<Vec<&'a SimIssue>, String> {
    let mut keep: Vec<&SimIssue> = jira.data.issues.iter().rev().collect();
    for clause in clauses {
        match clause {
            Clause::Text(text) | Clause::Summary(text) => {
                let field = match clause {
                    Clause::Summary(_) => "summary",
                    _ => "text",
                };
                let query = TextQuery::parse(field, text).map_err(|e| e.message)?;
                keep.retain(|i| query.matches(&i.summary));
            }
            Clause::Project(p) => {
                let Some(project) = jira.find_project(p) else {
                    return Err(format!(
                        "The value '{p}' does not exist for the field 'project'."
                    ));
                };
                keep.retain(|i| i.project_key == project.key);
            }
            Clause::Issue(r) => {
                if r.chars().all(|c| c.is_ascii_digit()) {
                    keep.retain(|i| i.id == *r);
                } else if is_issue_key(r) {
                    if jira.issue_by_key(r).is_none() {
                        return Err(format!(
                            "An issue with key '{r}' does not exist for field 'id'."
                        ));
                    }
                    keep.retain(|i| i.key.eq_ignore_ascii_case(r));
                } else {
                    return Err(format!("The issue key '{r}' for field 'id' is invalid."));
                }
            }
        }
    }
    Ok(keep)
}

/// Server's `GET /search`: offset paging, every navigable field by default.
pub(super) fn server_issue_search(jira: &Instance, params: &Params<'_>) -> Reply {
    let clauses = match jql::parse(params.get("jql").unwrap_or("")) {
        Ok(c) => c,
        Err(e) => return Reply::errors(400, e.message),
    };
    let issues = match select_issues(jira, &clauses) {
        Ok(i) => i,
        Err(message) => return Reply::errors(400, message),
    };
    let paging = Paging::from_params(params, 50, 1000);
    let fields = FieldSet::parse(&params.all("fields"), true);
    let body = json!({
        "expand": "schema,names",
        "startAt": paging.start,
        "maxResults": paging.max,
        "total": issues.len(),
        "issues": paging.slice(&issues).into_iter().map(|i| issue_json(jira, i, "2", &fields)).collect::<Vec<_>>(),
    });
    Reply::json(200, &body)
}

/// Cloud's `GET /search/jql`: bounded JQL only, page tokens, only `id` by default.
pub(super) fn cloud_issue_search(jira: &Instance, v: &str, params: &Params<'_>) -> Reply {
    let clauses = match jql::parse(params.get("jql").unwrap_or("")) {
        Ok(c) => c,
        Err(e) => return Reply::errors(400, e.message),
    };
    if clauses.is_empty() {
        return Reply::errors(
            400,
            "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.",
        );
    }
    let issues = match select_issues(jira, &clauses) {
        Ok(i) => i,
        Err(message) => return Reply::errors(400, message),
    };
    let paging = Paging {
        start: params
            .non_empty("nextPageToken")
            .and_then(decode_page_token)
            .unwrap_or(0),
        max: params.int("maxResults", 50).clamp(1, 5000) as usize,
    };
    let fields = FieldSet::parse(&params.all("fields"), false);
    let items: Vec<Value> = paging
        .slice(&issues)
        .into_iter()
        .map(|i| {
            if fields.only_id() {
                json!({"id": i.id})
            } else {
                issue_json(jira, i, v, &fields)
            }
        })
        .collect();
    let is_last = paging.is_last(issues.len());
    let mut body = json!({"issues": items, "isLast": is_last});
    if !is_last {
        body["nextPageToken"] = encode_page_token(paging.start + paging.max).into();
    }
    Reply::json(200, &body)
}

/// `PROJECT-123`: a letter, letters, digits or `_`, a dash, digits.
fn is_issue_key(s: &str) -> bool {
    let Some((project, number)) = s.rsplit_once('-') else {
        return false;
    };
    let mut chars = project.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

/// The opaque `nextPageToken` for the page starting at `start`.
fn encode_page_token(start: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("sim:{start}"))
}

fn decode_page_token(token: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("sim:")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_keys() {
        assert!(is_issue_key("HSP-1"));
        assert!(is_issue_key("hsp-12"));
        assert!(!is_issue_key("HSP-"));
        assert!(!is_issue_key("1SP-1"));
        assert!(!is_issue_key("HSP1"));
    }

    #[test]
    fn page_tokens_round_trip() {
        assert_eq!(decode_page_token(&encode_page_token(150)), Some(150));
        assert_eq!(decode_page_token("garbage"), None);
    }
}
