//! The domain's store ports over the operations of `orgs`, `integrations`, `updates`,
//! `tokens`, `apps`, `connections` and `signing_keys`: every error becomes a [`StoreError`]
//! keeping the [`crate::PgStoreError`] as its source. The administration's ports are
//! `store_common::admin_ports!`.

use domain::{Integration, IntegrationId, IntegrationStore, Org, OrgId, OrgRef, StoreError};

use crate::PgStore;

/// Each answer is read from PostgreSQL, so a change committed by any replica or the CLI is
/// seen by the next lookup (a memory that forgets across replicas comes later).
impl IntegrationStore for PgStore {
    async fn org_for_token_hash(&self, token_hash: &str) -> Result<Option<OrgId>, StoreError> {
        Ok(self.org_id_for_token_hash(token_hash).await?)
    }

    async fn find_org(&self, org: &OrgRef) -> Result<Option<Org>, StoreError> {
        Ok(self.org_if_any(org).await?)
    }

    async fn linked_integration(
        &self,
        org: OrgId,
        id: IntegrationId,
    ) -> Result<Option<Integration>, StoreError> {
        Ok(self.integration_linked_to(org, id).await?)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.check_ready().await?)
    }
}

// Every write is one PostgreSQL transaction.
store_common::admin_ports!(PgStore);
