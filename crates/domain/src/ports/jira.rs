//! The Jira port: one authenticated GET to an integration's Jira.

use std::future::Future;

use serde::Deserialize;
use serde_json::Value;

use crate::jira_request::JiraRequest;
use crate::model::Integration;

/// Why a call to Jira failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JiraError {
    /// Jira answered with a non-2xx status. `error_messages` and `errors` come from a JSON
    /// error collection when the body was one; an HTML page leaves both empty.
    #[error("Jira answered HTTP {status}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// `errorMessages` of a JSON error body.
        error_messages: Vec<String>,
        /// `errors` of a JSON error body, as `(field, message)` in Jira's order.
        errors: Vec<(String, String)>,
    },
    /// The call did not finish within the deadline.
    #[error("Jira did not answer within the deadline")]
    Timeout,
    /// The host could not be reached (DNS, refused, TLS handshake).
    #[error("unable to reach host {host}: {detail}")]
    Unreachable {
        /// The host name.
        host: String,
        /// What went wrong (no secret).
        detail: String,
    },
    /// Jira answered 2xx with a body that is not the JSON expected.
    #[error("Jira answered with an unexpected body: {0}")]
    InvalidBody(String),
    /// The integration cannot be used as configured (e.g. credentials the adapter cannot use).
    #[error("integration misconfigured: {0}")]
    Config(String),
}

impl JiraError {
    /// A non-2xx answer of Jira. A JSON error collection
    /// (`{"errorMessages":[..],"errors":{..}}`) is read, keeping the order of `errors` as
    /// Jira sent it; anything else (an HTML login page, a proxy's 502 page, an empty body)
    /// leaves the messages empty.
    pub fn from_error_answer(status: u16, body: &[u8]) -> Self {
        // Only an object: serde would read the struct from a list too, its fields in order.
        let collection = body
            .trim_ascii_start()
            .starts_with(b"{")
            .then(|| serde_json::from_slice::<ErrorCollection>(body).ok())
            .flatten();
        let (error_messages, errors) = match collection {
            Some(c) => (
                c.error_messages.iter().map(text_of).collect(),
                c.errors
                    .0
                    .into_iter()
                    .map(|(k, v)| (k, text_of(&v)))
                    .collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        Self::Status {
            status,
            error_messages,
            errors,
        }
    }
}

/// A JSON value as message text: a string as itself, anything else as JSON.
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
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

/// Talks to one Jira instance on behalf of an integration.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
pub trait JiraApi: Send + Sync + 'static {
    /// Sends `request` to the integration's Jira with its credentials and returns the
    /// parsed JSON body of a 2xx answer.
    ///
    /// The adapter must: join the base URL and the encoded segments, percent-encode the
    /// query, authenticate with the integration's credentials, honour its TLS setting, and
    /// give up after its deadline. `crate::testing::contract::jira` checks all of it but the
    /// credentials and TLS, which a fake cannot play (the adapter's own tests check them).
    ///
    /// # Errors
    /// [`JiraError::Status`] for a non-2xx answer (the body parsed when it is a JSON error
    /// collection), [`JiraError::Timeout`], [`JiraError::Unreachable`],
    /// [`JiraError::InvalidBody`] for a 2xx body that is not JSON, [`JiraError::Config`].
    fn get_json(
        &self,
        integration: &Integration,
        request: &JiraRequest,
    ) -> impl Future<Output = Result<serde_json::Value, JiraError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_answers_json_html_and_empty() {
        let e = JiraError::from_error_answer(
            400,
            br#"{"errorMessages":["Bad jql"],"errors":{"zeta":"oops","n":3}}"#,
        );
        assert_eq!(
            e,
            JiraError::Status {
                status: 400,
                error_messages: vec!["Bad jql".into()],
                // Jira's order, not alphabetical; a value that is not a string as JSON.
                errors: vec![("zeta".into(), "oops".into()), ("n".into(), "3".into())],
            }
        );
        for body in [
            &b"<html><body>Unauthorized</body></html>"[..],
            b"",
            b"[1]",
            b"{\"x\":1}",
            b"{\"errorMessages\":\"not a list\",\"errors\":[1]}",
            // Found by fuzzing (fuzz/, jira_error_body): serde reads a struct from a list
            // too, its fields in order, so this list was taken for an error collection.
            b"[[\"boom\"],{\"field\":\"bad\"}]",
            b" [[\"boom\"]]",
        ] {
            assert_eq!(
                JiraError::from_error_answer(401, body),
                JiraError::Status {
                    status: 401,
                    error_messages: vec![],
                    errors: vec![]
                },
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
