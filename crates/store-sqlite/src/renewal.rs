//! The renewal lease of an integration's OAuth 2.0 tokens. SQLite is one host's database,
//! written by one `serve` process: a lock per integration in this process
//! ([`domain::ports::RenewalLocks`], shared by every clone of the store) keeps renewals one
//! at a time, and the row is read once the lock is held. No SQLite lock is held while the
//! holder calls the token endpoint: `finish` is one short `BEGIN IMMEDIATE` transaction
//! that writes only if the refresh token stored is still the one the lease read (else the
//! credentials were replaced meanwhile, by the administration or another process, and
//! nothing is written).
//!
//! Two `serve` processes on one SQLite file would not keep each other's renewals apart:
//! several replicas need PostgreSQL.

use domain::ports::{FinishFuture, LeaseHolder, RenewalGuard, RenewalLease, RenewedTokens};
use domain::{IntegrationId, Secret, StoreError};
use sqlx::SqlitePool;
use store_common::renewal::{self, CredentialsReplaced};

use crate::{SecretKey, SqliteStore, SqliteStoreError};

impl SqliteStore {
    /// Takes integration `id`'s lock in this process and reads its tokens.
    ///
    /// # Errors
    /// [`SqliteStoreError::IntegrationNotFound`], [`SqliteStoreError::NoRefreshToken`],
    /// [`SqliteStoreError::SecretKeyMissing`], [`SqliteStoreError::SecretKeyWrong`],
    /// [`SqliteStoreError::CorruptRow`], [`SqliteStoreError::Database`].
    pub(crate) async fn renewal_lease(
        &self,
        id: IntegrationId,
    ) -> Result<RenewalLease, SqliteStoreError> {
        let guard = self.renewals.lock(id).await;
        let (method, stored) = integration_secret(&self.pool, id).await?;
        let read = renewal::read(self.key.as_ref(), id.0, &method, &stored)?;
        let holder = Holder {
            pool: self.pool.clone(),
            key: self.key.clone(),
            id,
            read: read.refresh_token.clone(),
            _guard: guard,
        };
        Ok(RenewalLease::new(
            read.refresh_token,
            read.access,
            Box::new(holder),
        ))
    }
}

/// The `auth_method` and `secret` columns of integration `id`.
async fn integration_secret<'c, E>(
    executor: E,
    id: IntegrationId,
) -> Result<(String, String), SqliteStoreError>
where
    E: sqlx::Executor<'c, Database = sqlx::Sqlite>,
{
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT auth_method, secret FROM integrations WHERE id = ?")
            .bind(id.0)
            .fetch_optional(executor)
            .await?;
    row.ok_or(SqliteStoreError::IntegrationNotFound(id.0))
}

/// The lock of one lease, and where it writes.
struct Holder {
    pool: SqlitePool,
    key: Option<SecretKey>,
    id: IntegrationId,
    /// The refresh token the lease showed.
    read: Secret,
    _guard: RenewalGuard,
}

impl Holder {
    async fn write(self, renewed: RenewedTokens) -> Result<(), StoreError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(SqliteStoreError::from)?;
        let (method, stored) = integration_secret(&mut *tx, self.id).await?;
        let rewritten = renewal::rewrite(
            self.key.as_ref(),
            self.id.0,
            &method,
            &stored,
            Some(&self.read),
            &renewed,
        )
        .map_err(SqliteStoreError::from)?
        .ok_or_else(|| StoreError::unavailable(CredentialsReplaced(self.id.0)))?;
        let write = async {
            sqlx::query("UPDATE integrations SET secret = ? WHERE id = ?")
                .bind(rewritten)
                .bind(self.id.0)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        };
        write.await.map_err(SqliteStoreError::from)?;
        // The lock goes with `self`, after the commit: the next lease reads what was written.
        Ok(())
    }
}

impl LeaseHolder for Holder {
    fn finish(self: Box<Self>, renewed: RenewedTokens) -> FinishFuture {
        Box::pin(self.write(renewed))
    }
}
