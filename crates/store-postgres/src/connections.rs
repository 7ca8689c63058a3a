//! The `connections` table: consent round trips in flight, under the SHA-256 of their
//! state, each taken once (or purged once expired). The stage's secrets (PKCE verifier,
//! request token secret, refresh token) are a secret bundle sealed bound to the state hash;
//! the rest is in clear (see `store_common::connections`).

use domain::model::PendingConnection;
use store_common::connections::{self, ConnectionRow, StageColumns};
use store_common::{secrets, Error, SecretOwner};

use crate::orgs::require_org;
use crate::{PgStore, PgStoreError};

impl PgStore {
    /// Stores (or replaces) the connection under `state_hash`, in one transaction that keeps
    /// its org and app from being deleted until it commits.
    ///
    /// # Errors
    /// `UnknownOrg`, `UnknownApp` ([`PgStoreError::Store`]), [`PgStoreError::Database`].
    pub(crate) async fn insert_connection(
        &self,
        state_hash: &str,
        connection: &PendingConnection,
    ) -> Result<(), PgStoreError> {
        let StageColumns {
            stage,
            request_token,
            sites,
            bundle,
        } = connections::split(&connection.stage);
        let owner = SecretOwner::Connection(state_hash.to_owned());
        let stored = secrets::encode(self.key.as_ref(), &owner, &bundle)?;
        let mut tx = self.pool.begin().await?;
        require_org(&mut tx, connection.org).await?;
        let app: Option<i64> =
            sqlx::query_scalar("SELECT id FROM oauth_apps WHERE id = $1 FOR KEY SHARE")
                .bind(connection.app.0)
                .fetch_optional(&mut *tx)
                .await?;
        app.ok_or(Error::UnknownApp(connection.app.0))?;
        sqlx::query(
            "INSERT INTO connections \
             (state_hash, org_id, app_id, return_url, expires_at, stage, request_token, sites, \
              secret) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (state_hash) DO UPDATE SET \
               org_id = excluded.org_id, app_id = excluded.app_id, \
               return_url = excluded.return_url, expires_at = excluded.expires_at, \
               stage = excluded.stage, request_token = excluded.request_token, \
               sites = excluded.sites, secret = excluded.secret, \
               created_at = excluded.created_at",
        )
        .bind(state_hash)
        .bind(connection.org.0)
        .bind(connection.app.0)
        .bind(&connection.return_url)
        .bind(connection.expires_at)
        .bind(stage)
        .bind(request_token)
        .bind(sites)
        .bind(stored)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes and returns the connection under `state_hash`, in one transaction
    /// (`DELETE … RETURNING`): of two callers racing, on one replica or two, one gets it
    /// (the other waits for the row, then finds it gone). When the row cannot be read (a
    /// wrong key), the transaction is rolled back and the row stays.
    pub(crate) async fn take_connection_row(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingConnection>, PgStoreError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<ConnectionRow> = sqlx::query_as(
            "DELETE FROM connections WHERE state_hash = $1 \
             RETURNING org_id, app_id, return_url, expires_at, stage, request_token, sites, \
                       secret",
        )
        .bind(state_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let connection = row.open(self.key.as_ref(), state_hash)?;
        tx.commit().await?;
        Ok(Some(connection))
    }

    /// Deletes the connections that expired before `now` (seconds since the Unix epoch).
    pub(crate) async fn purge_expired(&self, now: i64) -> Result<u64, PgStoreError> {
        let done = sqlx::query("DELETE FROM connections WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
