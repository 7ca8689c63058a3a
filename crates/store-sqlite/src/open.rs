//! Opening a database: checking its URL, connecting with the pragmas every connection
//! needs, applying the migrations; and copying it while it runs (`backup_to`).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::{memo, SecretKey, SqliteStore, SqliteStoreError};

/// The migrations of the repository's `migrations/sqlite/` directory, embedded at build time.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

/// How long a writer waits for another one's lock before failing with BUSY.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections of a file database. SQLite serialises writers anyway; a few connections let
/// readers (the search path) go on while the CLI writes.
const MAX_CONNECTIONS: u32 = 8;

/// What a database URL names, once checked.
struct Checked {
    options: SqliteConnectOptions,
    /// The database file; `None` for an in-memory database.
    file: Option<PathBuf>,
}

/// Checks a `DATABASE_URL` without connecting: it must be a SQLite URL (`sqlite://FILE`,
/// `sqlite:///abs/FILE` or `sqlite::memory:`) that names a file in an existing directory,
/// or an in-memory database. The CLI may call it to refuse a bad URL before anything else;
/// [`SqliteStore::open_with_key`] calls it first too.
///
/// # Errors
/// [`SqliteStoreError::InvalidInput`] saying what is wrong: the URL is empty, is not a
/// SQLite URL, names no file (SQLite would open a private temporary database that each
/// connection sees empty), has options sqlx refuses, or its directory does not exist (it is
/// not created).
pub fn check_database_url(database_url: &str) -> Result<(), SqliteStoreError> {
    check(database_url).map(drop)
}

fn check(database_url: &str) -> Result<Checked, SqliteStoreError> {
    let shown = store_common::url::redact(database_url);
    let bad = |why: &str| SqliteStoreError::InvalidInput(format!("DATABASE_URL {shown:?} {why}"));
    if database_url.trim().is_empty() {
        return Err(bad("is empty: use e.g. sqlite://jira-search.db"));
    }
    let Some(rest) = database_url.strip_prefix("sqlite:") else {
        return Err(bad(
            "is not a SQLite URL: use sqlite://FILE or sqlite::memory:",
        ));
    };
    let options = SqliteConnectOptions::from_str(database_url)
        .map_err(|e| bad(&format!("cannot be used: {e}")))?;
    // sqlx keeps no public flag for "in memory": read the URL as it does.
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (name, params) = rest.split_once('?').unwrap_or((rest, ""));
    if name == ":memory:" || params.split('&').any(|p| p == "mode=memory") {
        return Ok(Checked {
            options,
            file: None,
        });
    }
    if options.get_filename().as_os_str().is_empty() {
        return Err(bad(
            "names no database file: use e.g. sqlite://jira-search.db (relative), sqlite:///var/lib/jira-search/db.sqlite (absolute) or sqlite::memory:",
        ));
    }
    let file = options.get_filename().to_path_buf();
    check_directory(&file)?;
    Ok(Checked {
        options,
        file: Some(file),
    })
}

/// Refuses a database file whose directory is missing: SQLite's own message ("unable to
/// open database file") does not say why.
fn check_directory(file: &Path) -> Result<(), SqliteStoreError> {
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => return Ok(()),
    };
    if dir.is_dir() {
        Ok(())
    } else {
        Err(SqliteStoreError::DirectoryMissing {
            file: file.display().to_string(),
            dir: dir.display().to_string(),
        })
    }
}

impl SqliteStore {
    /// Opens the database, creating the file if missing, and applies pending migrations.
    ///
    /// `database_url` is like `sqlite://jira-search.db` (relative to the working directory),
    /// `sqlite:///abs/path.db` or `sqlite::memory:`. Connections use WAL, foreign keys,
    /// a 5 s busy timeout and `synchronous = NORMAL`.
    ///
    /// # Errors
    /// [`SqliteStoreError::InvalidInput`] for a URL [`check_database_url`] refuses,
    /// [`SqliteStoreError::Database`] when SQLite cannot open the file,
    /// [`SqliteStoreError::Migrate`] when a migration fails (e.g. the file belongs to a newer
    /// version).
    pub async fn open(database_url: &str) -> Result<Self, SqliteStoreError> {
        Self::open_with_key(database_url, None).await
    }

    /// Like [`SqliteStore::open`], with the key that seals every secret written and opens
    /// sealed ones. Without a key, secrets are written in clear (`plain:v1:`) and sealed
    /// ones cannot be read ([`SqliteStoreError::SecretKeyMissing`]); plain rows are readable
    /// either way.
    ///
    /// # Errors
    /// As [`SqliteStore::open`]. The key is not checked against stored secrets here: call
    /// [`SqliteStore::secrets_report`] for that.
    pub async fn open_with_key(
        database_url: &str,
        key: Option<SecretKey>,
    ) -> Result<Self, SqliteStoreError> {
        let Checked { options, file } = check(database_url)?;
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .synchronous(SqliteSynchronous::Normal);
        let pool_options = if file.is_none() {
            // Each in-memory database lives as long as one of its connections: keep exactly
            // one, forever (several would also meet shared-cache table locks, which ignore
            // busy_timeout).
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            // One connection stays open, so the WAL index (read by the memo) lives as long
            // as the store.
            SqlitePoolOptions::new()
                .max_connections(MAX_CONNECTIONS)
                .min_connections(1)
        };
        let pool = pool_options.connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            key,
            memo: Arc::new(memo::Memo::new(file)),
            renewals: Arc::default(),
        })
    }

    /// Checks that SQLite answers and the schema is there (`/readyz`).
    pub(crate) async fn check_ready(&self) -> Result<(), SqliteStoreError> {
        // Reads the schema, not just the connection: a database whose tables are gone or
        // whose file is damaged is not ready.
        sqlx::query("SELECT 1 FROM orgs LIMIT 1")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Writes a consistent copy of the live database to `path` (`VACUUM INTO`), while the
    /// service keeps running. The copy holds the secrets as stored (sealed when `SECRET_KEY`
    /// is set).
    ///
    /// # Errors
    /// [`SqliteStoreError::InvalidInput`] when `path` exists already or its directory does
    /// not; [`SqliteStoreError::Database`] when SQLite fails.
    pub async fn backup_to(&self, path: &Path) -> Result<(), SqliteStoreError> {
        if path.exists() {
            return Err(SqliteStoreError::InvalidInput(format!(
                "{} exists already: a backup never overwrites a file; choose a new name",
                path.display()
            )));
        }
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !parent.is_dir() {
            return Err(SqliteStoreError::InvalidInput(format!(
                "cannot write {}: the directory {} does not exist",
                path.display(),
                parent.display()
            )));
        }
        let target = path.to_str().ok_or_else(|| {
            SqliteStoreError::InvalidInput(format!("{} is not a UTF-8 path", path.display()))
        })?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
