//! The PostgreSQL adapter: organizations, integrations with their credentials, caller and
//! admin tokens, OAuth apps, connections in flight and signing keys of browser tokens, over
//! sqlx's PostgreSQL driver, for deployments of several replicas on one database. It
//! implements the same ports as the SQLite adapter, with the same meaning (the domain's
//! store contract runs against both), and offers the same few operations of its own:
//! opening a database URL, sealing secrets ([`PgStore::secrets_report`],
//! [`PgStore::rotate_secrets`]), and every row at once for `db copy`
//! ([`PgStore::export_dump`], [`PgStore::import_dump`]).
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
//! (changes to integrations, consents, refresh tokens), `renewal` (the OAuth 2.0 renewal
//! lease: a row lock across replicas), `tokens` (caller and admin), `apps`,
//! `connections`, `signing_keys`, `rotation` (every bundle at once), `dump` (every row at
//! once, for `db copy`), `ports` (the domain's traits over the above), `memo` (the hot
//! path's memory), `listener` (the task that empties it on every change, whoever commits
//! it) and `testing`.

use std::sync::Arc;

use domain::StoreError;
use sqlx::postgres::PgPool;

mod apps;
mod connections;
mod dump;
mod integrations;
mod listener;
mod memo;
mod open;
mod orgs;
mod ports;
mod renewal;
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

/// The store: a pool of PostgreSQL connections, the key that seals secrets (if any), the
/// memo of the hot path and the task listening for changes that empties it. Cloning shares
/// them all; the task ends with the last clone (or [`PgStore::close`]).
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    key: Option<SecretKey>,
    memo: Arc<memo::Memo>,
    listener: Option<Arc<listener::Listener>>,
}

impl PgStore {
    /// How many token, org and integration lookups were answered from memory (the memo of
    /// the hot path), for tests and monitoring.
    pub fn memo_hits(&self) -> u64 {
        self.memo.hits()
    }

    /// How many times every org and active token was read from PostgreSQL (once after each
    /// change, while the memo is on).
    pub fn directory_reads(&self) -> u64 {
        self.memo.directory_reads()
    }

    /// Whether lookups may be answered from memory: only while the listening connection
    /// LISTENs (so every committed change is heard of). Off while it is lost, and on a store
    /// opened outside a tokio runtime.
    pub fn memo_enabled(&self) -> bool {
        self.memo.enabled()
    }

    /// How many times the memo forgot everything: a change notified or made through this
    /// store, the listening connection lost or back.
    pub fn memo_resets(&self) -> u64 {
        self.memo.resets()
    }
}
