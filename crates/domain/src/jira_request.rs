//! The requests the search and the administration send to Jira, built in one place: one GET
//! relative to an integration's base URL ([`JiraRequest`]) and a constructor per call.

use crate::model::Provider;

/// One GET request to Jira, relative to the integration's base URL.
///
/// The path is kept as segments so that an adapter percent-encodes each one: a value that
/// came from a caller (a project id) can never add a segment or a query to the path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JiraRequest {
    /// Path segments after the base URL, e.g. `["rest", "api", "2", "project", "10000"]`.
    segments: Vec<String>,
    /// Query parameters in order, not yet encoded.
    query: Vec<(String, String)>,
    /// How many leading segments are the constant of [`JiraRequest::get`]; the rest were
    /// appended with [`JiraRequest::segment`] and may hold caller input. It keeps the
    /// metrics label of [`JiraRequest::endpoint`] bounded.
    fixed: usize,
}

impl JiraRequest {
    /// A GET of `/`-separated `path` (a constant written in this crate, never caller input).
    pub fn get(path: &str) -> Self {
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        Self {
            fixed: segments.len(),
            segments,
            query: Vec::new(),
        }
    }

    /// Appends one path segment (may contain anything; the adapter encodes it).
    #[must_use]
    pub fn segment(mut self, s: impl Into<String>) -> Self {
        self.segments.push(s.into());
        self
    }

    /// Appends one query parameter.
    #[must_use]
    pub fn param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    /// The path segments, not yet encoded.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// The query parameters in order, not yet encoded.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// The path for logs: segments joined, without the query (which may hold what a user
    /// typed).
    pub fn path(&self) -> String {
        self.segments.iter().map(|s| format!("/{s}")).collect()
    }

    /// The path as a template, appended segments (ids a caller chose) written `{id}`: a
    /// bounded label for metrics, e.g. `/rest/api/2/project/{id}`.
    pub fn endpoint(&self) -> String {
        self.segments
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if i < self.fixed {
                    format!("/{s}")
                } else {
                    "/{id}".to_owned()
                }
            })
            .collect()
    }
}

/// The user search: the assignable search within a project, else the instance-wide search.
/// Server reads the text from `username` (it ignores `query`), Cloud from `query` (it has no
/// `username`). `project` is what the assignable search's `project` takes: a project key on
/// Server (its only form there), the project id as the caller sent it on Cloud (which takes
/// an id or a key).
pub fn user_search(provider: Provider, project: Option<&str>, query: &str) -> JiraRequest {
    let text_param = match provider {
        Provider::JiraServer => "username",
        Provider::JiraCloud => "query",
    };
    match (project, provider) {
        (Some(project), _) => JiraRequest::get("rest/api/2/user/assignable/search")
            .param("project", project)
            .param(text_param, query),
        (None, Provider::JiraServer) => {
            JiraRequest::get("rest/api/2/user/search").param(text_param, query)
        }
        (None, Provider::JiraCloud) => {
            JiraRequest::get("rest/api/3/user/search").param(text_param, query)
        }
    }
}

/// Most issues a text search asks for: a picker shows a short list.
pub const ISSUE_SEARCH_MAX_RESULTS: u32 = 20;

/// The issue text search of `jql` (built by [`crate::rules::issue_text_jql`]): Server's `/search`,
/// Cloud's `/search/jql` (Atlassian retired `/search` on Cloud), asking for the summary of at
/// most [`ISSUE_SEARCH_MAX_RESULTS`] issues.
pub fn issue_search(provider: Provider, jql: &str) -> JiraRequest {
    let path = match provider {
        Provider::JiraServer => "rest/api/2/search",
        Provider::JiraCloud => "rest/api/2/search/jql",
    };
    JiraRequest::get(path)
        .param("jql", jql)
        .param("fields", "summary")
        .param("maxResults", ISSUE_SEARCH_MAX_RESULTS.to_string())
}

/// One issue by its key, summary only (`GET /rest/api/2/issue/{key}?fields=summary`): the
/// exact match of a query that is an issue key ([`crate::rules::exact_issue_key`]).
pub fn issue(key: &str) -> JiraRequest {
    JiraRequest::get("rest/api/2/issue")
        .segment(key)
        .param("fields", "summary")
}

/// One project by its numeric id (`GET /rest/api/2/project/{id}`): how an id becomes a key.
pub fn project(project_id: &str) -> JiraRequest {
    JiraRequest::get("rest/api/2/project").segment(project_id)
}

/// Cloud's project search.
pub fn project_search(query: &str) -> JiraRequest {
    JiraRequest::get("rest/api/2/project/search").param("query", query)
}

/// JQL autocomplete suggestions for a field (its JQL name, e.g. `cf[10100]`).
pub fn autocomplete(jql_field_name: &str, value: &str) -> JiraRequest {
    JiraRequest::get("rest/api/2/jql/autocompletedata/suggestions")
        .param("fieldName", jql_field_name)
        .param("fieldValue", value)
}

/// Who the credentials authenticate as (`integration check`).
pub fn myself() -> JiraRequest {
    JiraRequest::get("rest/api/2/myself")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_templates_hide_ids_and_queries() {
        let r = project("10000").param("query", "alice");
        assert_eq!(r.path(), "/rest/api/2/project/10000");
        assert_eq!(r.endpoint(), "/rest/api/2/project/{id}");
        let r = user_search(Provider::JiraServer, None, "bob");
        assert_eq!(r.endpoint(), "/rest/api/2/user/search");
        assert_eq!(r.query(), [("username".to_owned(), "bob".to_owned())]);
    }

    #[test]
    fn user_searches_per_flavour() {
        let rows = [
            (
                Provider::JiraServer,
                None,
                "/rest/api/2/user/search",
                vec![("username", "al")],
            ),
            (
                Provider::JiraCloud,
                None,
                "/rest/api/3/user/search",
                vec![("query", "al")],
            ),
            (
                Provider::JiraServer,
                Some("HSP"),
                "/rest/api/2/user/assignable/search",
                vec![("project", "HSP"), ("username", "al")],
            ),
            (
                Provider::JiraCloud,
                Some("HSP"),
                "/rest/api/2/user/assignable/search",
                vec![("project", "HSP"), ("query", "al")],
            ),
        ];
        for (provider, key, path, query) in rows {
            let r = user_search(provider, key, "al");
            assert_eq!(r.path(), path, "{provider} {key:?}");
            let want: Vec<(String, String)> = query
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            assert_eq!(r.query(), want.as_slice(), "{provider} {key:?}");
        }
    }

    #[test]
    fn issue_searches_per_flavour() {
        let params = |jql: &str| {
            [("jql", jql), ("fields", "summary"), ("maxResults", "20")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        };
        let s = issue_search(Provider::JiraServer, r#"text ~ "login fai*""#);
        assert_eq!(s.path(), "/rest/api/2/search");
        assert_eq!(s.query(), params(r#"text ~ "login fai*""#));
        let c = issue_search(Provider::JiraCloud, r#"text ~ "login""#);
        assert_eq!(c.path(), "/rest/api/2/search/jql");
        assert_eq!(c.query(), params(r#"text ~ "login""#));
    }

    #[test]
    fn one_issue_by_key_names_the_key_as_a_segment() {
        let r = issue("HSP-1");
        assert_eq!(r.path(), "/rest/api/2/issue/HSP-1");
        assert_eq!(r.endpoint(), "/rest/api/2/issue/{id}");
        assert_eq!(r.query(), [("fields".to_owned(), "summary".to_owned())]);
        // Whatever the key holds stays one segment.
        assert_eq!(issue("../myself").segments().len(), 5);
    }
}
