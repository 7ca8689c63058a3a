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

/// The wait a 429 or 503 asks for: `Retry-After` in seconds or as an HTTP date, else Jira
/// Cloud's `X-RateLimit-Reset` (an ISO 8601 instant). `None` when neither says (the call then
/// fails at once). A date in the past means "now".
pub fn retry_after(headers: &hyper::HeaderMap) -> Option<std::time::Duration> {
    retry_after_at(headers, std::time::SystemTime::now())
}

/// [`retry_after`] as seen at `now`.
pub fn retry_after_at(
    headers: &hyper::HeaderMap,
    now: std::time::SystemTime,
) -> Option<std::time::Duration> {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let until = |t: std::time::SystemTime| t.duration_since(now).unwrap_or_default();
    if let Some(v) = header(hyper::header::RETRY_AFTER.as_str()) {
        if let Ok(secs) = v.parse::<u64>() {
            return Some(std::time::Duration::from_secs(secs));
        }
        if let Ok(t) = httpdate::parse_http_date(v) {
            return Some(until(t));
        }
    }
    let reset = header("x-ratelimit-reset")?;
    // ISO 8601, with or without seconds (Atlassian writes e.g. `2024-05-14T12:00Z`).
    let t = time::OffsetDateTime::parse(
        reset,
        &time::format_description::well_known::Iso8601::DEFAULT,
    )
    .ok()?;
    Some(until(t.into()))
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

    #[test]
    fn retry_after_in_seconds_as_a_date_or_from_the_rate_limit_reset() {
        use std::time::{Duration, SystemTime};
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_715_688_000); // 2024-05-14T12:00:00Z
        let wait = |pairs: &[(&'static str, &str)]| {
            let mut h = hyper::HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, v.parse().unwrap());
            }
            retry_after_at(&h, now)
        };
        assert_eq!(wait(&[("retry-after", "7")]), Some(Duration::from_secs(7)));
        assert_eq!(
            wait(&[("retry-after", "Tue, 14 May 2024 12:00:30 GMT")]),
            Some(Duration::from_secs(30))
        );
        // A date in the past: retry now.
        assert_eq!(
            wait(&[("retry-after", "Tue, 14 May 2024 11:00:00 GMT")]),
            Some(Duration::ZERO)
        );
        // Retry-After wins over X-RateLimit-Reset.
        assert_eq!(
            wait(&[
                ("retry-after", "3"),
                ("x-ratelimit-reset", "2024-05-14T12:05:00Z")
            ]),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            wait(&[("x-ratelimit-reset", "2024-05-14T12:02Z")]),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            wait(&[("x-ratelimit-reset", "2024-05-14T12:00:45.500Z")]),
            Some(Duration::from_millis(45_500))
        );
        assert_eq!(
            wait(&[("x-ratelimit-reset", "2024-05-14T14:01:00+02:00")]),
            Some(Duration::from_secs(60))
        );
        assert_eq!(wait(&[]), None);
        assert_eq!(wait(&[("retry-after", "soon")]), None);
        assert_eq!(wait(&[("x-ratelimit-reset", "tomorrow")]), None);
    }
}
