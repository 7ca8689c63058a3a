//! The row a secret bundle belongs to.

use std::fmt;

/// The row a secret bundle belongs to: it names the row in errors (never a secret) and
/// binds a sealed bundle to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretOwner {
    /// The integration with this id (`integrations`).
    Integration(i64),
    /// The OAuth app with this id (`oauth_apps`).
    App(i64),
    /// The connection in flight stored under this state hash (`connections`).
    Connection(String),
    /// The signing key of browser tokens with this public id (`signing_keys`).
    SigningKey(String),
}

impl SecretOwner {
    /// The associated data that binds a sealed bundle to its row. The integrations' form is
    /// the one 0002 sealed with: it must not change.
    pub(crate) fn associated_data(&self) -> String {
        match self {
            Self::Integration(id) => format!("jira-search/integration/{id}/secret/v1"),
            Self::App(id) => format!("jira-search/app/{id}/secret/v1"),
            Self::Connection(hash) => format!("jira-search/connection/{hash}/secret/v1"),
            Self::SigningKey(id) => format!("jira-search/signing-key/{id}/secret/v1"),
        }
    }
}

impl fmt::Display for SecretOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Integration(id) => write!(f, "integration {id}"),
            Self::App(id) => write!(f, "app {id}"),
            // The hash of a state cannot be used to finish the connection; its start is
            // enough to find the row.
            Self::Connection(hash) => write!(
                f,
                "the connection in flight with state hash {}…",
                hash.get(..12).unwrap_or(hash)
            ),
            Self::SigningKey(id) => write!(f, "signing key {id}"),
        }
    }
}
