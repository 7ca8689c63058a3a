//! Every port is also implemented by an [`Arc`](std::sync::Arc) of an adapter, so one
//! adapter can be shared: a test keeps a handle on the fake it gave the service, and the
//! administration and the search can use the same store.

use std::sync::Arc;
use std::time::Duration;

use super::{
    AdminStore, CacheError, CacheStats, CodeExchange, ConsentApi, ConsentError, CredentialUpdates,
    IntegrationStore, JiraApi, JiraError, OAuth1Consumer, OAuth1Token, RenewalLease, RevokeOutcome,
    SearchCache, SigningKeyStore, StoreError, TokenGrant, TokenSelector,
};
use crate::browser_token::{NewSigningKey, SigningKey, SigningKeySummary};
use crate::jira_request::JiraRequest;
use crate::model::{
    AppId, AppSummary, CloudSite, Credentials, Integration, IntegrationId, IntegrationName,
    IntegrationSummary, NewApp, NewIntegration, OAuthApp, Org, OrgId, OrgRef, PendingConnection,
    Slug,
};
use crate::secret::Secret;
use crate::token::{StoredToken, TokenSummary};

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
    async fn delete_org(&self, org: OrgId) -> Result<bool, StoreError> {
        T::delete_org(self, org).await
    }
    async fn list_tokens(&self, org: OrgId) -> Result<Vec<TokenSummary>, StoreError> {
        T::list_tokens(self, org).await
    }
    async fn update_integration(
        &self,
        id: IntegrationId,
        name: Option<&IntegrationName>,
        enabled: Option<bool>,
    ) -> Result<bool, StoreError> {
        T::update_integration(self, id, name, enabled).await
    }
    async fn replace_credentials(
        &self,
        id: IntegrationId,
        credentials: &Credentials,
    ) -> Result<bool, StoreError> {
        T::replace_credentials(self, id, credentials).await
    }
    async fn connect_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<(IntegrationId, bool), StoreError> {
        T::connect_integration(self, org, new).await
    }
    async fn add_admin_token(&self, token: &StoredToken) -> Result<bool, StoreError> {
        T::add_admin_token(self, token).await
    }
    async fn is_admin_token(&self, token_hash: &str) -> Result<bool, StoreError> {
        T::is_admin_token(self, token_hash).await
    }
    async fn revoke_admin_token(
        &self,
        selector: &TokenSelector,
    ) -> Result<RevokeOutcome, StoreError> {
        T::revoke_admin_token(self, selector).await
    }
    async fn add_app(&self, new: &NewApp) -> Result<AppId, StoreError> {
        T::add_app(self, new).await
    }
    async fn list_apps(&self) -> Result<Vec<AppSummary>, StoreError> {
        T::list_apps(self).await
    }
    async fn app(&self, id: AppId) -> Result<Option<OAuthApp>, StoreError> {
        T::app(self, id).await
    }
    async fn remove_app(&self, id: AppId) -> Result<bool, StoreError> {
        T::remove_app(self, id).await
    }
    async fn save_connection(
        &self,
        state_hash: &str,
        connection: &PendingConnection,
    ) -> Result<(), StoreError> {
        T::save_connection(self, state_hash, connection).await
    }
    async fn take_connection(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingConnection>, StoreError> {
        T::take_connection(self, state_hash).await
    }
    async fn purge_connections(&self, now: i64) -> Result<u64, StoreError> {
        T::purge_connections(self, now).await
    }
}

impl<T: SigningKeyStore> SigningKeyStore for Arc<T> {
    async fn add_signing_key(
        &self,
        org: OrgId,
        key: &NewSigningKey,
    ) -> Result<Option<SigningKeySummary>, StoreError> {
        T::add_signing_key(self, org, key).await
    }
    async fn list_signing_keys(&self, org: OrgId) -> Result<Vec<SigningKeySummary>, StoreError> {
        T::list_signing_keys(self, org).await
    }
    async fn revoke_signing_key(&self, id: &str) -> Result<bool, StoreError> {
        T::revoke_signing_key(self, id).await
    }
    async fn active_signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        T::active_signing_keys(self).await
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
    async fn begin_renewal(&self, integration: IntegrationId) -> Result<RenewalLease, StoreError> {
        T::begin_renewal(self, integration).await
    }
}

impl<T: ConsentApi> ConsentApi for Arc<T> {
    async fn exchange_code(&self, exchange: &CodeExchange) -> Result<TokenGrant, ConsentError> {
        T::exchange_code(self, exchange).await
    }
    async fn accessible_resources(
        &self,
        api_url: &str,
        access_token: &Secret,
    ) -> Result<Vec<CloudSite>, ConsentError> {
        T::accessible_resources(self, api_url, access_token).await
    }
    async fn oauth1_request_token(
        &self,
        consumer: &OAuth1Consumer,
        callback: &str,
    ) -> Result<OAuth1Token, ConsentError> {
        T::oauth1_request_token(self, consumer, callback).await
    }
    async fn oauth1_access_token(
        &self,
        consumer: &OAuth1Consumer,
        request_token: &OAuth1Token,
        verifier: &Secret,
    ) -> Result<OAuth1Token, ConsentError> {
        T::oauth1_access_token(self, consumer, request_token, verifier).await
    }
}
