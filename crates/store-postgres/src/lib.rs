//! The PostgreSQL adapter: organizations, integrations with their credentials, caller and
//! admin tokens, OAuth apps, connections in flight and signing keys of browser tokens, over
//! sqlx's PostgreSQL driver, for deployments of several replicas on one database. It
//! implements the same ports as the SQLite adapter, with the same meaning (the domain's
//! store contract runs against both), and offers the same few operations of its own:
//! opening a database URL and sealing secrets ([`PgStore::secrets_report`],
//! [`PgStore::rotate_secrets`]).
//!
//! What does not depend on SQL (the secret bundles and their sealing, rows as domain values,
//! the administration ports) is `store_common`'s: a bundle sealed by one adapter opens in
//! the other with the same key. The SQL, the transactions and the locks are here.
//!
//! Every write is one transaction. Where two writers could race (two replicas, or a replica
//! and the CLI), rows are locked before they are read and written back (`FOR UPDATE`,
//! `FOR KEY SHARE` on the org a write links to, a table lock while rotating), and
//! uniqueness is the schema's (`ON CONFLICT`): a race gives one of the outcomes the ports
//! document, never a database error.
//!
//! Queries are runtime-checked (`sqlx::query`), so a fresh clone builds without a database;
//! the tests run every query against a real PostgreSQL (`TEST_POSTGRES_URL`), each in a
//! database of its own ([`testing::TestDatabase`], behind the `testing` feature).
//!
//! Modules: `open` (URL checks, connecting, migrations), `orgs`, `integrations`, `updates`
//! (changes to integrations, consents, refresh tokens), `tokens` (caller and admin), `apps`,
//! `connections`, `signing_keys`, `rotation` (every bundle at once), `ports` (the domain's
//! traits over the above) and `testing`.

use domain::StoreError;
use sqlx::postgres::PgPool;

mod apps;
mod connections;
mod integrations;
mod open;
mod orgs;
mod ports;
mod rotation;
mod signing_keys;
mod tokens;
mod updates;

#[cfg(any(test, feature = "testing"))]
pub mod testing;

#[cfg(test)]
mod tests;

pub use open::check_database_url;
pub use store_common::{SecretKey, SecretOwner, SecretsReport};

/// `created_at` of the table read, as RFC 3339 in UTC to the second (as SQLite gives it).
const CREATED_AT: &str =
    r#"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at"#;

/// A failure of the PostgreSQL store. `Display` and `Debug` never contain a secret, a token
/// or a database password.
///
/// Through the domain's ports it becomes a [`StoreError`] with this error as its source:
/// [`StoreError::Unavailable`] when PostgreSQL or the pool failed, [`StoreError::Unusable`]
/// for a row that cannot be read or opened.
#[derive(Debug, thiserror::Error)]
pub enum PgStoreError {
    /// What every adapter meets: input that cannot be used (the database URL, a secret key),
    /// a corrupt row, sealed secrets without their key or with another, a write naming a
    /// row that does not exist.
    #[error(transparent)]
    Store(#[from] store_common::Error),
    /// The server did not answer the first connection, or refused it (says where, without
    /// the user or password).
    #[error("cannot connect to PostgreSQL at {server}: {source}")]
    Connect {
        /// `host:port/database`.
        server: String,
        /// Why.
        source: sqlx::Error,
    },
    /// PostgreSQL or the connection pool failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The migrations could not be applied.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl PgStoreError {
    /// Whether the user's input caused the error (the CLI exits with 2), rather than the
    /// database (exit 1).
    pub fn is_user_error(&self) -> bool {
        matches!(self, Self::Store(e) if e.is_user_error())
    }

    /// Whether retrying cannot help: the failure is in the stored data (or the key), not in
    /// PostgreSQL's ability to answer.
    fn is_unusable_record(&self) -> bool {
        match self {
            Self::Store(_) => true,
            Self::Database(e) => store_common::is_unreadable_row(e),
            Self::Connect { .. } | Self::Migrate(_) => false,
        }
    }
}

impl From<PgStoreError> for StoreError {
    /// Keeps the error as the source (its text carries no secret; sqlx's carry PostgreSQL's
    /// message, never bound values).
    fn from(e: PgStoreError) -> Self {
        if e.is_unusable_record() {
            StoreError::unusable(e)
        } else {
            StoreError::unavailable(e)
        }
    }
}

/// The store: a pool of PostgreSQL connections and the key that seals secrets, if any.
/// Cloning shares both.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    key: Option<SecretKey>,
}
