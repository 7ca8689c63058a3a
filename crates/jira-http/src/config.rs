//! The client's settings and the errors of building it.

use std::time::Duration;

use crate::guard::GuardSettings;

/// Settings of the Jira client.
#[derive(Debug, Clone)]
pub struct JiraHttpConfig {
    /// Overall deadline of one call: connect, send, and read the whole body
    /// (`JIRA_TIMEOUT_SECONDS`).
    pub timeout: Duration,
    /// Sent as `User-Agent`.
    pub user_agent: String,
    /// The per-integration limit on concurrent calls and the breaker.
    pub guard: GuardSettings,
}

impl Default for JiraHttpConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            user_agent: concat!("jira-search/", env!("CARGO_PKG_VERSION")).to_owned(),
            guard: GuardSettings::default(),
        }
    }
}

/// Errors building the client.
#[derive(Debug, thiserror::Error)]
pub enum JiraHttpError {
    /// The TLS configuration could not be built.
    #[error("TLS setup failed: {0}")]
    Tls(#[from] rustls::Error),
}
