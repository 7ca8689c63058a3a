//! The renewal lease of an integration's OAuth 2.0 tokens, across replicas: a transaction
//! that locks the integration's row (`SELECT … FOR UPDATE`) and reads its tokens once the
//! lock is held, so a replica that waited sees what the one before it stored. `finish`
//! writes the renewed tokens and commits; a dropped lease rolls back (sqlx sends the
//! `ROLLBACK` when the connection goes back to the pool), changing nothing.
//!
//! A lease holds a pooled connection, idle in its transaction, while its holder calls the
//! token endpoint. Writes to the same row (a rename, new credentials) wait for it; reads do
//! not. A waiter gives up after [`LOCK_TIMEOUT`].

use domain::ports::{FinishFuture, LeaseHolder, RenewalLease, RenewedTokens};
use domain::{IntegrationId, StoreError};
use sqlx::{Postgres, Transaction};
use store_common::renewal::{self, CredentialsReplaced};
use store_common::Error;

use crate::{PgStore, PgStoreError, SecretKey};

/// How long a lease waits for the one before it (`lock_timeout`): well beyond a renewal's
/// own bound (the token endpoint's deadline), short enough that a stuck holder does not
/// hold every replica's searches of the integration for long.
pub(crate) const LOCK_TIMEOUT: &str = "30s";

impl PgStore {
    /// Locks integration `id`'s row in a transaction of its own and reads its tokens.
    ///
    /// # Errors
    /// `IntegrationNotFound`, `NoRefreshToken`, `SecretKeyMissing`, `SecretKeyWrong`,
    /// `CorruptRow` (all [`PgStoreError::Store`]), [`PgStoreError::Database`] (the lock was
    /// not had within [`LOCK_TIMEOUT`] among them).
    pub(crate) async fn renewal_lease(
        &self,
        id: IntegrationId,
    ) -> Result<RenewalLease, PgStoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(&format!("SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            .execute(&mut *tx)
            .await?;
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT auth_method, secret FROM integrations WHERE id = $1 FOR UPDATE")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let (method, stored) = row.ok_or(Error::IntegrationNotFound(id.0))?;
        let read = renewal::read(self.key.as_ref(), id.0, &method, &stored)?;
        let holder = Holder {
            memo: self.memo.clone(),
            tx,
            key: self.key.clone(),
            id: id.0,
            method,
            stored,
        };
        Ok(RenewalLease::new(
            read.refresh_token,
            read.access,
            Box::new(holder),
        ))
    }
}

/// The transaction that holds the row's lock, and the row as it was read under it.
struct Holder {
    /// Emptied when the write ends, as every write of the store does (`Memo::change`).
    memo: std::sync::Arc<crate::memo::Memo>,
    tx: Transaction<'static, Postgres>,
    key: Option<SecretKey>,
    id: i64,
    method: String,
    stored: String,
}

impl Holder {
    async fn write(self, renewed: RenewedTokens) -> Result<(), StoreError> {
        let Self {
            memo,
            mut tx,
            key,
            id,
            method,
            stored,
        } = self;
        let _forget = memo.change();
        // The row is locked: it is as it was read, so there is nothing to compare.
        let rewritten = renewal::rewrite(key.as_ref(), id, &method, &stored, None, &renewed)
            .map_err(PgStoreError::from)?
            .ok_or_else(|| StoreError::unavailable(CredentialsReplaced(id)))?;
        let write = async {
            sqlx::query("UPDATE integrations SET secret = $1 WHERE id = $2")
                .bind(rewritten)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        };
        write.await.map_err(PgStoreError::from)?;
        Ok(())
    }
}

impl LeaseHolder for Holder {
    fn finish(self: Box<Self>, renewed: RenewedTokens) -> FinishFuture {
        Box::pin(self.write(renewed))
    }
}
