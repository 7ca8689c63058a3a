//! A fresh PostgreSQL database per test, dropped afterwards (behind the `testing` feature):
//! this crate's tests use it, and so can the app's.
//!
//! The server is the one `TEST_POSTGRES_URL` names (default [`DEFAULT_URL`]), as a user that
//! may `CREATE DATABASE`. When it does not answer, [`TestDatabase::create`] panics saying
//! so: a test that needs PostgreSQL fails rather than passes without it.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};
use store_common::url::redact;

/// The server the tests use when `TEST_POSTGRES_URL` is not set.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// How long the server may take to answer before the test fails.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Databases made by this process so far (a part of each name).
static MADE: AtomicU64 = AtomicU64::new(0);

/// A database of its own for one test: `jira_search_test_<pid>_<n>_<random>`, empty (no
/// migration applied), on the server of `TEST_POSTGRES_URL`. It is dropped (`WITH (FORCE)`:
/// connections still open to it are closed) by [`TestDatabase::remove`], or when the value
/// is dropped, also when the test panics.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
    server: String,
    removed: bool,
}

/// The URL of the server the tests use: `TEST_POSTGRES_URL`, or [`DEFAULT_URL`].
pub fn server_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_URL.to_owned())
}

impl TestDatabase {
    /// Creates a new database on the test server.
    ///
    /// # Panics
    /// When the server does not answer within 10 s, refuses the connection or the
    /// `CREATE DATABASE`: the message says to set `TEST_POSTGRES_URL` or to run `make test`.
    pub async fn create() -> Self {
        Self::create_on(&server_url()).await
    }

    /// Creates a new database on the server `server` names (a user that may
    /// `CREATE DATABASE`).
    ///
    /// # Panics
    /// As [`TestDatabase::create`].
    pub async fn create_on(server: &str) -> Self {
        let server = server.to_owned();
        let mut conn = admin(&server).await;
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        let mut random = RandomState::new().build_hasher();
        random.write_u64(n);
        let name = format!(
            "jira_search_test_{}_{n}_{:08x}",
            std::process::id(),
            random.finish() & 0xffff_ffff
        );
        let created = conn.execute(&*format!(r#"CREATE DATABASE "{name}""#)).await;
        if let Err(e) = created {
            panic!(
                "cannot create a test database on {}: {e}. {HOW}",
                redact(&server)
            );
        }
        let _ = conn.close().await;
        let mut url = url::Url::parse(&server)
            .unwrap_or_else(|e| panic!("TEST_POSTGRES_URL is not a URL ({e}). {HOW}"));
        url.set_path(&format!("/{name}"));
        Self {
            name,
            url: url.into(),
            server,
            removed: false,
        }
    }

    /// The database's URL (the server's, with this database's name).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drops the database now, closing the connections still open to it.
    ///
    /// # Panics
    /// When the server refuses.
    pub async fn remove(mut self) {
        self.removed = true;
        if let Err(e) = drop_database(&self.server, &self.name).await {
            panic!("cannot drop the test database {}: {e}", self.name);
        }
    }
}

impl Drop for TestDatabase {
    /// Drops the database on a thread of its own, with a runtime of its own: `Drop` cannot
    /// await, and the test's runtime may be the one dropping (or gone, after a panic).
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        let (server, name) = (self.server.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime
                .block_on(drop_database(&server, &name))
                .map_err(|e| e.to_string())
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("cannot drop the test database {}: {e}", self.name),
            Err(_) => eprintln!("cannot drop the test database {}: panicked", self.name),
        }
    }
}

/// What to do when the test server cannot be used.
const HOW: &str = "The tests of the PostgreSQL store need a server: set TEST_POSTGRES_URL to \
                   postgres://USER@HOST:PORT/DATABASE of a user that may CREATE DATABASE, or \
                   run `make test`, which provides one";

/// A connection to the server, or a panic that says what to do.
async fn admin(server: &str) -> PgConnection {
    match tokio::time::timeout(TIMEOUT, PgConnection::connect(server)).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => panic!(
            "cannot connect to PostgreSQL at {}: {e}. {HOW}",
            redact(server)
        ),
        Err(_) => panic!(
            "PostgreSQL at {} did not answer within {} s. {HOW}",
            redact(server),
            TIMEOUT.as_secs()
        ),
    }
}

async fn drop_database(server: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut conn = tokio::time::timeout(TIMEOUT, PgConnection::connect(server))
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
    conn.execute(&*format!(
        r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#
    ))
    .await?;
    conn.close().await
}
