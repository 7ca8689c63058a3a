//! Every port is also implemented by an [`Arc`](std::sync::Arc) of an adapter, so one
//! adapter can be shared: a test keeps a handle on the fake it gave the service, and the
//! administration and the search can use the same store.

use std::sync::Arc;
use std::time::Duration;

use super::{
    AdminStore, CacheError, CacheStats, CredentialUpdates, IntegrationStore, JiraApi, JiraError,
    RevokeOutcome, SearchCache, StoreError, TokenSelector,
};
use crate::jira_request::JiraRequest;
use crate::model::{
    Integration, IntegrationId, IntegrationSummary, NewIntegration, Org, OrgId, OrgRef, Slug,
};
use crate::secret::Secret;
use crate::token::StoredToken;

impl<T: JiraApi> JiraApi for Arc<T> {
    async fn get_json(
        &self,
        integration: &Integration,
        request: &JiraRequest,
    ) -> Result<serde_json::Value, JiraError> {
        T::get_json(self, integration, request).await
    }
}

impl<T: SearchCache> SearchCache for Arc<T> {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        T::get(self, key).await
    }
    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        T::set(self, key, value, ttl).await
    }
    fn kind(&self) -> &'static str {
        T::kind(self)
    }
    async fn ping(&self) -> Result<(), CacheError> {
        T::ping(self).await
    }
    fn stats(&self) -> CacheStats {
        T::stats(self)
    }
}

impl<T: IntegrationStore> IntegrationStore for Arc<T> {
    async fn org_for_token_hash(&self, hash: &str) -> Result<Option<OrgId>, StoreError> {
        T::org_for_token_hash(self, hash).await
    }
    async fn find_org(&self, org: &OrgRef) -> Result<Option<Org>, StoreError> {
        T::find_org(self, org).await
    }
    async fn linked_integration(
        &self,
        org: OrgId,
        id: IntegrationId,
    ) -> Result<Option<Integration>, StoreError> {
        T::linked_integration(self, org, id).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        T::ping(self).await
    }
}

impl<T: AdminStore> AdminStore for Arc<T> {
    async fn create_org(&self, slug: &Slug) -> Result<Option<Org>, StoreError> {
        T::create_org(self, slug).await
    }
    async fn list_orgs(&self) -> Result<Vec<Org>, StoreError> {
        T::list_orgs(self).await
    }
    async fn add_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<IntegrationId, StoreError> {
        T::add_integration(self, org, new).await
    }
    async fn list_integrations(
        &self,
        org: Option<OrgId>,
    ) -> Result<Vec<IntegrationSummary>, StoreError> {
        T::list_integrations(self, org).await
    }
    async fn integration(&self, id: IntegrationId) -> Result<Option<Integration>, StoreError> {
        T::integration(self, id).await
    }
    async fn remove_integration(&self, id: IntegrationId) -> Result<bool, StoreError> {
        T::remove_integration(self, id).await
    }
    async fn set_integration_enabled(
        &self,
        id: IntegrationId,
        enabled: bool,
    ) -> Result<bool, StoreError> {
        T::set_integration_enabled(self, id, enabled).await
    }
    async fn add_token(&self, org: OrgId, token: &StoredToken) -> Result<bool, StoreError> {
        T::add_token(self, org, token).await
    }
    async fn revoke_token(&self, selector: &TokenSelector) -> Result<RevokeOutcome, StoreError> {
        T::revoke_token(self, selector).await
    }
}

impl<T: CredentialUpdates> CredentialUpdates for Arc<T> {
    async fn save_refresh_token(
        &self,
        integration: IntegrationId,
        refresh_token: &Secret,
    ) -> Result<(), StoreError> {
        T::save_refresh_token(self, integration, refresh_token).await
    }
}
