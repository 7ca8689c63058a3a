//! Jira's failures into [`JiraError`]: error bodies are often HTML, never assume JSON.

use domain::JiraError;
use hyper::StatusCode;
use serde_json::Value;

/// A non-2xx answer. A JSON error collection (`{"errorMessages":[..],"errors":{..}}`) is
/// read; anything else (an HTML login page, a proxy's 502 page, an empty body) leaves the
/// messages empty.
pub fn status_error(status: StatusCode, body: &[u8]) -> JiraError {
    let (error_messages, errors) = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => {
            let messages = obj
                .get("errorMessages")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(text_of).collect())
                .unwrap_or_default();
            let errors = obj
                .get("errors")
                .and_then(Value::as_object)
                .map(|o| o.iter().map(|(k, v)| (k.clone(), text_of(v))).collect())
                .unwrap_or_default();
            (messages, errors)
        }
        _ => (Vec::new(), Vec::new()),
    };
    JiraError::Status {
        status: status.as_u16(),
        error_messages,
        errors,
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A short description of a client error and its causes, for logs (no URL, so no query
/// text and no secret).
pub fn describe_client_error(e: &hyper_util::client::legacy::Error) -> String {
    let mut text = if e.is_connect() {
        "connection failed".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_html_and_empty_bodies() {
        let e = status_error(
            StatusCode::BAD_REQUEST,
            br#"{"errorMessages":["Bad jql"],"errors":{"jql":"oops","n":3}}"#,
        );
        assert_eq!(
            e,
            JiraError::Status {
                status: 400,
                error_messages: vec!["Bad jql".into()],
                errors: vec![("jql".into(), "oops".into()), ("n".into(), "3".into())],
            }
        );
        for body in [
            &b"<html><body>Unauthorized</body></html>"[..],
            b"",
            b"[1]",
            b"{\"x\":1}",
        ] {
            assert_eq!(
                status_error(StatusCode::UNAUTHORIZED, body),
                JiraError::Status {
                    status: 401,
                    error_messages: vec![],
                    errors: vec![]
                }
            );
        }
    }
}
