//! Opening a database: checking its URL, connecting (a first connection with a timeout, so
//! an unreachable server is said plainly), the pool, applying the migrations.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};
use store_common::url::redact;
use store_common::Error;

use crate::listener::{Listener, Timing};
use crate::memo::Memo;
use crate::{PgStore, PgStoreError, SecretKey};

/// The migrations of the repository's `migrations/postgres/` directory, embedded at build
/// time.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Connections per replica: the search path holds one for a moment per lookup; PostgreSQL's
/// default `max_connections` (100) leaves room for several replicas and the CLI.
const MAX_CONNECTIONS: u32 = 10;

/// How long connecting (or waiting for a free connection) may take before it fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What the server shows in `pg_stat_activity` for our connections, unless the URL says.
const APPLICATION_NAME: &str = "jira-search";

/// Checks a `DATABASE_URL` without connecting: it must be a PostgreSQL URL
/// (`postgres://USER:PASSWORD@HOST:PORT/DATABASE` or `postgresql://…`) with options sqlx
/// accepts. [`PgStore::open_with_key`] calls it first too.
///
/// # Errors
/// [`PgStoreError::Store`] with an input error saying what is wrong (empty, not a
/// PostgreSQL URL, options refused), the URL shown without its user and password.
pub fn check_database_url(database_url: &str) -> Result<(), PgStoreError> {
    options(database_url).map(drop)
}

fn options(database_url: &str) -> Result<PgConnectOptions, PgStoreError> {
    let shown = redact(database_url);
    let bad = |why: &str| Error::InvalidInput(format!("DATABASE_URL {shown:?} {why}"));
    if database_url.trim().is_empty() {
        return Err(
            bad("is empty: use e.g. postgres://jira-search@db.example.com/jira-search").into(),
        );
    }
    if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
        return Err(bad(
            "is not a PostgreSQL URL: use postgres://USER:PASSWORD@HOST:PORT/DATABASE (or postgresql://)",
        )
        .into());
    }
    // sqlx's messages name the part that is wrong, never the URL.
    let options = PgConnectOptions::from_str(database_url)
        .map_err(|e| bad(&format!("cannot be used: {e}")))?;
    Ok(match options.get_application_name() {
        Some(_) => options,
        None => options.application_name(APPLICATION_NAME),
    })
}

/// `host:port/database` of `options`: where, without who.
fn server(options: &PgConnectOptions) -> String {
    let database = options.get_database().unwrap_or("");
    match options.get_socket() {
        Some(socket) => format!("{}/{database}", socket.display()),
        None => format!("{}:{}/{database}", options.get_host(), options.get_port()),
    }
}

impl PgStore {
    /// Opens the database and applies pending migrations.
    ///
    /// `database_url` is like `postgres://jira-search:PASSWORD@db:5432/jira-search` (or
    /// `postgresql://`). The pool keeps at most 10 connections; connecting waits at most 5 s;
    /// connections are named `jira-search` (`application_name`). One more connection,
    /// `jira-search-listener`, LISTENs for changes (the memo of the hot path forgets on each).
    ///
    /// # Errors
    /// [`PgStoreError::Store`] (an input error) for a URL [`check_database_url`] refuses,
    /// [`PgStoreError::Connect`] when the server does not answer or refuses the connection,
    /// [`PgStoreError::Migrate`] when a migration fails (e.g. the database belongs to a
    /// newer version).
    pub async fn open(database_url: &str) -> Result<Self, PgStoreError> {
        Self::open_with_key(database_url, None).await
    }

    /// Like [`PgStore::open`], with the key that seals every secret written and opens sealed
    /// ones. Without a key, secrets are written in clear (`plain:v1:`) and sealed ones cannot
    /// be read (a `SecretKeyMissing` error); plain rows are readable either way.
    ///
    /// # Errors
    /// As [`PgStore::open`]. The key is not checked against stored secrets here: call
    /// [`PgStore::secrets_report`] for that.
    pub async fn open_with_key(
        database_url: &str,
        key: Option<SecretKey>,
    ) -> Result<Self, PgStoreError> {
        Self::open_with(database_url, key, Timing::DEFAULT).await
    }

    /// [`PgStore::open_with_key`], the listener watching its connection with `timing`.
    /// Besides the pool, one connection (`<application_name>-listener`) LISTENs for the
    /// changes that empty the memo (see the `listener` module).
    pub(crate) async fn open_with(
        database_url: &str,
        key: Option<SecretKey>,
        timing: Timing,
    ) -> Result<Self, PgStoreError> {
        let options = options(database_url)?;
        // One connection first, on its own: the pool would retry a refused connection until
        // its timeout and then say only that it timed out.
        let connect = |source| PgStoreError::Connect {
            server: server(&options),
            source,
        };
        let silent = || {
            let why = format!("no answer within {} s", CONNECT_TIMEOUT.as_secs());
            sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, why))
        };
        let first = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
            .await
            .map_err(|_| connect(silent()))?
            .map_err(connect)?;
        // Closing says goodbye to the server; if that fails, the connection is gone anyway.
        let _ = first.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_lazy_with(options.clone());
        // sqlx holds an advisory lock while migrating: replicas starting together take turns.
        MIGRATOR.run(&pool).await?;
        // After the migrations: the triggers that notify are there.
        let memo = Arc::new(Memo::new());
        let listener = Listener::start(&options, memo.clone(), timing).await;
        Ok(Self {
            pool,
            key,
            memo,
            listener: listener.map(Arc::new),
        })
    }

    /// Stops listening for changes, then closes every connection of the pool, waiting for
    /// those in use to come back; the store (and every clone) then answers nothing. For a
    /// graceful shutdown, and for tests that drop their database.
    pub async fn close(&self) {
        if let Some(listener) = &self.listener {
            listener.stop().await;
        }
        self.memo.disable();
        self.pool.close().await;
    }

    /// Checks that PostgreSQL answers and the schema is there (`/readyz`).
    pub(crate) async fn check_ready(&self) -> Result<(), PgStoreError> {
        // Reads the schema, not just the connection: a database whose tables are gone is
        // not ready.
        sqlx::query("SELECT 1 FROM orgs LIMIT 1")
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
