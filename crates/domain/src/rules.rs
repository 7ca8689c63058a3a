//! The pure rules of the other branches: JQL building, issue and project labels, plain-text
//! autocomplete labels, JQL field names, and the issue-search error messages.

use serde_json::Value;

use crate::model::Provider;
use crate::ports::JiraError;
use crate::search::Choice;
use crate::user_choice::py_str;

/// Escapes text for a JQL string literal: backslash first, then the double quote, so a
/// trailing backslash can never swallow the closing quote.
pub fn escape_jql(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Whether the raw query looks like an issue key: `^[A-Za-z][A-Za-z0-9]*-[0-9]+$`.
pub fn is_issue_key(query: &str) -> bool {
    let Some((project, number)) = query.split_once('-') else {
        return false;
    };
    let mut chars = project.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric())
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// The JQL of an issue search: `id="<key>"` for an issue key, else `text ~ "<query>"`.
pub fn issue_jql(query: &str) -> String {
    let escaped = escape_jql(query);
    if is_issue_key(query) {
        format!("id=\"{escaped}\"")
    } else {
        format!("text ~ \"{escaped}\"")
    }
}

/// `{"label": "(<key>) <summary>", "value": "<key>"}`; a null or missing summary prints as
/// Python's `None`, as Sentry's label does. An issue without a string key is skipped.
pub fn issue_choice(issue: &Value) -> Option<Choice> {
    let key = issue.get("key")?.as_str()?;
    let summary = issue
        .get("fields")
        .and_then(|f| f.get("summary"))
        .unwrap_or(&Value::Null);
    Some(Choice {
        value: Value::String(key.to_owned()),
        label: format!("({key}) {}", py_str(summary)),
    })
}

/// `{"label": "<key> - <name>", "value": "<id>"}` for a Cloud project; a project without an
/// id is skipped.
pub fn project_choice(project: &Value) -> Option<Choice> {
    let id = project.get("id")?;
    let id = match id {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let key = project.get("key").map(py_str).unwrap_or_default();
    let name = project.get("name").map(py_str).unwrap_or_default();
    Some(Choice {
        value: Value::String(id),
        label: format!("{key} - {name}"),
    })
}

/// The JQL field name of a form field: `cf[<n>]` for `customfield_<n>`, else the field.
pub fn jql_field_name(field: &str) -> String {
    match field.strip_prefix("customfield_") {
        Some(n) if !n.is_empty() => format!("cf[{n}]"),
        _ => field.to_owned(),
    }
}

/// Jira's highlighted HTML (`<b>Sp</b>rint 1 (1)`, `<b>R</b>&amp;D`) as plain text: tags
/// removed first, then entities decoded, so an escaped `&lt;b&gt;` stays visible text.
pub fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => in_tag = true,
            (true, '>') => in_tag = false,
            (false, c) => text.push(c),
            (true, _) => {}
        }
    }
    htmlize::unescape(text).into_owned()
}

/// One autocomplete suggestion: `{"value": <value>, "label": <displayName as plain text>}`.
/// Without a `displayName` the value is shown.
pub fn suggestion_choice(result: &Value) -> Option<Choice> {
    let value = result.get("value")?.clone();
    let label = match result.get("displayName") {
        Some(Value::String(s)) => plain_text(s),
        Some(other) if !other.is_null() => py_str(other),
        _ => py_str(&value),
    };
    Some(Choice { value, label })
}

/// Sentry's message for the 401 of an issue search (a 400 here, where Sentry answers 500).
pub const UNAUTHORIZED: &str =
    "Unauthorized: either your access token was invalid or you do not have access";

/// The caller's message for a failed issue search (spec/search-behaviour.md).
pub fn issue_error_message(provider: Provider, error: &JiraError) -> String {
    let name = provider.display_name();
    match error {
        JiraError::Status { status: 401, .. } => UNAUTHORIZED.to_owned(),
        JiraError::Status {
            status: 400,
            errors,
            ..
        } if !errors.is_empty() => "Invalid integration action".to_owned(),
        JiraError::Status {
            status,
            error_messages,
            errors,
        } => {
            let mut text = error_messages.join(" ");
            if !errors.is_empty() {
                if !text.is_empty() {
                    text.push(' ');
                }
                let pairs: Vec<String> = errors.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                text.push_str(&pairs.join(" "));
            }
            if text.is_empty() {
                text = "unknown error".to_owned();
            }
            format!("Error Communicating with {name} (HTTP {status}): {text}")
        }
        JiraError::Timeout => format!("Error Communicating with {name} (HTTP 504): unknown error"),
        JiraError::Unreachable { host, .. } => format!("Unable to reach host: {host}"),
        // A 2xx answer that is not the JSON of an issue search.
        JiraError::InvalidBody(_) => {
            format!("Error Communicating with {name} (HTTP 200): unknown error")
        }
        JiraError::Config(detail) => format!("Error Communicating with {name}: {detail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn jql_building() {
        let cases = [
            ("test", r#"text ~ "test""#),
            ("HSP-1", r#"id="HSP-1""#),
            ("hsp-1", r#"id="hsp-1""#),
            ("a1B2-0042", r#"id="a1B2-0042""#),
            (r#"say "hi""#, r#"text ~ "say \"hi\"""#),
            (r"trailing\", r#"text ~ "trailing\\""#),
            (r#"a\"b"#, r#"text ~ "a\\\"b""#),
            ("Zoë 東京", r#"text ~ "Zoë 東京""#),
            ("  spaced out  ", r#"text ~ "  spaced out  ""#),
            (" HSP-1", r#"text ~ " HSP-1""#),
            ("HSP-1 ", r#"text ~ "HSP-1 ""#),
            ("HSP-", r#"text ~ "HSP-""#),
            ("1SP-1", r#"text ~ "1SP-1""#),
            ("HSP-1-2", r#"text ~ "HSP-1-2""#),
            ("HS_P-1", r#"text ~ "HS_P-1""#),
            ("ÄSP-1", r#"text ~ "ÄSP-1""#),
            ("HSP-１", r#"text ~ "HSP-１""#),
        ];
        for (query, jql) in cases {
            assert_eq!(issue_jql(query), jql, "{query}");
        }
    }

    #[test]
    fn issue_labels() {
        let rows = [
            (
                json!({"key":"HSP-1","fields":{"summary":"this is a test issue summary"}}),
                Some(("HSP-1", "(HSP-1) this is a test issue summary")),
            ),
            (
                json!({"key":"HSP-2","fields":{"summary":null}}),
                Some(("HSP-2", "(HSP-2) None")),
            ),
            (
                json!({"key":"HSP-3","fields":{}}),
                Some(("HSP-3", "(HSP-3) None")),
            ),
            (json!({"key":"HSP-4"}), Some(("HSP-4", "(HSP-4) None"))),
            (
                json!({"key":"HSP-5","fields":{"summary":"<b>not</b> &amp; html"}}),
                Some(("HSP-5", "(HSP-5) <b>not</b> &amp; html")),
            ),
            (json!({"id":"10001","fields":{"summary":"no key"}}), None),
        ];
        for (issue, want) in rows {
            let want = want.map(|(v, l)| Choice {
                value: json!(v),
                label: l.to_owned(),
            });
            assert_eq!(issue_choice(&issue), want, "{issue}");
        }
    }

    #[test]
    fn autocomplete_labels_are_plain_text() {
        let rows = [
            ("<b>Sp</b>rint 1 (1)", "Sprint 1 (1)"),
            ("<b>R</b>&amp;D", "R&D"),
            ("&lt;b&gt;literal&lt;/b&gt;", "<b>literal</b>"),
            ("caf&eacute; &ndash; &#8364;5 &#x263A;", "café – €5 ☺"),
            ("<span class=\"x\">a</span> <b>b</b>", "a b"),
            ("plain", "plain"),
            ("AT&T", "AT&T"),
        ];
        for (html, text) in rows {
            assert_eq!(plain_text(html), text, "{html}");
        }
        assert_eq!(
            suggestion_choice(&json!({"value":"1","displayName":"<b>Sp</b>rint 1 (1)"})),
            Some(Choice {
                value: json!("1"),
                label: "Sprint 1 (1)".into()
            })
        );
        assert_eq!(
            suggestion_choice(&json!({"value":"x"})),
            Some(Choice {
                value: json!("x"),
                label: "x".into()
            })
        );
        assert_eq!(suggestion_choice(&json!({"displayName":"no value"})), None);
    }

    #[test]
    fn field_names_and_projects() {
        assert_eq!(jql_field_name("customfield_0123"), "cf[0123]");
        assert_eq!(jql_field_name("customfield_10100"), "cf[10100]");
        assert_eq!(jql_field_name("customfield_"), "customfield_");
        assert_eq!(jql_field_name("sprint"), "sprint");
        assert_eq!(jql_field_name("project"), "project");
        assert_eq!(
            project_choice(&json!({"id":"10000","key":"EX","name":"Example"})),
            Some(Choice {
                value: json!("10000"),
                label: "EX - Example".into()
            })
        );
        assert_eq!(project_choice(&json!({"key":"EX"})), None);
    }

    #[test]
    fn issue_error_messages() {
        let status = |status: u16, m: &[&str], e: &[(&str, &str)]| JiraError::Status {
            status,
            error_messages: m.iter().map(|s| s.to_string()).collect(),
            errors: e
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        let s = Provider::JiraServer;
        let c = Provider::JiraCloud;
        let rows = [
            (
                s,
                status(502, &[], &[]),
                "Error Communicating with Jira Server (HTTP 502): unknown error",
            ),
            (
                c,
                status(502, &[], &[]),
                "Error Communicating with Jira (HTTP 502): unknown error",
            ),
            (
                s,
                status(400, &["Bad", "JQL"], &[]),
                "Error Communicating with Jira Server (HTTP 400): Bad JQL",
            ),
            (
                c,
                status(500, &["Oops"], &[("jql", "bad"), ("x", "y")]),
                "Error Communicating with Jira (HTTP 500): Oops jql: bad x: y",
            ),
            (
                c,
                status(403, &[], &[("a", "b")]),
                "Error Communicating with Jira (HTTP 403): a: b",
            ),
            (
                s,
                status(400, &["m"], &[("jql", "bad")]),
                "Invalid integration action",
            ),
            (s, status(401, &["Login"], &[]), UNAUTHORIZED),
            (c, status(401, &[], &[]), UNAUTHORIZED),
            (
                s,
                JiraError::Timeout,
                "Error Communicating with Jira Server (HTTP 504): unknown error",
            ),
            (
                c,
                JiraError::Unreachable {
                    host: "acme.atlassian.net".into(),
                    detail: "dns".into(),
                },
                "Unable to reach host: acme.atlassian.net",
            ),
            (
                s,
                JiraError::InvalidBody("x".into()),
                "Error Communicating with Jira Server (HTTP 200): unknown error",
            ),
        ];
        for (provider, error, message) in rows {
            assert_eq!(issue_error_message(provider, &error), message, "{error:?}");
        }
    }
}
