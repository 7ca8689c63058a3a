//! Faults injected in front of the Jira routes: the public [`Fault`] and the list of active ones.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::sync::lock;

/// What a fault does to a matching request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultKind {
    /// Answer with the fault's status, headers and body after its delay.
    #[default]
    Respond,
    /// Never answer: the connection stays open until the simulator shuts down.
    NeverAnswer,
    /// Drop the connection without answering (TCP reset).
    ResetConnection,
    /// Answer 200 `application/json` with a truncated JSON body.
    MalformedJson,
}

/// A fault injected in front of the Jira routes. Faults are checked in the order they were added
/// and the first one that matches wins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Fault {
    /// Matched against the path after the context path (e.g. `/rest/api/2/user`), or after
    /// `/ex/jira/{cloud id}` through Atlassian's API gateway; `None` matches every request
    /// (the token endpoints' and the authorization servers' too).
    pub path_prefix: Option<String>,
    /// Status of a `Respond` fault.
    pub status: u16,
    /// Body of a `Respond` fault (for `MalformedJson`, an explicit body to send instead of a
    /// truncated real answer).
    pub body: String,
    /// `Content-Type` of a `Respond` fault.
    pub content_type: String,
    /// Extra response headers (e.g. `Retry-After`).
    pub headers: Vec<(String, String)>,
    /// Delay before the fault takes effect, in milliseconds.
    pub delay_ms: u64,
    /// `None`: forever; `Some(n)`: only the first `n` matching requests.
    pub times: Option<u32>,
    /// What happens.
    pub kind: FaultKind,
}

impl Default for Fault {
    fn default() -> Self {
        Self {
            path_prefix: None,
            status: 500,
            body: String::new(),
            content_type: "text/plain;charset=UTF-8".into(),
            headers: Vec::new(),
            delay_ms: 0,
            times: None,
            kind: FaultKind::Respond,
        }
    }
}

impl Fault {
    /// Answer `status` with an empty plain-text body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            ..Self::default()
        }
    }

    /// Answer `status` with an HTML page (`text/html;charset=UTF-8`), like a proxy or Seraph.
    pub fn html(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            body: body.into(),
            content_type: "text/html;charset=UTF-8".into(),
            ..Self::default()
        }
    }

    /// Answer `status` with a JSON body (`application/json;charset=UTF-8`).
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            body: body.into(),
            content_type: "application/json;charset=UTF-8".into(),
            ..Self::default()
        }
    }

    /// Answer `status` with a plain-text body.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            body: body.into(),
            ..Self::default()
        }
    }

    /// A 429 like Jira's rate limiter: JSON body, `Retry-After` (seconds) when given.
    pub fn rate_limited(retry_after_secs: Option<u64>) -> Self {
        let fault = Self::json(
            429,
            r#"{"errorMessages":["Rate limit exceeded."],"errors":{}}"#,
        );
        match retry_after_secs {
            Some(secs) => fault.header("Retry-After", secs.to_string()),
            None => fault,
        }
    }

    /// Hold the connection open without ever answering.
    pub fn never_answer() -> Self {
        Self {
            kind: FaultKind::NeverAnswer,
            ..Self::default()
        }
    }

    /// Drop the connection without answering.
    pub fn reset_connection() -> Self {
        Self {
            kind: FaultKind::ResetConnection,
            ..Self::default()
        }
    }

    /// Answer 200 with a truncated JSON body.
    pub fn malformed_json() -> Self {
        Self {
            status: 200,
            kind: FaultKind::MalformedJson,
            ..Self::default()
        }
    }

    /// Only requests whose path (after the context path) starts with `prefix`.
    pub fn on(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Only the first `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Wait `ms` milliseconds first.
    pub fn delay(mut self, ms: u64) -> Self {
        self.delay_ms = ms;
        self
    }

    /// Add a response header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replace the body.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    /// Replace the content type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Whether the fault applies to a Jira path (already stripped of the context path).
    pub fn matches(&self, jira_path: &str) -> bool {
        self.path_prefix
            .as_deref()
            .is_none_or(|prefix| jira_path.starts_with(prefix))
    }
}

/// A fault with the uses it has left (`None`: forever).
struct ActiveFault {
    fault: Fault,
    remaining: Option<u32>,
}

/// The active faults, in the order they were added.
#[derive(Default)]
pub(crate) struct FaultList {
    active: Mutex<Vec<ActiveFault>>,
}

impl FaultList {
    /// Adds a fault after the existing ones.
    pub(crate) fn add(&self, fault: Fault) {
        let remaining = fault.times;
        lock(&self.active).push(ActiveFault { fault, remaining });
    }

    /// The first fault matching the path, with one use consumed.
    pub(crate) fn take(&self, jira_path: &str) -> Option<Fault> {
        let mut faults = lock(&self.active);
        let index = faults
            .iter()
            .position(|f| f.remaining != Some(0) && f.fault.matches(jira_path))?;
        let active = &mut faults[index];
        let fault = active.fault.clone();
        if let Some(n) = active.remaining.as_mut() {
            *n -= 1;
            if *n == 0 {
                faults.remove(index);
            }
        }
        Some(fault)
    }

    /// The active faults, `times` showing the uses each has left.
    pub(crate) fn snapshot(&self) -> Vec<Fault> {
        lock(&self.active)
            .iter()
            .map(|f| Fault {
                times: f.remaining,
                ..f.fault.clone()
            })
            .collect()
    }

    /// Removes every fault.
    pub(crate) fn clear(&self) {
        lock(&self.active).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_deserializes_with_defaults() {
        let f: Fault = serde_json::from_str(r#"{"status":503,"path_prefix":"/rest"}"#).unwrap();
        assert_eq!(f, Fault::status(503).on("/rest"));
        let f: Fault = serde_json::from_str(r#"{"kind":"NeverAnswer"}"#).unwrap();
        assert_eq!(f.kind, FaultKind::NeverAnswer);
        assert!(f.matches("/anything"));
    }
}
