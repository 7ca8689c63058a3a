//! The messages a caller gets when a branch's Jira call fails (docs/api.md): exact texts,
//! since clients match on them.

use crate::model::Provider;
use crate::ports::JiraError;

/// The message of every user-search failure.
pub const USERS_ERROR: &str = "Unable to fetch users from Jira";

/// The message of every Cloud project-search failure.
pub const PROJECTS_ERROR: &str = "Unable to fetch projects from Jira";

/// The message of a failed autocomplete of `field` (as the caller sent it).
pub fn autocomplete_error(field: &str) -> String {
    format!("Unable to fetch autocomplete for {field} from Jira")
}

/// Sentry's message for the 401 of an issue search (a 400 here, where Sentry answers 500).
pub const UNAUTHORIZED: &str =
    "Unauthorized: either your access token was invalid or you do not have access";

/// The caller's message for a failed issue search (docs/api.md).
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
