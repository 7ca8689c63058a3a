//! The domain's store ports over the operations of `orgs`, `integrations`, `updates`,
//! `tokens`, `apps`, `connections` and `signing_keys`: every error becomes a [`StoreError`]
//! keeping the [`crate::SqliteStoreError`] as its source. The search's lookups go through
//! the memo first; the administration's ports are `store_common::admin_ports!`.

use std::sync::Arc;

use domain::{Integration, IntegrationId, IntegrationStore, Org, OrgId, OrgRef, StoreError};
use store_common::Directory;

use crate::SqliteStore;

/// Each answer comes from the memo when the database has not moved since it was read (see
/// the `memo` module), else from SQLite.
impl IntegrationStore for SqliteStore {
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

impl SqliteStore {
    /// Every org and active token from memory, read whole when the database moved. `None`
    /// when nothing can be remembered (an in-memory database): then each lookup asks SQLite.
    async fn directory(&self) -> Result<Option<Arc<Directory>>, crate::SqliteStoreError> {
        let stamp = self.memo.stamp();
        if stamp.is_none() {
            return Ok(None);
        }
        if let Some(directory) = self.memo.directory(stamp) {
            return Ok(Some(directory));
        }
        let directory = Arc::new(self.load_directory().await?);
        self.memo.keep_directory(stamp, directory.clone());
        Ok(Some(directory))
    }
}

// Every write is one SQLite transaction; nothing the administration reads is remembered by
// the memo, which forgets everything the moment a write commits.
store_common::admin_ports!(SqliteStore);
