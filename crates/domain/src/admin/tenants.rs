//! The administration use cases the admin API added: deleting orgs, naming and listing
//! tokens, admin tokens, editing integrations and rotating their credentials, and OAuth apps.

use super::error::AdminError;
use super::forms::{AdminAccess, IntegrationPatch};
use super::registration::{check, IntegrationForm};
use crate::model::{
    AppId, AppSummary, IntegrationId, IntegrationName, IntegrationSummary, InvalidInput, NewApp,
    OrgId,
};
use crate::ports::{AdminStore, IntegrationStore, RevokeOutcome};
use crate::secret::Secret;
use crate::token::{
    admin_token_from_random, hash_token, is_admin_token, token_from_random, token_id, StoredToken,
    TokenSummary,
};

impl<S: AdminStore + IntegrationStore> super::Administration<S> {
    /// Who `token` is on an admin route.
    ///
    /// # Errors
    /// [`AdminError::Store`].
    pub async fn admin_access(&self, token: Option<&str>) -> Result<AdminAccess, AdminError> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(AdminAccess::Unknown);
        };
        let hash = hash_token(token);
        if self.store.is_admin_token(&hash).await? {
            return Ok(AdminAccess::Admin);
        }
        if self.store.org_for_token_hash(&hash).await?.is_some() {
            return Ok(AdminAccess::Caller);
        }
        Ok(AdminAccess::Unknown)
    }

    /// Makes an admin token and returns it: the only time it is shown. `random` must be 32
    /// bytes from a cryptographic generator.
    ///
    /// # Errors
    /// [`AdminError::Invalid`] for a bad name, [`AdminError::TokenExists`],
    /// [`AdminError::Store`].
    pub async fn add_admin_token(
        &self,
        name: Option<&str>,
        random: &[u8; 32],
    ) -> Result<String, AdminError> {
        let name = token_name(name)?;
        let token = admin_token_from_random(random);
        if self
            .store
            .add_admin_token(&StoredToken::named(&token, name))
            .await?
        {
            Ok(token)
        } else {
            Err(AdminError::TokenExists)
        }
    }

    /// Stores a prepared registration with its secrets given apart (the admin API's
    /// fields; see [`super::AuthSetup::with_parts`]).
    ///
    /// # Errors
    /// [`AdminError::Invalid`] when the secrets do not fit the method, [`AdminError::Store`].
    pub async fn register_parts(
        &self,
        pending: super::PendingIntegration,
        first: Secret,
        second: Option<Secret>,
    ) -> Result<IntegrationId, AdminError> {
        let r = pending.registration;
        let new = crate::model::NewIntegration {
            provider: r.provider,
            name: r.name,
            base_url: r.base_url,
            verify_tls: r.verify_tls,
            credentials: r.auth.with_parts(first, second)?,
        };
        Ok(self.store.add_integration(pending.org.id, &new).await?)
    }

    /// Adds a named caller token to `org`; answers the token (shown once) and its prefix.
    ///
    /// # Errors
    /// [`AdminError::Invalid`] for a bad name, [`AdminError::OrgNotFound`],
    /// [`AdminError::TokenExists`], [`AdminError::Store`].
    pub async fn add_named_token(
        &self,
        org: &str,
        name: Option<&str>,
        random: &[u8; 32],
    ) -> Result<(String, String), AdminError> {
        let name = token_name(name)?;
        let org = self.resolve_org(org).await?;
        let token = token_from_random(random);
        if self
            .store
            .add_token(org.id, &StoredToken::named(&token, name))
            .await?
        {
            let prefix = token_id(&token).to_owned();
            Ok((token, prefix))
        } else {
            Err(AdminError::TokenExists)
        }
    }

    /// The active caller tokens of `org`.
    ///
    /// # Errors
    /// [`AdminError::OrgNotFound`], [`AdminError::Store`].
    pub async fn list_tokens(&self, org: &str) -> Result<Vec<TokenSummary>, AdminError> {
        let org = self.resolve_org(org).await?;
        Ok(self.store.list_tokens(org.id).await?)
    }

    /// Revokes the one active caller token `prefix` names; an admin token's prefix names
    /// none here (admin tokens are revoked with the CLI).
    ///
    /// # Errors
    /// As [`super::Administration::revoke_token`].
    pub async fn revoke_caller_token(&self, prefix: &str) -> Result<(), AdminError> {
        if is_admin_token(prefix) {
            return Err(AdminError::TokenNotFound);
        }
        self.revoke_token(prefix).await
    }

    /// Revokes the one active admin token `prefix` names.
    ///
    /// # Errors
    /// As [`super::Administration::revoke_token`].
    pub(super) async fn revoke_admin(&self, prefix: &str) -> Result<(), AdminError> {
        let selector = super::revoke_selector(prefix)?;
        match self.store.revoke_admin_token(&selector).await? {
            RevokeOutcome::Revoked => Ok(()),
            RevokeOutcome::NotFound => Err(AdminError::TokenNotFound),
            RevokeOutcome::Ambiguous(n) => Err(AdminError::TokenAmbiguous(n)),
        }
    }

    /// Deletes an org with its tokens, signing keys and links.
    ///
    /// # Errors
    /// [`AdminError::OrgNotFound`], [`AdminError::Store`].
    pub async fn delete_org(&self, org: &str) -> Result<(), AdminError> {
        let found = self.resolve_org(org).await?;
        if self.store.delete_org(found.id).await? {
            if let Some(keyring) = &self.keyring {
                keyring.forget_org(found.id);
            }
            Ok(())
        } else {
            Err(AdminError::OrgNotFound(org.to_owned()))
        }
    }

    /// One integration, without secrets.
    ///
    /// # Errors
    /// [`AdminError::IntegrationNotFound`], [`AdminError::Store`].
    pub async fn integration_summary(
        &self,
        id: IntegrationId,
    ) -> Result<IntegrationSummary, AdminError> {
        self.store
            .list_integrations(None)
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or(AdminError::IntegrationNotFound(id))
    }

    /// Renames and/or enables or disables an integration; answers it as it now is.
    ///
    /// # Errors
    /// [`AdminError::Invalid`] for a bad name, [`AdminError::IntegrationNotFound`],
    /// [`AdminError::Store`].
    pub async fn update_integration(
        &self,
        id: IntegrationId,
        patch: &IntegrationPatch,
    ) -> Result<IntegrationSummary, AdminError> {
        let name = patch
            .name
            .as_deref()
            .map(IntegrationName::parse)
            .transpose()?;
        if !self
            .store
            .update_integration(id, name.as_ref(), patch.enabled)
            .await?
        {
            return Err(AdminError::IntegrationNotFound(id));
        }
        self.integration_summary(id).await
    }

    /// Replaces an integration's credentials, keeping its id: `form` gives the method and its
    /// inputs (its org, provider, base URL and name are the integration's own), `first` and
    /// `second` the secrets (see [`super::AuthSetup::with_parts`]).
    ///
    /// # Errors
    /// [`AdminError::Invalid`] as `integration add` words it,
    /// [`AdminError::IntegrationNotFound`], [`AdminError::Store`].
    pub async fn replace_credentials(
        &self,
        id: IntegrationId,
        form: &IntegrationForm,
        first: Secret,
        second: Option<Secret>,
    ) -> Result<(), AdminError> {
        let current = self
            .store
            .integration(id)
            .await?
            .ok_or(AdminError::IntegrationNotFound(id))?;
        let form = IntegrationForm {
            provider: current.provider.as_str().to_owned(),
            base_url: current.base_url.as_str().to_owned(),
            allow_http: current.base_url.is_http(),
            no_verify_tls: !current.verify_tls,
            name: None,
            ..form.clone()
        };
        let credentials = check(&form)?.auth.with_parts(first, second)?;
        if self.store.replace_credentials(id, &credentials).await? {
            Ok(())
        } else {
            Err(AdminError::IntegrationNotFound(id))
        }
    }

    /// Stores an app whose rules passed ([`super::check_app`]) and whose key the caller
    /// read or generated.
    ///
    /// # Errors
    /// [`AdminError::Store`].
    pub async fn add_app(&self, new: &NewApp) -> Result<AppSummary, AdminError> {
        let id = self.store.add_app(new).await?;
        self.app_summary(id).await
    }

    /// Every app, public parts only.
    ///
    /// # Errors
    /// [`AdminError::Store`].
    pub async fn list_apps(&self) -> Result<Vec<AppSummary>, AdminError> {
        Ok(self.store.list_apps().await?)
    }

    /// One app, public parts only.
    ///
    /// # Errors
    /// [`AdminError::AppNotFound`], [`AdminError::Store`].
    pub async fn app_summary(&self, id: AppId) -> Result<AppSummary, AdminError> {
        self.store
            .app(id)
            .await?
            .map(|a| a.summary())
            .ok_or(AdminError::AppNotFound(id))
    }

    /// Deletes an app and its connections in flight.
    ///
    /// # Errors
    /// [`AdminError::AppNotFound`], [`AdminError::Store`].
    pub async fn remove_app(&self, id: AppId) -> Result<(), AdminError> {
        if self.store.remove_app(id).await? {
            Ok(())
        } else {
            Err(AdminError::AppNotFound(id))
        }
    }

    /// The org's id by id or slug (for the connection use cases).
    ///
    /// # Errors
    /// [`AdminError::OrgNotFound`], [`AdminError::Store`].
    pub async fn org_id(&self, org: &str) -> Result<OrgId, AdminError> {
        Ok(self.resolve_org(org).await?.id)
    }
}

/// A token's optional name: as an integration's (1 to 200 visible characters).
pub(super) fn token_name(name: Option<&str>) -> Result<Option<String>, InvalidInput> {
    name.map(|n| IntegrationName::parse(n).map(|n| n.as_str().to_owned()))
        .transpose()
}
