//! Jira's failures into [`JiraError`]: error bodies are often HTML, never assume JSON.

use domain::JiraError;
use hyper::StatusCode;
use serde::Deserialize;
use serde_json::Value;

/// A non-2xx answer. A JSON error collection (`{"errorMessages":[..],"errors":{..}}`) is
/// read, keeping the order of `errors` as Jira sent it; anything else (an HTML login page, a
/// proxy's 502 page, an empty body) leaves the messages empty.
pub fn status_error(status: StatusCode, body: &[u8]) -> JiraError {
    let (error_messages, errors) = match serde_json::from_slice::<ErrorCollection>(body) {
        Ok(c) => (
            c.error_messages.iter().map(text_of).collect(),
            c.errors
                .0
                .into_iter()
                .map(|(k, v)| (k, text_of(&v)))
                .collect(),
        ),
        Err(_) => (Vec::new(), Vec::new()),
    };
    JiraError::Status {
        status: status.as_u16(),
        error_messages,
        errors,
    }
}

/// Jira's error collection. Unknown keys are ignored; missing ones are empty.
#[derive(serde::Deserialize)]
struct ErrorCollection {
    #[serde(
        rename = "errorMessages",
        default,
        deserialize_with = "list_or_nothing"
    )]
    error_messages: Vec<Value>,
    #[serde(default)]
    errors: OrderedPairs,
}

fn list_or_nothing<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(a) => a,
        _ => Vec::new(),
    })
}

/// A JSON object's entries in document order (serde_json's map would sort them).
#[derive(Default)]
struct OrderedPairs(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for OrderedPairs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = OrderedPairs;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<OrderedPairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    pairs.push((k, v));
                }
                Ok(OrderedPairs(pairs))
            }
            // Anything but an object (null, a list...) counts as no errors.
            fn visit_unit<E>(self) -> Result<OrderedPairs, E> {
                Ok(OrderedPairs::default())
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OrderedPairs, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(OrderedPairs::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<OrderedPairs, E> {
                Ok(OrderedPairs::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<OrderedPairs, E> {
                Ok(OrderedPairs::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<OrderedPairs, E> {
                Ok(OrderedPairs::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<OrderedPairs, E> {
                Ok(OrderedPairs::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<OrderedPairs, E> {
                Ok(OrderedPairs::default())
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// The wait a 429 or 503 asks for: `Retry-After` in seconds. (The HTTP-date form and Cloud's
/// `X-RateLimit-Reset` are not read: without a wait, the call fails at once.)
pub fn retry_after(headers: &hyper::HeaderMap) -> Option<std::time::Duration> {
    let secs: u64 = headers
        .get(hyper::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(std::time::Duration::from_secs(secs))
}

/// The wait plus up to 20% random jitter, so many callers told the same time do not all
/// come back at once; never shorter than Jira asked.
pub fn jittered(wait: std::time::Duration) -> std::time::Duration {
    wait.mul_f64(1.0 + rand::random::<f64>() * 0.2)
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
            br#"{"errorMessages":["Bad jql"],"errors":{"zeta":"oops","n":3}}"#,
        );
        assert_eq!(
            e,
            JiraError::Status {
                status: 400,
                error_messages: vec!["Bad jql".into()],
                // Jira's order, not alphabetical.
                errors: vec![("zeta".into(), "oops".into()), ("n".into(), "3".into())],
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
