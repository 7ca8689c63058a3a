//! Jira's error bodies: what jira-http makes of a non-2xx answer (a JSON error collection,
//! Tomcat's or a proxy's HTML page, anything: `JiraError::from_error_answer`), the message the
//! caller then gets (`messages::issue_error_message`), and the OAuth 2.0 token endpoint's
//! refusals and answers (`jira_http::fuzzing::oauth2_token_answer`).
//!
//! Input: the status in digits on the first line, then the body (e.g. `401` and Tomcat's
//! HTML page). Checks: the status is kept; messages come only
//! from a JSON object, each one from its `errorMessages` and `errors`; the caller's message
//! names the status; a token answer's refusal never quotes the body, and an access token
//! is held for as long as the endpoint said (a day at most).
#![no_main]

use std::time::Duration;

use domain::{messages, JiraError, Provider};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some(at) = data.iter().position(|&b| b == b'\n') else {
        return;
    };
    let (line, body) = (&data[..at], &data[at + 1..]);
    let Some(status) = std::str::from_utf8(line)
        .ok()
        .and_then(|l| l.parse::<u16>().ok())
        .filter(|s| (100..1000).contains(s))
    else {
        return;
    };
    error_answer(status, body);
    token_answer(status, body);
});

fn error_answer(status: u16, body: &[u8]) {
    if (200..300).contains(&status) {
        return; // a success: the jira_json_answer target's
    }
    let error = JiraError::from_error_answer(status, body);
    let JiraError::Status {
        status: kept,
        error_messages,
        errors,
    } = &error
    else {
        panic!("not a status error: {error:?}");
    };
    assert_eq!(*kept, status);
    if !error_messages.is_empty() || !errors.is_empty() {
        assert!(
            body.trim_ascii_start().starts_with(b"{"),
            "messages come from a JSON object"
        );
        // A bad escape in a key nobody reads: serde_json reads the error collection, not a
        // `Value`; nothing more to compare.
        if let Ok(value) = serde_json::from_slice::<Value>(body) {
            same_as_sent(&value, error_messages, errors);
        }
    }
    for provider in [Provider::JiraServer, Provider::JiraCloud] {
        let message = messages::issue_error_message(provider, &error);
        let plain_status = status != 401 && !(status == 400 && !errors.is_empty());
        if plain_status {
            assert!(
                message.contains(&format!("(HTTP {status})")),
                "{message:?} does not name HTTP {status}"
            );
        }
    }
}

/// Checks that the messages are `errorMessages` and `errors` of the body, in its order.
fn same_as_sent(value: &Value, error_messages: &[String], errors: &[(String, String)]) {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let listed: Vec<String> = value["errorMessages"]
        .as_array()
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default();
    assert_eq!(error_messages, listed, "errorMessages in order");
    let sent = value["errors"].as_object();
    // A field named twice keeps each message, where the parsed map keeps the last.
    let named_once = sent.is_some_and(|m| m.len() == errors.len());
    for (field, message) in errors {
        let value = sent
            .and_then(|m| m.get(field))
            .unwrap_or_else(|| panic!("{field:?} is not in errors"));
        if named_once {
            assert_eq!(message, &text(value));
        }
    }
}

/// The fixed words of the token endpoint's failures, which an answer may repeat by chance.
const TOKEN_TEMPLATES: &str = "the OAuth 2.0 token endpoint refused the refresh token \
    (invalid_grant): integration 1 needs re-authorising | the OAuth 2.0 token endpoint refused \
    to renew the access token () | the OAuth 2.0 token endpoint answered HTTP 200 without a \
    usable access_token: the answer could not be read | the answer is not JSON | access_token \
    is missing or not a string | the OAuth 2.0 token endpoint answered an empty access_token";

fn token_answer(status: u16, body: &[u8]) {
    match jira_http::fuzzing::oauth2_token_answer(status, body) {
        Ok(token) => {
            assert!((200..300).contains(&status));
            assert!(!token.access_token.expose().is_empty());
            // The lifetime as the endpoint said it (a body serde_json reads as a struct but
            // not as a `Value`, with a bad escape in a field nobody reads, is not checked).
            if let Ok(value) = serde_json::from_slice::<Value>(body) {
                let want = value
                    .get("expires_in")
                    .and_then(Value::as_u64)
                    .map_or(Duration::from_secs(3600), Duration::from_secs)
                    .min(Duration::from_secs(24 * 3600));
                assert_eq!(token.lifetime, want, "held as long as said, a day at most");
            }
            assert!(token.renew_before <= token.lifetime);
        }
        Err(error) => {
            let text = match &error {
                JiraError::Status { error_messages, .. } => error_messages.join(" "),
                JiraError::InvalidBody(detail) | JiraError::Config(detail) => detail.clone(),
                other => panic!("a token answer failed with {other:?}"),
            };
            // What the endpoint sent is never quoted back, but its short OAuth error code.
            if let Ok(Value::Object(answer)) = serde_json::from_slice::<Value>(body) {
                let fixed = TOKEN_TEMPLATES.replace("HTTP 200", &format!("HTTP {status}"));
                // The message less the code is the endpoint's fixed words alone.
                let code = answer.get("error").and_then(Value::as_str).unwrap_or("");
                let rest = if code.is_empty() {
                    text.clone()
                } else {
                    text.replace(code, "")
                };
                for (key, value) in &answer {
                    let Value::String(s) = value else { continue };
                    if s.len() >= 4 && !fixed.contains(s.as_str()) {
                        assert!(!rest.contains(s.as_str()), "{key} quoted: {text}");
                    }
                }
            }
        }
    }
}
