//! Why an administrative action did nothing.

use crate::model::{AppId, IntegrationId, InvalidInput};
use crate::ports::{ConsentError, JiraError, StoreError};

/// Why an administrative action did nothing. The messages are the CLI's (docs/api.md and the
/// README show them); [`AdminError::is_caller_mistake`] tells the exit code.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The input breaks a rule.
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// No org has this id or slug (as given).
    #[error("organization {0:?} does not exist")]
    OrgNotFound(String),
    /// The slug is taken.
    #[error("organization {0:?} already exists")]
    OrgExists(String),
    /// No integration has this id.
    #[error("integration {0} does not exist")]
    IntegrationNotFound(IntegrationId),
    /// No active token matches the prefix.
    #[error("no active token matches that prefix")]
    TokenNotFound,
    /// Several active tokens match the prefix.
    #[error("{0} active tokens match that prefix: give more characters of the token")]
    TokenAmbiguous(usize),
    /// The same token is already stored.
    #[error("this token is already stored")]
    TokenExists,
    /// No active signing key has this id (as given, shortened).
    #[error("no active signing key has the id {0:?}")]
    SigningKeyNotFound(String),
    /// A signing key with the same id is already stored.
    #[error("this signing key id is already stored")]
    SigningKeyExists,
    /// `integration check`: Jira answered 401 or 403.
    #[error("Jira refused the credentials of integration {id} (Jira answered HTTP {status}): check them, or add the integration again")]
    CheckRefused {
        /// The integration.
        id: IntegrationId,
        /// 401 or 403.
        status: u16,
    },
    /// `integration check`: Jira answered as the anonymous user (some Server instances
    /// answer bad credentials so, with a 200).
    #[error(
        "Jira answered integration {0} as an anonymous user: the credentials were not accepted"
    )]
    CheckAnonymous(IntegrationId),
    /// `integration check`: Jira could not be asked.
    #[error("Jira could not be asked")]
    CheckFailed(#[source] JiraError),
    /// No app has this id.
    #[error("app {0} does not exist")]
    AppNotFound(AppId),
    /// Jira refused to start a connection (OAuth 1.0a request token).
    #[error("Jira refused to start the connection: {0}")]
    ConsentFailed(#[source] ConsentError),
    /// Connections are off: `PUBLIC_URL` is not set.
    #[error("connections are off: set PUBLIC_URL, where browsers reach this service")]
    ConnectionsOff,
    /// The store failed: not the caller's mistake.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AdminError {
    /// Whether the caller's input caused it (the CLI exits with 2) rather than the store or
    /// Jira (exit 1).
    pub fn is_caller_mistake(&self) -> bool {
        match self {
            Self::Invalid(_)
            | Self::OrgNotFound(_)
            | Self::OrgExists(_)
            | Self::IntegrationNotFound(_)
            | Self::TokenNotFound
            | Self::TokenAmbiguous(_)
            | Self::TokenExists
            | Self::SigningKeyNotFound(_)
            | Self::SigningKeyExists
            | Self::AppNotFound(_)
            | Self::ConnectionsOff => true,
            Self::CheckRefused { .. }
            | Self::CheckAnonymous(_)
            | Self::CheckFailed(_)
            | Self::ConsentFailed(_)
            | Self::Store(_) => false,
        }
    }
}
