//! What the client tells the outside about its calls, for metrics. The app implements
//! [`JiraObserver`] over its metrics registry; this crate stays free of any metrics library.

use std::borrow::Cow;
use std::time::Duration;

use domain::{IntegrationId, JiraError};

use crate::guard::BreakerState;

/// How one call to Jira ended (retries included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    /// Jira answered with this HTTP status (2xx with a readable body, or an error status).
    Status(u16),
    /// The deadline passed.
    Timeout,
    /// The host could not be reached.
    Unreachable,
    /// A 2xx answer that was not JSON.
    InvalidBody,
    /// The integration cannot be used as configured.
    Config,
    /// The breaker was open: Jira was not asked.
    BreakerOpen,
    /// Every slot of the integration stayed busy until the deadline: Jira was not asked.
    QueueTimeout,
}

impl CallOutcome {
    /// The outcome of a finished call.
    pub fn of(result: &Result<serde_json::Value, JiraError>) -> Self {
        match result {
            Ok(_) => Self::Status(200),
            Err(JiraError::Status { status, .. }) => Self::Status(*status),
            Err(JiraError::Timeout) => Self::Timeout,
            Err(JiraError::Unreachable { .. }) => Self::Unreachable,
            Err(JiraError::InvalidBody(_)) => Self::InvalidBody,
            Err(JiraError::Config(_)) => Self::Config,
        }
    }

    /// A bounded label: the status code, or a word.
    pub fn label(self) -> Cow<'static, str> {
        match self {
            Self::Status(s) => Cow::Owned(s.to_string()),
            Self::Timeout => Cow::Borrowed("timeout"),
            Self::Unreachable => Cow::Borrowed("unreachable"),
            Self::InvalidBody => Cow::Borrowed("invalid_body"),
            Self::Config => Cow::Borrowed("config"),
            Self::BreakerOpen => Cow::Borrowed("breaker_open"),
            Self::QueueTimeout => Cow::Borrowed("queue_timeout"),
        }
    }
}

/// Receives the client's events. Every method has an empty default. Calls are made on the
/// request's task: keep them cheap and never block.
pub trait JiraObserver: Send + Sync + 'static {
    /// One call ended. `endpoint` is a path template (segments a caller chose as `{id}`,
    /// see `JiraRequest::endpoint`), never a query: it is safe as a metric label.
    fn call_finished(
        &self,
        _integration: IntegrationId,
        _endpoint: &str,
        _outcome: CallOutcome,
        _elapsed: Duration,
    ) {
    }

    /// A 429 or 503 was retried after the wait Jira asked for.
    fn retried(&self, _integration: IntegrationId, _endpoint: &str) {}

    /// An OAuth 2.0 access token was renewed (`ok`) or the renewal failed.
    fn token_renewed(&self, _integration: IntegrationId, _ok: bool) {}

    /// An integration's breaker changed state.
    fn breaker_changed(&self, _integration: IntegrationId, _state: BreakerState) {}
}

/// The observer of a client nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl JiraObserver for NoObserver {}
