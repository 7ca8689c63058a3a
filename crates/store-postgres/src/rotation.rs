//! The store's operations on every stored secret bundle at once (integrations, OAuth apps,
//! connections in flight, signing keys): counting and checking them against the key
//! ([`PgStore::secrets_report`]) and sealing them anew ([`PgStore::rotate_secrets`]). What
//! is done to each bundle is `store_common::rotation`'s; the reads and writes are here.

use sqlx::{Executor, PgConnection};
use store_common::rotation::{self, SecretsReport};

use crate::integrations::SNAPSHOT;
use crate::{PgStore, PgStoreError, SecretKey, SecretOwner};

/// Every stored bundle with its row: integrations by id, then apps by id, then connections,
/// then active signing keys.
async fn every_bundle(conn: &mut PgConnection) -> Result<Vec<(SecretOwner, String)>, PgStoreError> {
    let integrations = sqlx::query_as("SELECT id, secret FROM integrations ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    let apps = sqlx::query_as("SELECT id, secret FROM oauth_apps ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    // `COLLATE "C"`: the order of bytes, as SQLite's.
    let connections = sqlx::query_as(
        r#"SELECT state_hash, secret FROM connections ORDER BY state_hash COLLATE "C""#,
    )
    .fetch_all(&mut *conn)
    .await?;
    // A revoked key keeps no secret: only the active ones have a bundle.
    let signing_keys = sqlx::query_as(
        "SELECT key_id, secret FROM signing_keys WHERE revoked_at IS NULL ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rotation::bundles(
        integrations,
        apps,
        connections,
        signing_keys,
    ))
}

/// Writes `stored` as the secret bundle of `owner`'s row.
async fn write_bundle(
    conn: &mut PgConnection,
    owner: &SecretOwner,
    stored: String,
) -> Result<(), PgStoreError> {
    let query = match owner {
        SecretOwner::Integration(id) => {
            sqlx::query("UPDATE integrations SET secret = $1 WHERE id = $2")
                .bind(stored)
                .bind(*id)
        }
        SecretOwner::App(id) => sqlx::query("UPDATE oauth_apps SET secret = $1 WHERE id = $2")
            .bind(stored)
            .bind(*id),
        SecretOwner::Connection(hash) => {
            sqlx::query("UPDATE connections SET secret = $1 WHERE state_hash = $2")
                .bind(stored)
                .bind(hash.clone())
        }
        SecretOwner::SigningKey(id) => {
            sqlx::query("UPDATE signing_keys SET secret = $1 WHERE key_id = $2")
                .bind(stored)
                .bind(id.clone())
        }
    };
    query.execute(&mut *conn).await?;
    Ok(())
}

impl PgStore {
    /// Counts sealed and plain secret bundles, and checks that the store's key opens every
    /// sealed one: `serve` calls it at start-up to fail fast on a missing or wrong key. A row
    /// that is corrupt in another way is counted by its prefix and reported only when read.
    ///
    /// # Errors
    /// The first `SecretKeyMissing` or `SecretKeyWrong` ([`PgStoreError::Store`];
    /// integrations by id first, then apps, then connections, then signing keys);
    /// [`PgStoreError::Database`].
    pub async fn secrets_report(&self) -> Result<SecretsReport, PgStoreError> {
        let mut tx = self.pool.begin_with(SNAPSHOT).await?;
        let rows = every_bundle(&mut tx).await?;
        tx.commit().await?;
        Ok(rotation::report(self.key.as_ref(), &rows)?)
    }

    /// Rewrites every stored secret bundle (integrations, apps, connections in flight,
    /// active signing keys) sealed under `new_key`, or in clear when it is `None`, after
    /// opening them with the store's current key (plain rows need none). One transaction,
    /// which first locks the four tables against writes (reads go on): no replica can write
    /// a bundle between its read and its rewrite. On any failure nothing changes. The store
    /// itself keeps its current key: every replica must be restarted with the new one.
    /// After the commit, the four tables are rewritten (`VACUUM FULL`) so that the old forms
    /// do not linger in dead row versions; PostgreSQL's WAL and any backup still hold them.
    ///
    /// Returns how many rows were rewritten.
    ///
    /// # Errors
    /// `SecretKeyMissing`, `SecretKeyWrong`, `CorruptRow` for a row that cannot be opened
    /// ([`PgStoreError::Store`]), [`PgStoreError::Database`].
    pub async fn rotate_secrets(&self, new_key: Option<&SecretKey>) -> Result<usize, PgStoreError> {
        let _forget = self.memo.change();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "LOCK TABLE integrations, oauth_apps, connections, signing_keys IN EXCLUSIVE MODE",
        )
        .execute(&mut *tx)
        .await?;
        let rows = every_bundle(&mut tx).await?;
        for (owner, stored) in rotation::reseal(self.key.as_ref(), new_key, &rows)? {
            write_bundle(&mut tx, owner, stored).await?;
        }
        tx.commit().await?;
        // The old form of every bundle lingers in dead row versions until the tables are
        // rewritten: rewrite them (they are small; reads wait a moment). A plain `&str` runs
        // outside any transaction block, as VACUUM must.
        self.pool
            .execute("VACUUM FULL integrations, oauth_apps, connections, signing_keys")
            .await?;
        Ok(rows.len())
    }
}
