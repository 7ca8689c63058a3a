//! The SQLite adapter: organizations, integrations with their credentials, and caller
//! tokens, over sqlx. It implements [`domain::IntegrationStore`] for the search path and
//! offers the administrative operations the CLI needs.
//!
//! Secrets are kept as a versioned bundle in the `secret` column, sealed with AES-256-GCM
//! when the store is opened with a [`SecretKey`] (see the `secrets` module).
//!
//! Queries are runtime-checked (`sqlx::query`), so a fresh clone builds without a database;
//! the tests run every query through the real migrations.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use domain::ports::CredentialUpdates;
use domain::token::{hash_token, token_id, MIN_REVOKE_PREFIX, TOKEN_ID_LEN};
use domain::{
    AuthMethod, BaseUrl, Credentials, Integration, IntegrationId, IntegrationStore, Org, OrgId,
    OrgRef, Provider, Secret, Slug, StoreError,
};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, SqliteConnection};

pub(crate) mod memo;
#[cfg(test)]
mod secret_tests;
mod secrets;
#[cfg(test)]
mod tests;

pub use secrets::SecretKey;

/// The migrations of `../../migrations`, embedded at build time.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// How long a writer waits for another one's lock before failing with BUSY.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections of a file database. SQLite serialises writers anyway; a few connections let
/// readers (the search path) go on while the CLI writes.
const MAX_CONNECTIONS: u32 = 8;

/// A failure of the SQLite store. `Display` and `Debug` never contain a secret or a token.
#[derive(Debug, thiserror::Error)]
pub enum SqliteStoreError {
    /// No organization has this id or slug (the text as the user gave it).
    #[error("organization {0:?} does not exist")]
    OrgNotFound(String),
    /// The slug is taken.
    #[error("organization {0:?} already exists")]
    OrgExists(String),
    /// No integration has this id.
    #[error("integration {0} does not exist")]
    IntegrationNotFound(i64),
    /// No active token matches the prefix given to `token revoke`.
    #[error("no active token matches that prefix")]
    TokenNotFound,
    /// Several active tokens match the prefix given to `token revoke`.
    #[error("{0} active tokens match that prefix: give more characters of the token")]
    TokenAmbiguous(usize),
    /// The input cannot be used (what is wrong, without echoing a secret).
    #[error("{0}")]
    InvalidInput(String),
    /// A stored row cannot be read back (says which row and column, never its secret).
    #[error("corrupt row in the database: {0}")]
    CorruptRow(String),
    /// SQLite or the connection pool failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The migrations could not be applied.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The integration's secrets are sealed, and the store was opened without a key.
    #[error("the secrets of integration {0} are encrypted: set SECRET_KEY to the key they were sealed with")]
    SecretKeyMissing(i64),
    /// The store's key does not open the integration's sealed secrets (another key, or a
    /// sealed blob copied from another integration).
    #[error("the secrets of integration {0} cannot be decrypted with this SECRET_KEY: it is not the key they were sealed with")]
    SecretKeyWrong(i64),
}

impl SqliteStoreError {
    /// Whether the user's input caused the error (the CLI exits with 2), rather than the
    /// database (exit 1).
    pub fn is_user_error(&self) -> bool {
        match self {
            Self::OrgNotFound(_)
            | Self::OrgExists(_)
            | Self::IntegrationNotFound(_)
            | Self::TokenNotFound
            | Self::TokenAmbiguous(_)
            | Self::InvalidInput(_) => true,
            Self::CorruptRow(_)
            | Self::Database(_)
            | Self::Migrate(_)
            | Self::SecretKeyMissing(_)
            | Self::SecretKeyWrong(_) => false,
        }
    }
}

impl From<SqliteStoreError> for StoreError {
    fn from(e: SqliteStoreError) -> Self {
        // Display texts carry no secret; sqlx's carry SQLite's message, never bound values.
        StoreError(e.to_string())
    }
}

/// An integration to register: where Jira lives and how to authenticate. `Debug` prints no
/// secret (see [`domain::Secret`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIntegration {
    /// Server / Data Center or Cloud.
    pub provider: Provider,
    /// A human name.
    pub name: String,
    /// Where Jira lives (validated).
    pub base_url: BaseUrl,
    /// Whether TLS certificates are verified.
    pub verify_tls: bool,
    /// How to authenticate; stored as given.
    pub credentials: Credentials,
}

/// One line of `integration list`: everything about an integration except its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationSummary {
    /// Numeric id.
    pub id: IntegrationId,
    /// Server / Data Center or Cloud.
    pub provider: Provider,
    /// The human name.
    pub name: String,
    /// Where Jira lives.
    pub base_url: String,
    /// Whether TLS certificates are verified.
    pub verify_tls: bool,
    /// Whether searches may use it.
    pub enabled: bool,
    /// How it authenticates.
    pub auth_method: AuthMethod,
    /// The non-secret name of the credentials: the basic user, the OAuth 1.0a consumer
    /// key, the OAuth 2.0 client id or the Connect JWT issuer.
    pub user: Option<String>,
    /// Slugs of the orgs it is linked to, by org id.
    pub orgs: Vec<String>,
}

/// How many integration secrets are sealed and how many are kept in clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SecretsReport {
    /// Rows whose secrets are sealed (`sealed:v1:`); the store's key opens every one.
    pub sealed: usize,
    /// Rows whose secrets are kept in clear (`plain:v1:`).
    pub plain: usize,
}

/// The store: a pool of SQLite connections and the key that seals secrets, if any.
/// Cloning shares the pool.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    key: Option<SecretKey>,
    memo: std::sync::Arc<memo::Memo>,
}

impl SqliteStore {
    /// Opens the database, creating the file if missing, and applies pending migrations.
    ///
    /// `database_url` is like `sqlite://jira-search.db` (relative to the working directory),
    /// `sqlite:///abs/path.db` or `sqlite::memory:`. Connections use WAL, foreign keys,
    /// a 5 s busy timeout and `synchronous = NORMAL`.
    ///
    /// # Errors
    /// [`SqliteStoreError::InvalidInput`] for a URL that is not a SQLite URL or whose
    /// directory does not exist (it is not created), [`SqliteStoreError::Database`] when
    /// SQLite cannot open the file, [`SqliteStoreError::Migrate`] when a migration fails
    /// (e.g. the file belongs to a newer version).
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
        let options = SqliteConnectOptions::from_str(database_url)
            .map_err(|e| {
                SqliteStoreError::InvalidInput(format!(
                    "invalid database URL {database_url:?} (expected e.g. sqlite://jira-search.db): {e}"
                ))
            })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .synchronous(SqliteSynchronous::Normal);

        let in_memory = database_url.contains(":memory:") || database_url.contains("mode=memory");
        let file = (!in_memory).then(|| options.get_filename().to_path_buf());
        let pool_options = if in_memory {
            // Each in-memory database lives as long as one of its connections: keep exactly
            // one, forever (several would also meet shared-cache table locks, which ignore
            // busy_timeout).
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            check_directory(options.get_filename())?;
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
            memo: std::sync::Arc::new(memo::Memo::new(file)),
        })
    }

    /// How many token, org and integration lookups were answered from memory (the memo
    /// forgets everything whenever the database changes, whichever process changed it).
    pub fn memo_hits(&self) -> u64 {
        self.memo.hits()
    }

    /// Checks that SQLite answers (`SELECT 1`), for `/readyz`.
    ///
    /// # Errors
    /// [`SqliteStoreError::Database`] when it does not.
    pub async fn ping(&self) -> Result<(), SqliteStoreError> {
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

    /// Creates an organization.
    ///
    /// # Errors
    /// [`SqliteStoreError::OrgExists`] when the slug is taken, [`SqliteStoreError::Database`].
    pub async fn create_org(&self, slug: &Slug) -> Result<Org, SqliteStoreError> {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO orgs (slug) VALUES (?) ON CONFLICT (slug) DO NOTHING RETURNING id",
        )
        .bind(slug.as_str())
        .fetch_optional(&self.pool)
        .await?;
        match id {
            Some(id) => Ok(Org {
                id: OrgId(id),
                slug: slug.clone(),
            }),
            None => Err(SqliteStoreError::OrgExists(slug.to_string())),
        }
    }

    /// Every organization, by id.
    ///
    /// # Errors
    /// [`SqliteStoreError::CorruptRow`] for a stored slug that is not valid,
    /// [`SqliteStoreError::Database`].
    pub async fn list_orgs(&self) -> Result<Vec<Org>, SqliteStoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, slug FROM orgs ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(|(id, slug)| org_from_row(id, slug))
            .collect()
    }

    /// The organization named by id or slug.
    ///
    /// # Errors
    /// [`SqliteStoreError::OrgNotFound`] with the id or slug as given,
    /// [`SqliteStoreError::CorruptRow`], [`SqliteStoreError::Database`].
    pub async fn resolve_org(&self, org: &OrgRef) -> Result<Org, SqliteStoreError> {
        let mut conn = self.pool.acquire().await?;
        resolve_org_on(&mut conn, org).await
    }

    /// Registers an integration and links it to `org`, in one `BEGIN IMMEDIATE`
    /// transaction: on any error nothing is written. Its secrets are sealed when the store
    /// has a key, kept in clear otherwise.
    ///
    /// # Errors
    /// [`SqliteStoreError::OrgNotFound`], [`SqliteStoreError::Database`].
    pub async fn add_integration(
        &self,
        org: &OrgRef,
        new: &NewIntegration,
    ) -> Result<IntegrationId, SqliteStoreError> {
        let (user, token_url, bundle) = secrets::split(&new.credentials);
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let org = resolve_org_on(&mut tx, org).await?;
        // The seal is bound to the row id, known only after the INSERT: insert an empty
        // secret, then write the bundle, in the same transaction.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO integrations \
             (provider, name, base_url, verify_tls, enabled, auth_method, auth_user, token_url, \
              secret) \
             VALUES (?, ?, ?, ?, 1, ?, ?, ?, '') RETURNING id",
        )
        .bind(new.provider.as_str())
        .bind(&new.name)
        .bind(new.base_url.as_str())
        .bind(new.verify_tls)
        .bind(new.credentials.method().as_str())
        .bind(user)
        .bind(token_url)
        .fetch_one(&mut *tx)
        .await?;
        let stored = secrets::encode(self.key.as_ref(), id, &bundle)?;
        sqlx::query("UPDATE integrations SET secret = ? WHERE id = ?")
            .bind(stored)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO org_integrations (org_id, integration_id) VALUES (?, ?)")
            .bind(org.id.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(IntegrationId(id))
    }

    /// Integrations, by id: all of them, or those linked to `org`. Each lists every org it
    /// is linked to. No secret is read.
    ///
    /// # Errors
    /// [`SqliteStoreError::OrgNotFound`] when `org` names no org,
    /// [`SqliteStoreError::CorruptRow`] for an unreadable row, [`SqliteStoreError::Database`].
    pub async fn list_integrations(
        &self,
        org: Option<&OrgRef>,
    ) -> Result<Vec<IntegrationSummary>, SqliteStoreError> {
        // One read transaction, so the links match the integrations read.
        let mut tx = self.pool.begin().await?;
        let org_id = match org {
            Some(org) => Some(resolve_org_on(&mut tx, org).await?.id.0),
            None => None,
        };
        let rows = sqlx::query(
            "SELECT id, provider, name, base_url, verify_tls, enabled, auth_method, auth_user \
             FROM integrations \
             WHERE ?1 IS NULL \
                OR id IN (SELECT integration_id FROM org_integrations WHERE org_id = ?1) \
             ORDER BY id",
        )
        .bind(org_id)
        .fetch_all(&mut *tx)
        .await?;
        let links: Vec<(i64, String)> = sqlx::query_as(
            "SELECT l.integration_id, o.slug \
             FROM org_integrations l JOIN orgs o ON o.id = l.org_id \
             ORDER BY l.integration_id, o.id",
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;

        rows.iter()
            .map(|row| {
                let head = IntegrationHead::from_row(row)?;
                let auth_method = parse_auth_method(head.id, row.try_get("auth_method")?)?;
                let orgs = links
                    .iter()
                    .filter(|(i, _)| *i == head.id)
                    .map(|(_, slug)| slug.clone())
                    .collect();
                Ok(IntegrationSummary {
                    id: IntegrationId(head.id),
                    provider: head.provider,
                    name: head.name,
                    base_url: head.base_url,
                    verify_tls: head.verify_tls,
                    enabled: head.enabled,
                    auth_method,
                    user: row.try_get("auth_user")?,
                    orgs,
                })
            })
            .collect()
    }

    /// Deletes an integration; its links to orgs go with it (`ON DELETE CASCADE`).
    ///
    /// # Errors
    /// [`SqliteStoreError::IntegrationNotFound`], [`SqliteStoreError::Database`].
    pub async fn remove_integration(&self, id: IntegrationId) -> Result<(), SqliteStoreError> {
        let done = sqlx::query("DELETE FROM integrations WHERE id = ?")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(SqliteStoreError::IntegrationNotFound(id.0));
        }
        Ok(())
    }

    /// Enables or disables an integration (a disabled one answers like a missing one).
    ///
    /// # Errors
    /// [`SqliteStoreError::IntegrationNotFound`], [`SqliteStoreError::Database`].
    pub async fn set_integration_enabled(
        &self,
        id: IntegrationId,
        enabled: bool,
    ) -> Result<(), SqliteStoreError> {
        let done = sqlx::query("UPDATE integrations SET enabled = ? WHERE id = ?")
            .bind(enabled)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(SqliteStoreError::IntegrationNotFound(id.0));
        }
        Ok(())
    }

    /// Stores a caller token of `org`: only its SHA-256 hash and its public
    /// [`token_id`], never the token.
    ///
    /// # Errors
    /// [`SqliteStoreError::OrgNotFound`], [`SqliteStoreError::InvalidInput`] when the same
    /// token is already stored, [`SqliteStoreError::Database`].
    pub async fn add_token(&self, org: &OrgRef, token: &str) -> Result<(), SqliteStoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let org = resolve_org_on(&mut tx, org).await?;
        let inserted = sqlx::query(
            "INSERT INTO api_tokens (org_id, token_hash, token_id) VALUES (?, ?, ?) \
             ON CONFLICT (token_hash) DO NOTHING",
        )
        .bind(org.id.0)
        .bind(hash_token(token))
        .bind(token_id(token))
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(SqliteStoreError::InvalidInput(
                "this token is already stored".into(),
            ));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Revokes the one active token that `prefix` names.
    ///
    /// Up to 12 characters, `prefix` is matched against the start of the stored token ids.
    /// Longer, it is first taken as a whole token (matched by hash), then by its first 12
    /// characters.
    ///
    /// # Errors
    /// [`SqliteStoreError::InvalidInput`] for a prefix shorter than
    /// [`MIN_REVOKE_PREFIX`] characters, [`SqliteStoreError::TokenNotFound`] when no active
    /// token matches, [`SqliteStoreError::TokenAmbiguous`] when several do,
    /// [`SqliteStoreError::Database`].
    pub async fn revoke_token(&self, prefix: &str) -> Result<(), SqliteStoreError> {
        let len = prefix.chars().count();
        if len < MIN_REVOKE_PREFIX {
            return Err(SqliteStoreError::InvalidInput(format!(
                "a token prefix needs at least {MIN_REVOKE_PREFIX} characters, so that a typo cannot match several tokens"
            )));
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let by_hash: Option<i64> = if len > TOKEN_ID_LEN {
            sqlx::query_scalar(
                "SELECT id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
            )
            .bind(hash_token(prefix))
            .fetch_optional(&mut *tx)
            .await?
        } else {
            None
        };
        let ids: Vec<i64> = match by_hash {
            Some(id) => vec![id],
            None => {
                // Not LIKE: it is case-insensitive and treats `%` and `_` as wildcards.
                let head = token_id(prefix);
                sqlx::query_scalar(
                    "SELECT id FROM api_tokens \
                     WHERE substr(token_id, 1, ?) = ? AND revoked_at IS NULL",
                )
                .bind(i64::try_from(head.chars().count()).unwrap_or(i64::MAX))
                .bind(head)
                .fetch_all(&mut *tx)
                .await?
            }
        };
        match ids.as_slice() {
            [] => Err(SqliteStoreError::TokenNotFound),
            [id] => {
                sqlx::query(
                    "UPDATE api_tokens \
                     SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }
            several => Err(SqliteStoreError::TokenAmbiguous(several.len())),
        }
    }

    /// The organization whose active token has this hash.
    async fn org_id_for_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<OrgId>, SqliteStoreError> {
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT org_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(id.map(OrgId))
    }

    /// The organization named by id or slug, if any.
    async fn org_if_any(&self, org: &OrgRef) -> Result<Option<Org>, SqliteStoreError> {
        let mut conn = self.pool.acquire().await?;
        find_org_on(&mut conn, org).await
    }

    /// The integration `id` with its credentials, if it is linked to `org`.
    async fn integration_linked_to(
        &self,
        org: OrgId,
        id: IntegrationId,
    ) -> Result<Option<Integration>, SqliteStoreError> {
        let row = sqlx::query(
            "SELECT i.id, i.provider, i.name, i.base_url, i.verify_tls, i.enabled, \
                    i.auth_method, i.auth_user, i.token_url, i.secret \
             FROM integrations i \
             JOIN org_integrations l ON l.integration_id = i.id \
             WHERE l.org_id = ? AND i.id = ?",
        )
        .bind(org.0)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(|row| integration_from_row(self.key.as_ref(), row))
            .transpose()
    }

    /// Counts sealed and plain secrets, and checks that the store's key opens every sealed
    /// one: `serve` calls it at start-up to fail fast on a missing or wrong key. A row that
    /// is corrupt in another way is counted by its prefix and reported only when read.
    ///
    /// # Errors
    /// The first [`SqliteStoreError::SecretKeyMissing`] or
    /// [`SqliteStoreError::SecretKeyWrong`], by integration id; [`SqliteStoreError::Database`].
    pub async fn secrets_report(&self) -> Result<SecretsReport, SqliteStoreError> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, secret FROM integrations ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        let mut report = SecretsReport::default();
        for (id, stored) in rows {
            match secrets::form(&stored) {
                secrets::Form::Plain => report.plain += 1,
                secrets::Form::Sealed => {
                    report.sealed += 1;
                    if let Err(
                        e @ (SqliteStoreError::SecretKeyMissing(_)
                        | SqliteStoreError::SecretKeyWrong(_)),
                    ) = secrets::decode(self.key.as_ref(), id, &stored)
                    {
                        return Err(e);
                    }
                }
                secrets::Form::Unknown => {}
            }
        }
        Ok(report)
    }

    /// Rewrites every integration's secrets sealed under `new_key`, or in clear when it is
    /// `None`, after opening them with the store's current key (plain rows need none).
    /// One `BEGIN IMMEDIATE` transaction: on any failure nothing changes. The store itself
    /// keeps its current key: reopen it with the new one to go on.
    ///
    /// Returns how many rows were rewritten.
    ///
    /// # Errors
    /// [`SqliteStoreError::SecretKeyMissing`], [`SqliteStoreError::SecretKeyWrong`],
    /// [`SqliteStoreError::CorruptRow`] for a row that cannot be opened,
    /// [`SqliteStoreError::Database`].
    pub async fn rotate_secrets(
        &self,
        new_key: Option<&SecretKey>,
    ) -> Result<usize, SqliteStoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, secret FROM integrations ORDER BY id")
                .fetch_all(&mut *tx)
                .await?;
        for (id, stored) in &rows {
            let bundle = secrets::decode(self.key.as_ref(), *id, stored)?;
            let rewritten = secrets::encode(new_key, *id, &bundle)?;
            sqlx::query("UPDATE integrations SET secret = ? WHERE id = ?")
                .bind(rewritten)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        // The old form of every secret may linger in free pages and in the WAL: rewrite the
        // file so a copy of it holds only what was just written.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        sqlx::query("VACUUM").execute(&self.pool).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await?;
        Ok(rows.len())
    }

    /// Replaces the refresh token of an OAuth 2.0 integration, in one `BEGIN IMMEDIATE`
    /// transaction (read, open, replace, re-seal, write): committed when it returns `Ok`.
    ///
    /// # Errors
    /// [`SqliteStoreError::IntegrationNotFound`], [`SqliteStoreError::InvalidInput`] when
    /// the integration does not use oauth2, [`SqliteStoreError::SecretKeyMissing`],
    /// [`SqliteStoreError::SecretKeyWrong`], [`SqliteStoreError::CorruptRow`],
    /// [`SqliteStoreError::Database`].
    pub async fn replace_refresh_token(
        &self,
        id: IntegrationId,
        refresh_token: &Secret,
    ) -> Result<(), SqliteStoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT auth_method, secret FROM integrations WHERE id = ?")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let (method, stored) = row.ok_or(SqliteStoreError::IntegrationNotFound(id.0))?;
        let method = parse_auth_method(id.0, method)?;
        if method != AuthMethod::OAuth2 {
            return Err(SqliteStoreError::InvalidInput(format!(
                "integration {} uses auth method {method}, which has no refresh token",
                id.0
            )));
        }
        let mut bundle = secrets::decode(self.key.as_ref(), id.0, &stored)?;
        bundle.insert(
            "refresh_token".into(),
            serde_json::Value::String(refresh_token.expose().to_owned()),
        );
        let rewritten = secrets::encode(self.key.as_ref(), id.0, &bundle)?;
        sqlx::query("UPDATE integrations SET secret = ? WHERE id = ?")
            .bind(rewritten)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl CredentialUpdates for SqliteStore {
    async fn save_refresh_token(
        &self,
        integration: IntegrationId,
        refresh_token: &Secret,
    ) -> Result<(), StoreError> {
        Ok(self
            .replace_refresh_token(integration, refresh_token)
            .await?)
    }
}

/// Each answer comes from the memo when the database has not moved since it was read (see
/// [`memo`]), else from SQLite.
impl IntegrationStore for SqliteStore {
    async fn org_for_token_hash(&self, token_hash: &str) -> Result<Option<OrgId>, StoreError> {
        let stamp = self.memo.stamp();
        if let Some(org) = self.memo.token(stamp, token_hash) {
            return Ok(Some(org));
        }
        let org = self.org_id_for_token_hash(token_hash).await?;
        if let Some(org) = org {
            self.memo.keep_token(stamp, token_hash, org);
        }
        Ok(org)
    }

    async fn find_org(&self, org: &OrgRef) -> Result<Option<Org>, StoreError> {
        let stamp = self.memo.stamp();
        if let Some(found) = self.memo.org(stamp, org) {
            return Ok(Some(found));
        }
        let found = self.org_if_any(org).await?;
        if let Some(found) = &found {
            self.memo.keep_org(stamp, org, found);
        }
        Ok(found)
    }

    async fn linked_integration(
        &self,
        org: OrgId,
        id: IntegrationId,
    ) -> Result<Option<Integration>, StoreError> {
        let stamp = self.memo.stamp();
        if let Some(found) = self.memo.integration(stamp, org, id.0) {
            return Ok(Some(found));
        }
        let found = self.integration_linked_to(org, id).await?;
        if let Some(found) = &found {
            self.memo.keep_integration(stamp, org, found);
        }
        Ok(found)
    }
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
        Err(SqliteStoreError::InvalidInput(format!(
            "cannot create the database {}: the directory {} does not exist",
            file.display(),
            dir.display()
        )))
    }
}

/// The org named by `org`, if any.
async fn find_org_on(
    conn: &mut SqliteConnection,
    org: &OrgRef,
) -> Result<Option<Org>, SqliteStoreError> {
    let row: Option<(i64, String)> = match org {
        OrgRef::Id(id) => {
            sqlx::query_as("SELECT id, slug FROM orgs WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        }
        OrgRef::Slug(slug) => {
            sqlx::query_as("SELECT id, slug FROM orgs WHERE slug = ?")
                .bind(slug)
                .fetch_optional(&mut *conn)
                .await?
        }
    };
    row.map(|(id, slug)| org_from_row(id, slug)).transpose()
}

/// The org named by `org`, or [`SqliteStoreError::OrgNotFound`].
async fn resolve_org_on(
    conn: &mut SqliteConnection,
    org: &OrgRef,
) -> Result<Org, SqliteStoreError> {
    find_org_on(conn, org).await?.ok_or_else(|| {
        SqliteStoreError::OrgNotFound(match org {
            OrgRef::Id(id) => id.to_string(),
            OrgRef::Slug(slug) => slug.clone(),
        })
    })
}

fn org_from_row(id: i64, slug: String) -> Result<Org, SqliteStoreError> {
    let slug = Slug::parse(&slug)
        .map_err(|_| SqliteStoreError::CorruptRow(format!("org {id}: invalid slug")))?;
    Ok(Org {
        id: OrgId(id),
        slug,
    })
}

/// The columns of an integration that every reader needs (no credentials).
struct IntegrationHead {
    id: i64,
    provider: Provider,
    name: String,
    base_url: String,
    verify_tls: bool,
    enabled: bool,
}

impl IntegrationHead {
    fn from_row(row: &SqliteRow) -> Result<Self, SqliteStoreError> {
        let id: i64 = row.try_get("id")?;
        let provider: String = row.try_get("provider")?;
        let provider = provider.parse().map_err(|_| {
            SqliteStoreError::CorruptRow(format!("integration {id}: unknown provider {provider:?}"))
        })?;
        Ok(Self {
            id,
            provider,
            name: row.try_get("name")?,
            base_url: row.try_get("base_url")?,
            verify_tls: row.try_get("verify_tls")?,
            enabled: row.try_get("enabled")?,
        })
    }
}

fn parse_auth_method(id: i64, method: String) -> Result<AuthMethod, SqliteStoreError> {
    method.parse().map_err(|_| {
        SqliteStoreError::CorruptRow(format!("integration {id}: unknown auth method {method:?}"))
    })
}

/// A whole integration, credentials included, its secrets opened with `key`. Error texts
/// name the row, never the secret.
fn integration_from_row(
    key: Option<&SecretKey>,
    row: &SqliteRow,
) -> Result<Integration, SqliteStoreError> {
    let head = IntegrationHead::from_row(row)?;
    let id = head.id;
    let method = parse_auth_method(id, row.try_get("auth_method")?)?;
    let user: Option<String> = row.try_get("auth_user")?;
    let token_url: Option<String> = row.try_get("token_url")?;
    let bundle = secrets::decode(key, id, &row.try_get::<String, _>("secret")?)?;
    let credentials: Credentials = secrets::join(id, method, user, token_url, &bundle)?;
    Ok(Integration {
        id: IntegrationId(id),
        provider: head.provider,
        name: head.name,
        base_url: BaseUrl::from_trusted(head.base_url),
        verify_tls: head.verify_tls,
        enabled: head.enabled,
        credentials,
    })
}
