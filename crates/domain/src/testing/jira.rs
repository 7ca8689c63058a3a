//! [`ScriptedJira`]: the Jira port answering what a test scripts, recording every call.

use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use crate::jira_request::JiraRequest;
use crate::model::{Integration, IntegrationId};
use crate::ports::{JiraApi, JiraError};

/// What a scripted Jira answers to a call.
#[derive(Debug, Clone)]
pub enum Reply {
    /// 200 with this JSON body.
    Json(Value),
    /// An HTTP answer as Jira would send it: a 2xx body must be JSON (else
    /// [`JiraError::InvalidBody`]); any other status becomes [`JiraError::Status`], with the
    /// messages of a JSON error collection, exactly as an HTTP adapter reads them.
    Http {
        /// The status.
        status: u16,
        /// The body text (JSON, an HTML page, anything).
        body: String,
    },
    /// This failure.
    Error(JiraError),
}

impl Reply {
    /// Jira's 429 with its error collection, as Cloud sends it when rate limiting.
    pub fn rate_limited() -> Self {
        Self::Http {
            status: 429,
            body: r#"{"errorMessages":["Rate limit exceeded."],"errors":{}}"#.to_owned(),
        }
    }

    /// Jira's 404 of an unknown resource.
    pub fn not_found(message: &str) -> Self {
        Self::Http {
            status: 404,
            body: serde_json::json!({"errorMessages": [message], "errors": {}}).to_string(),
        }
    }
}

/// One call a scripted Jira received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptedCall {
    /// The integration it was made for.
    pub integration: IntegrationId,
    /// The request.
    pub request: JiraRequest,
}

impl ScriptedCall {
    /// `path?k=v&k=v`, decoded: a readable form for assertions.
    pub fn describe(&self) -> String {
        describe(&self.request)
    }
}

/// `path?k=v&k=v` of a request, not encoded.
fn describe(request: &JiraRequest) -> String {
    let query: Vec<String> = request
        .query()
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if query.is_empty() {
        request.path()
    } else {
        format!("{}?{}", request.path(), query.join("&"))
    }
}

/// A rule: the calls it matches and what it answers.
#[derive(Debug)]
struct Rule {
    path: String,
    params: Vec<(String, String)>,
    pause: Duration,
    reply: Reply,
}

impl Rule {
    fn matches(&self, request: &JiraRequest) -> bool {
        request.path() == self.path
            && self
                .params
                .iter()
                .all(|p| request.query().iter().any(|q| q == p))
    }
}

/// The Jira port played from a script. Each call is answered by the most recently added
/// rule that matches its path (and the parameters the rule names); a call no rule matches
/// gets Jira's 404. Every call is recorded, in order.
#[derive(Debug, Default)]
pub struct ScriptedJira {
    rules: Mutex<Vec<Rule>>,
    calls: Mutex<Vec<ScriptedCall>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ScriptedJira {
    /// A Jira with no script: every call gets a 404.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers calls of `path` (e.g. `/rest/api/2/user/search`) with `reply`.
    pub fn on(&self, path: &str, reply: Reply) -> &Self {
        self.on_with(path, &[], reply)
    }

    /// Answers calls of `path` carrying every one of `params` with `reply`.
    pub fn on_with(&self, path: &str, params: &[(&str, &str)], reply: Reply) -> &Self {
        self.add(path, params, Duration::ZERO, reply)
    }

    /// Answers calls of `path` with `reply` after `pause` (tokio's clock, so a test with
    /// paused time does not wait; a caller's deadline shorter than `pause` sees a timeout).
    pub fn on_after(&self, path: &str, pause: Duration, reply: Reply) -> &Self {
        self.add(path, &[], pause, reply)
    }

    fn add(&self, path: &str, params: &[(&str, &str)], pause: Duration, reply: Reply) -> &Self {
        lock(&self.rules).push(Rule {
            path: path.to_owned(),
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            pause,
            reply,
        });
        self
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<ScriptedCall> {
        lock(&self.calls).clone()
    }

    /// Every call so far as `path?k=v&...`, in order.
    pub fn described_calls(&self) -> Vec<String> {
        lock(&self.calls)
            .iter()
            .map(ScriptedCall::describe)
            .collect()
    }
}

/// What an HTTP adapter makes of a Jira answer.
fn http_answer(status: u16, body: &str) -> Result<Value, JiraError> {
    if (200..300).contains(&status) {
        serde_json::from_str(body).map_err(|e| JiraError::InvalidBody(e.to_string()))
    } else {
        Err(JiraError::from_error_answer(status, body.as_bytes()))
    }
}

async fn play(pause: Duration, reply: Reply) -> Result<Value, JiraError> {
    if !pause.is_zero() {
        tokio::time::sleep(pause).await;
    }
    match reply {
        Reply::Json(v) => Ok(v),
        Reply::Http { status, body } => http_answer(status, &body),
        Reply::Error(e) => Err(e),
    }
}

impl JiraApi for ScriptedJira {
    async fn get_json(
        &self,
        integration: &Integration,
        request: &JiraRequest,
    ) -> Result<Value, JiraError> {
        lock(&self.calls).push(ScriptedCall {
            integration: integration.id,
            request: request.clone(),
        });
        let reply = lock(&self.rules)
            .iter()
            .rev()
            .find(|r| r.matches(request))
            .map(|r| (r.pause, r.reply.clone()));
        match reply {
            Some((pause, reply)) => play(pause, reply).await,
            None => Err(JiraError::Status {
                status: 404,
                error_messages: vec![format!(
                    "ScriptedJira: nothing scripted for {}",
                    request.path()
                )],
                errors: Vec::new(),
            }),
        }
    }
}
