//! The pure rules of the branches besides labels: JQL building, JQL field names, Jira's
//! highlighted HTML as plain text, and the issue-search error messages.

use crate::model::Provider;
use crate::ports::JiraError;

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
    }

    #[test]
    fn field_names() {
        assert_eq!(jql_field_name("customfield_0123"), "cf[0123]");
        assert_eq!(jql_field_name("customfield_10100"), "cf[10100]");
        assert_eq!(jql_field_name("customfield_"), "customfield_");
        assert_eq!(jql_field_name("sprint"), "sprint");
        assert_eq!(jql_field_name("project"), "project");
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
