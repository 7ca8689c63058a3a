//! The domain's store ports over the operations of `orgs`, `integrations`, `updates`,
//! `tokens`, `apps`, `connections` and `signing_keys`:
//! every error becomes a [`StoreError`] keeping the [`crate::SqliteStoreError`] as its
//! source. The search's lookups go through the memo first.

use std::sync::Arc;

use domain::browser_token::{NewSigningKey, SigningKey, SigningKeySummary};
use domain::model::{AppId, AppSummary, NewApp, OAuthApp, PendingConnection};
use domain::ports::{RevokeOutcome, TokenSelector};
use domain::token::{StoredToken, TokenSummary};
use domain::{
    AdminStore, CredentialUpdates, Credentials, Integration, IntegrationId, IntegrationName,
    IntegrationStore, IntegrationSummary, NewIntegration, Org, OrgId, OrgRef, Secret,
    SigningKeyStore, Slug, StoreError,
};

use crate::directory::Directory;
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

/// Every write is one SQLite transaction; nothing here is remembered by the memo, which
/// forgets everything the moment a write commits.
impl AdminStore for SqliteStore {
    async fn create_org(&self, slug: &Slug) -> Result<Option<Org>, StoreError> {
        Ok(self.insert_org(slug).await?)
    }

    async fn list_orgs(&self) -> Result<Vec<Org>, StoreError> {
        Ok(self.all_orgs().await?)
    }

    async fn add_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<IntegrationId, StoreError> {
        Ok(self.insert_integration(org, new).await?)
    }

    async fn list_integrations(
        &self,
        org: Option<OrgId>,
    ) -> Result<Vec<IntegrationSummary>, StoreError> {
        Ok(self.summaries(org).await?)
    }

    async fn integration(&self, id: IntegrationId) -> Result<Option<Integration>, StoreError> {
        Ok(self.integration_by_id(id).await?)
    }

    async fn remove_integration(&self, id: IntegrationId) -> Result<bool, StoreError> {
        Ok(self.delete_integration(id).await?)
    }

    async fn set_integration_enabled(
        &self,
        id: IntegrationId,
        enabled: bool,
    ) -> Result<bool, StoreError> {
        Ok(self.update_enabled(id, enabled).await?)
    }

    async fn add_token(&self, org: OrgId, token: &StoredToken) -> Result<bool, StoreError> {
        Ok(self.insert_token(org, token).await?)
    }

    async fn revoke_token(&self, selector: &TokenSelector) -> Result<RevokeOutcome, StoreError> {
        Ok(self.revoke_selected(selector).await?)
    }

    async fn delete_org(&self, org: OrgId) -> Result<bool, StoreError> {
        Ok(self.delete_org_row(org).await?)
    }

    async fn list_tokens(&self, org: OrgId) -> Result<Vec<TokenSummary>, StoreError> {
        Ok(self.active_tokens(org).await?)
    }

    async fn update_integration(
        &self,
        id: IntegrationId,
        name: Option<&IntegrationName>,
        enabled: Option<bool>,
    ) -> Result<bool, StoreError> {
        Ok(self.update_fields(id, name, enabled).await?)
    }

    async fn replace_credentials(
        &self,
        id: IntegrationId,
        credentials: &Credentials,
    ) -> Result<bool, StoreError> {
        Ok(self.replace_credentials_of(id, credentials).await?)
    }

    async fn connect_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<(IntegrationId, bool), StoreError> {
        Ok(self.connect(org, new).await?)
    }

    async fn add_admin_token(&self, token: &StoredToken) -> Result<bool, StoreError> {
        Ok(self.insert_admin_token(token).await?)
    }

    async fn is_admin_token(&self, token_hash: &str) -> Result<bool, StoreError> {
        Ok(self.admin_token_exists(token_hash).await?)
    }

    async fn revoke_admin_token(
        &self,
        selector: &TokenSelector,
    ) -> Result<RevokeOutcome, StoreError> {
        Ok(self.revoke_admin_selected(selector).await?)
    }

    async fn add_app(&self, new: &NewApp) -> Result<AppId, StoreError> {
        Ok(self.insert_app(new).await?)
    }

    async fn list_apps(&self) -> Result<Vec<AppSummary>, StoreError> {
        Ok(self.all_apps().await?)
    }

    async fn app(&self, id: AppId) -> Result<Option<OAuthApp>, StoreError> {
        Ok(self.app_by_id(id).await?)
    }

    async fn remove_app(&self, id: AppId) -> Result<bool, StoreError> {
        Ok(self.delete_app(id).await?)
    }

    async fn save_connection(
        &self,
        state_hash: &str,
        connection: &PendingConnection,
    ) -> Result<(), StoreError> {
        Ok(self.insert_connection(state_hash, connection).await?)
    }

    async fn take_connection(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingConnection>, StoreError> {
        Ok(self.take_connection_row(state_hash).await?)
    }

    async fn purge_connections(&self, now: i64) -> Result<u64, StoreError> {
        Ok(self.purge_expired(now).await?)
    }
}

/// Read by the keyring at start and on each reload, never on a search.
impl SigningKeyStore for SqliteStore {
    async fn add_signing_key(
        &self,
        org: OrgId,
        key: &NewSigningKey,
    ) -> Result<Option<SigningKeySummary>, StoreError> {
        Ok(self.insert_signing_key(org, key).await?)
    }

    async fn list_signing_keys(&self, org: OrgId) -> Result<Vec<SigningKeySummary>, StoreError> {
        Ok(self.signing_keys_of(org).await?)
    }

    async fn revoke_signing_key(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.revoke_signing_key_row(id).await?)
    }

    async fn active_signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        Ok(self.every_active_signing_key().await?)
    }
}

impl CredentialUpdates for SqliteStore {
    async fn save_refresh_token(
        &self,
        integration: IntegrationId,
        refresh_token: &Secret,
    ) -> Result<(), StoreError> {
        Ok(self
            .replace_refresh_token(integration, refresh_token)
            .await?)
    }
}
