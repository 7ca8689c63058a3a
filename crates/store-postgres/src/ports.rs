//! The domain's store ports over the operations of `orgs`, `integrations`, `updates`,
//! `tokens`, `apps`, `connections` and `signing_keys`: every error becomes a [`StoreError`]
//! keeping the [`crate::PgStoreError`] as its source. The search's lookups go through the
//! memo first; the administration's ports are `store_common::admin_ports!`.

use std::sync::Arc;

use domain::{Integration, IntegrationId, IntegrationStore, Org, OrgId, OrgRef, StoreError};
use store_common::Directory;

use crate::integrations::SNAPSHOT;
use crate::{PgStore, PgStoreError};

/// Each answer comes from the memo while it is on and nothing changed since it was read
/// (see the `memo` module), else from PostgreSQL.
impl IntegrationStore for PgStore {
    async fn org_for_token_hash(&self, token_hash: &str) -> Result<Option<OrgId>, StoreError> {
        match self.directory().await? {
            Some(directory) => Ok(directory.token(token_hash)),
            None => Ok(self.org_id_for_token_hash(token_hash).await?),
        }
    }

    async fn find_org(&self, org: &OrgRef) -> Result<Option<Org>, StoreError> {
        match self.directory().await? {
            Some(directory) => Ok(directory.org(org)),
            None => Ok(self.org_if_any(org).await?),
        }
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

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.check_ready().await?)
    }
}

impl PgStore {
    /// Every org and active token from memory, read whole after each change. `None` while
    /// the memo is off (the listening connection is lost): then each lookup asks PostgreSQL
    /// for its one row.
    async fn directory(&self) -> Result<Option<Arc<Directory>>, PgStoreError> {
        let stamp = self.memo.stamp();
        if !stamp.usable() {
            return Ok(None);
        }
        if let Some(directory) = self.memo.directory(stamp) {
            return Ok(Some(directory));
        }
        let directory = Arc::new(self.load_directory().await?);
        self.memo.keep_directory(stamp, directory.clone());
        Ok(Some(directory))
    }

    /// Reads every org and every active token hash in one snapshot.
    async fn load_directory(&self) -> Result<Directory, PgStoreError> {
        let mut tx = self.pool.begin_with(SNAPSHOT).await?;
        let orgs: Vec<(i64, String)> = sqlx::query_as("SELECT id, slug FROM orgs")
            .fetch_all(&mut *tx)
            .await?;
        let tokens: Vec<(String, i64)> =
            sqlx::query_as("SELECT token_hash, org_id FROM api_tokens WHERE revoked_at IS NULL")
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(Directory::from_rows(orgs, tokens)?)
    }
}

// Every write is one PostgreSQL transaction; those that change what the memo holds make it
// forget when they end (`Memo::change`), and every replica's forgets when the triggers'
// notification comes. Nothing the administration reads is remembered.
store_common::admin_ports!(PgStore);
