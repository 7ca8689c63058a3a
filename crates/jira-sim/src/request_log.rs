//! The request log: every request received on a Jira route, in order, without its secrets.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::config::split_gateway_path;
use crate::sync::lock;

/// The request log keeps at most this many entries (oldest dropped), so long benchmarks do not
/// grow memory without bound.
const MAX_LOG: usize = 100_000;

/// The kind of `Authorization` header a request carried (never its secret).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthKind {
    /// No `Authorization` header.
    None,
    /// `Basic ...`
    Basic,
    /// `Bearer ...`
    Bearer,
    /// `JWT ...` (Atlassian Connect)
    Jwt,
    /// `OAuth ...` (OAuth 1.0a)
    OAuth,
    /// Any other scheme, or a header that is not valid text.
    Other,
}

/// One request the simulator received outside the control routes (which are never recorded):
/// Jira routes, also through Atlassian's API gateway (`/ex/jira/{cloud id}/...`, recorded with
/// that path as received), the token endpoints and the authorization servers' pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// The full raw path as received, context path included, still percent-encoded.
    pub path: String,
    /// Percent-decoded query pairs in order (`+` decoded as a space, like a form).
    pub query: Vec<(String, String)>,
    /// The raw query string, if the URL had one.
    pub raw_query: Option<String>,
    /// The authentication scheme used.
    pub auth: AuthKind,
    /// The Basic user name, when Basic was used (the password is never recorded).
    #[serde(default)]
    pub auth_user: Option<String>,
    /// The OAuth 1.0a `oauth_nonce`, when OAuth 1.0a was used (single-use: a retry must bring
    /// a new one).
    #[serde(default)]
    pub auth_nonce: Option<String>,
}

impl RecordedRequest {
    /// The last value of query parameter `name`, like Jira reads a repeated parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of query parameter `name`, in order.
    pub fn params(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The cloud id of a request through Atlassian's API gateway (`/ex/jira/{cloud id}/...`).
    pub fn cloud_id(&self) -> Option<&str> {
        split_gateway_path(&self.path).map(|(id, _)| id)
    }

    /// The path with the given context path removed (unchanged when it does not start with it);
    /// for a request through Atlassian's API gateway, the path after `/ex/jira/{cloud id}`.
    pub fn path_without_context<'a>(&'a self, context_path: &str) -> &'a str {
        if let Some((_, rest)) = split_gateway_path(&self.path) {
            return rest;
        }
        match self.path.strip_prefix(context_path) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
            _ => &self.path,
        }
    }
}

/// The requests received so far, oldest first (control routes are never recorded).
#[derive(Default)]
pub(crate) struct RequestLog {
    entries: Mutex<VecDeque<RecordedRequest>>,
}

impl RequestLog {
    /// Appends a request, dropping the oldest one when the log is full.
    pub(crate) fn record(&self, request: RecordedRequest) {
        let mut entries = lock(&self.entries);
        if entries.len() >= MAX_LOG {
            entries.pop_front();
        }
        entries.push_back(request);
    }

    /// Every request, in order.
    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        lock(&self.entries).iter().cloned().collect()
    }

    /// The requests whose path, after `context_path` (or Atlassian's API gateway prefix),
    /// starts with `jira_path_prefix`.
    pub(crate) fn to(&self, context_path: &str, jira_path_prefix: &str) -> Vec<RecordedRequest> {
        lock(&self.entries)
            .iter()
            .filter(|r| {
                r.path_without_context(context_path)
                    .starts_with(jira_path_prefix)
            })
            .cloned()
            .collect()
    }

    /// Forgets every request.
    pub(crate) fn clear(&self) {
        lock(&self.entries).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn param_takes_last_value() {
        let r = RecordedRequest {
            method: "GET".into(),
            path: "/jira/rest/api/2/user/search".into(),
            query: vec![("a".into(), "1".into()), ("a".into(), "2".into())],
            raw_query: Some("a=1&a=2".into()),
            auth: AuthKind::None,
            auth_user: None,
            auth_nonce: None,
        };
        assert_eq!(r.param("a"), Some("2"));
        assert_eq!(r.params("a"), vec!["1", "2"]);
        assert_eq!(r.param("b"), None);
        assert_eq!(r.path_without_context("/jira"), "/rest/api/2/user/search");
        assert_eq!(
            r.path_without_context("/ji"),
            "/jira/rest/api/2/user/search"
        );
        assert_eq!(r.cloud_id(), None);
        let gateway = RecordedRequest {
            path: "/ex/jira/c-1/rest/api/3/myself".into(),
            ..r
        };
        assert_eq!(gateway.cloud_id(), Some("c-1"));
        assert_eq!(gateway.path_without_context(""), "/rest/api/3/myself");
        assert_eq!(gateway.path_without_context("/jira"), "/rest/api/3/myself");
    }
}
