//! The domain's administration ports over an adapter's own operations, written once for
//! every adapter.

/// Implements [`domain::AdminStore`], [`domain::SigningKeyStore`] and
/// [`domain::CredentialUpdates`] for the store type `$store`, each method calling the
/// adapter's inherent operation of the same meaning and turning its error into a
/// [`domain::StoreError`] (the adapter's error type needs `From<…> for StoreError`).
///
/// The operations the type must have (`async`, each returning `Result<_, its error>`):
/// `insert_org`, `all_orgs`, `insert_integration`, `summaries`, `integration_by_id`,
/// `delete_integration`, `update_enabled`, `insert_token`, `revoke_selected`,
/// `delete_org_row`, `active_tokens`, `update_fields`, `replace_credentials_of`, `connect`,
/// `insert_admin_token`, `admin_token_exists`, `revoke_admin_selected`, `insert_app`,
/// `all_apps`, `app_by_id`, `delete_app`, `insert_connection`, `take_connection_row`,
/// `purge_expired`, `insert_signing_key`, `signing_keys_of`, `revoke_signing_key_row`,
/// `every_active_signing_key`, `replace_refresh_token`, `renewal_lease`. The search's port,
/// [`domain::IntegrationStore`], is the adapter's own (it decides what it remembers).
#[macro_export]
macro_rules! admin_ports {
    ($store:ty) => {
        const _: () = {
            use $crate::__domain::browser_token::{NewSigningKey, SigningKey, SigningKeySummary};
            use $crate::__domain::model::{AppId, AppSummary, NewApp, OAuthApp, PendingConnection};
            use $crate::__domain::ports::{RenewalLease, RevokeOutcome, TokenSelector};
            use $crate::__domain::token::{StoredToken, TokenSummary};
            use $crate::__domain::{
                AdminStore, CredentialUpdates, Credentials, Integration, IntegrationId,
                IntegrationName, IntegrationSummary, NewIntegration, Org, OrgId, Secret,
                SigningKeyStore, Slug, StoreError,
            };

            /// Every write is one transaction of the database.
            impl AdminStore for $store {
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

                async fn integration(
                    &self,
                    id: IntegrationId,
                ) -> Result<Option<Integration>, StoreError> {
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

                async fn add_token(
                    &self,
                    org: OrgId,
                    token: &StoredToken,
                ) -> Result<bool, StoreError> {
                    Ok(self.insert_token(org, token).await?)
                }

                async fn revoke_token(
                    &self,
                    selector: &TokenSelector,
                ) -> Result<RevokeOutcome, StoreError> {
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
            impl SigningKeyStore for $store {
                async fn add_signing_key(
                    &self,
                    org: OrgId,
                    key: &NewSigningKey,
                ) -> Result<Option<SigningKeySummary>, StoreError> {
                    Ok(self.insert_signing_key(org, key).await?)
                }

                async fn list_signing_keys(
                    &self,
                    org: OrgId,
                ) -> Result<Vec<SigningKeySummary>, StoreError> {
                    Ok(self.signing_keys_of(org).await?)
                }

                async fn revoke_signing_key(&self, id: &str) -> Result<bool, StoreError> {
                    Ok(self.revoke_signing_key_row(id).await?)
                }

                async fn active_signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
                    Ok(self.every_active_signing_key().await?)
                }
            }

            impl CredentialUpdates for $store {
                async fn save_refresh_token(
                    &self,
                    integration: IntegrationId,
                    refresh_token: &Secret,
                ) -> Result<(), StoreError> {
                    Ok(self
                        .replace_refresh_token(integration, refresh_token)
                        .await?)
                }

                async fn begin_renewal(
                    &self,
                    integration: IntegrationId,
                ) -> Result<RenewalLease, StoreError> {
                    Ok(self.renewal_lease(integration).await?)
                }
            }
        };
    };
}
