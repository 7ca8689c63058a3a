//! The failures every store adapter meets outside its database driver.

use crate::owner::SecretOwner;

/// A failure that is no database's: input that cannot be used, a stored row that cannot be
/// read, sealed secrets without their key or with another, a write naming a row that does
/// not exist. `Display` and `Debug` never contain a secret or a token.
///
/// Each adapter wraps it in its own error enum (SQLite's maps each variant to one of its
/// own, so that its errors keep their shape); through the domain's ports every variant is
/// an unusable record (retrying does not help).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input cannot be used (what is wrong, without echoing a secret): a database URL,
    /// a secret key.
    #[error("{0}")]
    InvalidInput(String),
    /// A stored row cannot be read back (says which row and column, never its secret).
    #[error("corrupt row in the database: {0}")]
    CorruptRow(String),
    /// A write names an org that does not exist (the administration checks first, so only
    /// a race or a misuse of the port gets here).
    #[error("organization {0} does not exist")]
    UnknownOrg(i64),
    /// A connection was saved for an app that does not exist (a race with its removal, or
    /// a misuse of the port).
    #[error("app {0} does not exist")]
    UnknownApp(i64),
    /// A refresh token was saved for an integration that does not exist (any more).
    #[error("integration {0} does not exist")]
    IntegrationNotFound(i64),
    /// A refresh token was saved for an integration whose auth method has none.
    #[error("integration {id} uses auth method {method}, which has no refresh token")]
    NoRefreshToken {
        /// The integration.
        id: i64,
        /// Its auth method.
        method: domain::AuthMethod,
    },
    /// The row's secrets are sealed, and the store was opened without a key.
    #[error("the secrets of {0} are encrypted: set SECRET_KEY to the key they were sealed with")]
    SecretKeyMissing(SecretOwner),
    /// The store's key does not open the row's sealed secrets (another key, or a sealed blob
    /// copied from another row).
    #[error("the secrets of {0} cannot be decrypted with this SECRET_KEY: it is not the key they were sealed with")]
    SecretKeyWrong(SecretOwner),
}

/// Whether a driver's error says a row could not be read as the adapter expects it (a
/// column missing or of another type): a corrupt or foreign row, which retrying does not
/// mend, rather than a database that does not answer.
pub fn is_unreadable_row(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::ColumnIndexOutOfBounds { .. }
            | sqlx::Error::TypeNotFound { .. }
    )
}

impl Error {
    /// Whether the user's input caused the error (the CLI exits with 2), rather than the
    /// stored data (exit 1).
    pub fn is_user_error(&self) -> bool {
        matches!(self, Self::InvalidInput(_))
    }

    /// A [`Error::CorruptRow`] saying `why` of the row `owner` names.
    pub fn corrupt(owner: impl std::fmt::Display, why: &str) -> Self {
        Self::CorruptRow(format!("{owner}: {why}"))
    }
}
