//! The store's operations on every stored secret bundle at once (integrations, OAuth apps,
//! connections in flight, signing keys): counting and checking them against the key
//! ([`SqliteStore::secrets_report`]) and sealing them anew ([`SqliteStore::rotate_secrets`]).
//! What is done to each bundle is `store_common::rotation`'s; the reads and writes are here.

use sqlx::SqliteConnection;
use store_common::rotation::{self, SecretsReport};

use crate::{SecretKey, SecretOwner, SqliteStore, SqliteStoreError};

/// Every stored bundle with its row: integrations by id, then apps by id, then connections,
/// then active signing keys.
async fn every_bundle(
    conn: &mut SqliteConnection,
) -> Result<Vec<(SecretOwner, String)>, SqliteStoreError> {
    let integrations = sqlx::query_as("SELECT id, secret FROM integrations ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    let apps = sqlx::query_as("SELECT id, secret FROM oauth_apps ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    let connections =
        sqlx::query_as("SELECT state_hash, secret FROM connections ORDER BY state_hash")
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
    conn: &mut SqliteConnection,
    owner: &SecretOwner,
    stored: String,
) -> Result<(), SqliteStoreError> {
    let query = match owner {
        SecretOwner::Integration(id) => {
            sqlx::query("UPDATE integrations SET secret = ? WHERE id = ?")
                .bind(stored)
                .bind(*id)
        }
        SecretOwner::App(id) => sqlx::query("UPDATE oauth_apps SET secret = ? WHERE id = ?")
            .bind(stored)
            .bind(*id),
        SecretOwner::Connection(hash) => {
            sqlx::query("UPDATE connections SET secret = ? WHERE state_hash = ?")
                .bind(stored)
                .bind(hash.clone())
        }
        SecretOwner::SigningKey(id) => {
            sqlx::query("UPDATE signing_keys SET secret = ? WHERE key_id = ?")
                .bind(stored)
                .bind(id.clone())
        }
    };
    query.execute(&mut *conn).await?;
    Ok(())
}

impl SqliteStore {
    /// Counts sealed and plain secret bundles, and checks that the store's key opens every
    /// sealed one: `serve` calls it at start-up to fail fast on a missing or wrong key. A row
    /// that is corrupt in another way is counted by its prefix and reported only when read.
    ///
    /// # Errors
    /// The first [`SqliteStoreError::SecretKeyMissing`] or
    /// [`SqliteStoreError::SecretKeyWrong`] (integrations by id first, then apps, then
    /// connections); [`SqliteStoreError::Database`].
    pub async fn secrets_report(&self) -> Result<SecretsReport, SqliteStoreError> {
        let mut tx = self.pool.begin().await?;
        let rows = every_bundle(&mut tx).await?;
        tx.commit().await?;
        Ok(rotation::report(self.key.as_ref(), &rows)?)
    }

    /// Rewrites every stored secret bundle (integrations, apps, connections in flight)
    /// sealed under `new_key`, or in clear when it is `None`, after opening them with the
    /// store's current key (plain rows need none). One `BEGIN IMMEDIATE` transaction: on any
    /// failure nothing changes. The store itself keeps its current key: reopen it with the
    /// new one to go on.
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
        let rows = every_bundle(&mut tx).await?;
        for (owner, stored) in rotation::reseal(self.key.as_ref(), new_key, &rows)? {
            write_bundle(&mut tx, owner, stored).await?;
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
}
