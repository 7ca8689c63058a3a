//! The SQLite adapter: organizations, integrations with their credentials, caller and admin
//! tokens, OAuth apps, connections in flight and signing keys of browser tokens, over sqlx.
//! It implements the domain's store ports ([`domain::IntegrationStore`] for the search path,
//! [`domain::AdminStore`] for the administration, [`domain::CredentialUpdates`] for rotating
//! OAuth 2.0 refresh tokens, [`domain::SigningKeyStore`] for the signing keys) and offers the
//! few operations only this adapter has: opening a database URL, backups, sealing secrets,
//! and every row at once for `db copy` ([`SqliteStore::export_dump`],
//! [`SqliteStore::import_dump`]).
//!
//! Secrets (of integrations, apps, connections and signing keys) are kept as a versioned
//! bundle in a `secret` column, sealed with AES-256-GCM when the store is opened with a [`SecretKey`]
//! (see `store_common::secrets`: the bundles, the rows as domain values and the
//! administration ports are shared with the PostgreSQL adapter; the SQL is this crate's).
//!
//! Queries are runtime-checked (`sqlx::query`), so a fresh clone builds without a database;
//! the tests run every query through the real migrations, and `tests/contract.rs` runs the
//! domain's store contract against a file and an in-memory database.
//!
//! Modules: `open` (URL checks, connecting, migrations, backups), `orgs`, `integrations`,
//! `updates` (changes to integrations, consents), `renewal` (the OAuth 2.0 renewal lease),
//! `tokens` (caller and admin), `apps`,
//! `connections`, `signing_keys`, `rotation` (every bundle at once), `directory` (every org
//! and token read whole), `dump` (every row at once, for `db copy`), `ports` (the domain's
//! traits over the above) and `memo` (the hot path's memory).

use std::sync::Arc;

use domain::StoreError;
use sqlx::sqlite::SqlitePool;

mod apps;
mod connections;
mod directory;
mod dump;
mod integrations;
pub(crate) mod memo;
mod open;
mod orgs;
mod ports;
mod renewal;
mod rotation;
mod signing_keys;
mod tokens;
mod updates;

#[cfg(test)]
mod tests;

pub use dump::database_file;
pub use open::check_database_url;
pub use store_common::{SecretKey, SecretOwner, SecretsReport};

/// A failure of the SQLite store. `Display` and `Debug` never contain a secret or a token.
///
/// Through the domain's ports it becomes a [`StoreError`] with this error as its source:
/// [`StoreError::Unavailable`] when SQLite or the pool failed, [`StoreError::Unusable`] for
/// a row that cannot be read or opened.
#[derive(Debug, thiserror::Error)]
pub enum SqliteStoreError {
    /// The input cannot be used (what is wrong, without echoing a secret): the database
    /// URL, a backup path, a secret key.
    #[error("{0}")]
    InvalidInput(String),
    /// The database file's directory does not exist (it is not created). Not a malformed
    /// URL: the machine lacks something, so the CLI exits 1, as for any database it cannot
    /// open.
    #[error("cannot create the database {file}: the directory {dir} does not exist")]
    DirectoryMissing {
        /// The database file.
        file: String,
        /// Its missing directory.
        dir: String,
    },
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
    /// SQLite or the connection pool failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The migrations could not be applied.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The row's secrets are sealed, and the store was opened without a key.
    #[error("the secrets of {0} are encrypted: set SECRET_KEY to the key they were sealed with")]
    SecretKeyMissing(SecretOwner),
    /// The store's key does not open the row's sealed secrets (another key, or a sealed blob
    /// copied from another row).
    #[error("the secrets of {0} cannot be decrypted with this SECRET_KEY: it is not the key they were sealed with")]
    SecretKeyWrong(SecretOwner),
}

impl SqliteStoreError {
    /// Whether the user's input caused the error (the CLI exits with 2), rather than the
    /// database (exit 1).
    pub fn is_user_error(&self) -> bool {
        matches!(self, Self::InvalidInput(_))
    }

    /// Whether retrying cannot help: the failure is in the stored data (or the key), not in
    /// SQLite's ability to answer.
    fn is_unusable_record(&self) -> bool {
        match self {
            Self::Database(e) => store_common::is_unreadable_row(e),
            Self::Migrate(_) => false,
            Self::DirectoryMissing { .. } => false,
            Self::InvalidInput(_)
            | Self::CorruptRow(_)
            | Self::UnknownOrg(_)
            | Self::UnknownApp(_)
            | Self::IntegrationNotFound(_)
            | Self::NoRefreshToken { .. }
            | Self::SecretKeyMissing(_)
            | Self::SecretKeyWrong(_) => true,
        }
    }
}

/// The shared failures keep their shape here: each becomes the variant of the same name.
impl From<store_common::Error> for SqliteStoreError {
    fn from(e: store_common::Error) -> Self {
        use store_common::Error as E;
        match e {
            E::InvalidInput(why) => Self::InvalidInput(why),
            E::CorruptRow(why) => Self::CorruptRow(why),
            E::UnknownOrg(id) => Self::UnknownOrg(id),
            E::UnknownApp(id) => Self::UnknownApp(id),
            E::IntegrationNotFound(id) => Self::IntegrationNotFound(id),
            E::NoRefreshToken { id, method } => Self::NoRefreshToken { id, method },
            E::SecretKeyMissing(owner) => Self::SecretKeyMissing(owner),
            E::SecretKeyWrong(owner) => Self::SecretKeyWrong(owner),
        }
    }
}

impl From<SqliteStoreError> for StoreError {
    /// Keeps the error as the source (its text carries no secret; sqlx's carry SQLite's
    /// message, never bound values).
    fn from(e: SqliteStoreError) -> Self {
        if e.is_unusable_record() {
            StoreError::unusable(e)
        } else {
            StoreError::unavailable(e)
        }
    }
}

/// The store: a pool of SQLite connections, the key that seals secrets, if any, the memo
/// of the hot path and the locks of OAuth 2.0 renewals. Cloning shares them all.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    key: Option<SecretKey>,
    memo: Arc<memo::Memo>,
    renewals: Arc<domain::ports::RenewalLocks>,
}

impl SqliteStore {
    /// How many token, org and integration lookups were answered from memory (the memo
    /// forgets everything whenever the database changes, whichever process changed it).
    pub fn memo_hits(&self) -> u64 {
        self.memo.hits()
    }

    /// How many times every org and active token was read whole from SQLite (once per change
    /// of the database, whichever process made it).
    pub fn directory_reads(&self) -> u64 {
        self.memo.directory_reads()
    }
}
