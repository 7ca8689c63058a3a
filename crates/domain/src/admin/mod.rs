//! The administration use cases: orgs, integrations and caller tokens. The CLI (and any
//! other face) calls these and only prints what they return, so every rule lives here once.

mod apps;
mod connect;
mod connect_outcome;
mod connect_settings;
mod error;
mod forms;
mod registration;
mod signing_keys;
mod tenants;

use std::sync::Arc;

use serde_json::Value;

pub use apps::{check_app, check_secret, AppForm, CheckedApp};
pub use connect::Connections;
pub use connect_outcome::{
    CallbackOutcome, CallbackParams, ConnectFailure, ConnectRandom, StartedConnection,
    ATLASSIAN_SCOPES, DC_SCOPE, MISSING_STATE, STATE_TTL_SECS, UNKNOWN_STATE,
};
pub use connect_settings::{check_return_url, ConnectSettings, ReturnPrefix};
pub use error::AdminError;
pub use forms::{AdminAccess, IntegrationPatch};
pub use registration::{
    check as check_registration, secret_from_input, takes_field, AuthSetup, IntegrationForm,
    Registration, DEFAULT_CONNECT_ISSUER, MAX_SECRET_LEN, PLAIN_INPUTS,
};

use crate::jira_request;
use crate::keyring::Keyring;
use crate::model::{
    IntegrationId, IntegrationSummary, InvalidInput, Org, OrgId, OrgRef, Provider, Slug,
};
use crate::ports::{
    AdminStore, IntegrationStore, JiraApi, JiraError, RevokeOutcome, TokenSelector,
};
use crate::secret::Secret;
use crate::token::{
    hash_token, token_from_random, token_id, StoredToken, MIN_REVOKE_PREFIX, TOKEN_ID_LEN,
};

/// Who Jira says an integration's credentials are (`integration check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JiraIdentity {
    /// The user name (Server) or account id (Cloud).
    pub id: String,
    /// The display name (may be empty).
    pub display_name: String,
    /// The email address, when Jira shows it.
    pub email: Option<String>,
}

/// The administration use cases over a store, and the keyring of browser tokens they keep
/// up to date in this process, if any.
#[derive(Debug, Clone)]
pub struct Administration<S> {
    store: S,
    keyring: Option<Arc<Keyring>>,
}

impl<S: AdminStore + IntegrationStore> Administration<S> {
    /// The use cases over `store`.
    pub fn new(store: S) -> Self {
        Self {
            store,
            keyring: None,
        }
    }

    /// The use cases that also change `keyring` at once when they make or revoke a signing
    /// key or delete an org, so this process's searches see it without waiting for a reload.
    #[must_use]
    pub fn with_keyring(mut self, keyring: Arc<Keyring>) -> Self {
        self.keyring = Some(keyring);
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Creates an org.
    ///
    /// # Errors
    /// [`AdminError::Invalid`] for a slug that breaks [`Slug::parse`]'s rules,
    /// [`AdminError::OrgExists`], [`AdminError::Store`].
    pub async fn create_org(&self, slug: &str) -> Result<Org, AdminError> {
        let slug = Slug::parse(slug)?;
        self.store
            .create_org(&slug)
            .await?
            .ok_or_else(|| AdminError::OrgExists(slug.to_string()))
    }

    /// Every org, by id.
    ///
    /// # Errors
    /// [`AdminError::Store`].
    pub async fn list_orgs(&self) -> Result<Vec<Org>, AdminError> {
        Ok(self.store.list_orgs().await?)
    }

    /// The org named by id or slug.
    ///
    /// # Errors
    /// [`AdminError::OrgNotFound`], [`AdminError::Store`].
    pub async fn resolve_org(&self, org: &str) -> Result<Org, AdminError> {
        self.store
            .find_org(&OrgRef::parse(org))
            .await?
            .ok_or_else(|| AdminError::OrgNotFound(org.to_owned()))
    }

    /// Checks a registration (every rule, then the org), before its secret is read.
    ///
    /// # Errors
    /// [`AdminError::Invalid`] for the first rule broken, [`AdminError::OrgNotFound`],
    /// [`AdminError::Store`].
    pub async fn prepare_integration(
        &self,
        form: &IntegrationForm,
    ) -> Result<PendingIntegration, AdminError> {
        let registration = check_registration(form)?;
        let org = self.resolve_org(&form.org).await?;
        Ok(PendingIntegration { org, registration })
    }

    /// Stores a prepared registration with its secret (see [`secret_from_input`]).
    ///
    /// # Errors
    /// [`AdminError::Invalid`] when the secret does not fit the method,
    /// [`AdminError::Store`].
    pub async fn register_integration(
        &self,
        pending: PendingIntegration,
        secret: Secret,
    ) -> Result<IntegrationId, AdminError> {
        let new = pending.registration.with_secret(secret)?;
        Ok(self.store.add_integration(pending.org.id, &new).await?)
    }

    /// Integrations by id, all or those linked to `org`.
    ///
    /// # Errors
    /// [`AdminError::OrgNotFound`], [`AdminError::Store`].
    pub async fn list_integrations(
        &self,
        org: Option<&str>,
    ) -> Result<Vec<IntegrationSummary>, AdminError> {
        let org_id: Option<OrgId> = match org {
            Some(org) => Some(self.resolve_org(org).await?.id),
            None => None,
        };
        Ok(self.store.list_integrations(org_id).await?)
    }

    /// Deletes an integration and its links.
    ///
    /// # Errors
    /// [`AdminError::IntegrationNotFound`], [`AdminError::Store`].
    pub async fn remove_integration(&self, id: IntegrationId) -> Result<(), AdminError> {
        found(self.store.remove_integration(id).await?, id)
    }

    /// Enables or disables an integration; a disabled one answers 404 from the next search,
    /// its credentials kept.
    ///
    /// # Errors
    /// [`AdminError::IntegrationNotFound`], [`AdminError::Store`].
    pub async fn set_integration_enabled(
        &self,
        id: IntegrationId,
        enabled: bool,
    ) -> Result<(), AdminError> {
        found(self.store.set_integration_enabled(id, enabled).await?, id)
    }

    /// Asks the integration's Jira who its credentials are.
    ///
    /// # Errors
    /// [`AdminError::IntegrationNotFound`], [`AdminError::CheckRefused`] (401, 403),
    /// [`AdminError::CheckAnonymous`], [`AdminError::CheckFailed`], [`AdminError::Store`].
    pub async fn check_integration<J: JiraApi>(
        &self,
        jira: &J,
        id: IntegrationId,
    ) -> Result<JiraIdentity, AdminError> {
        let integration = self
            .store
            .integration(id)
            .await?
            .ok_or(AdminError::IntegrationNotFound(id))?;
        let me = jira
            .get_json(&integration, &jira_request::myself())
            .await
            .map_err(|e| match e {
                JiraError::Status {
                    status: status @ (401 | 403),
                    ..
                } => AdminError::CheckRefused { id, status },
                other => AdminError::CheckFailed(other),
            })?;
        identity(&me, integration.provider).ok_or(AdminError::CheckAnonymous(id))
    }

    /// Adds a caller token to `org` and returns it: the only time it is ever shown. `random`
    /// must be 32 bytes from a cryptographic generator (the domain has none).
    ///
    /// # Errors
    /// [`AdminError::OrgNotFound`], [`AdminError::TokenExists`], [`AdminError::Store`].
    pub async fn add_token(&self, org: &str, random: &[u8; 32]) -> Result<String, AdminError> {
        let org = self.resolve_org(org).await?;
        let token = token_from_random(random);
        if self
            .store
            .add_token(org.id, &StoredToken::of(&token))
            .await?
        {
            Ok(token)
        } else {
            Err(AdminError::TokenExists)
        }
    }

    /// Revokes the one active token `prefix` names (see [`revoke_selector`]).
    ///
    /// # Errors
    /// [`AdminError::Invalid`] for a prefix too short, [`AdminError::TokenNotFound`],
    /// [`AdminError::TokenAmbiguous`], [`AdminError::Store`].
    pub async fn revoke_token(&self, prefix: &str) -> Result<(), AdminError> {
        if crate::token::is_admin_token(prefix) {
            return self.revoke_admin(prefix).await;
        }
        let selector = revoke_selector(prefix)?;
        match self.store.revoke_token(&selector).await? {
            RevokeOutcome::Revoked => Ok(()),
            RevokeOutcome::NotFound => Err(AdminError::TokenNotFound),
            RevokeOutcome::Ambiguous(n) => Err(AdminError::TokenAmbiguous(n)),
        }
    }
}

/// A registration whose rules passed and whose org exists, waiting for its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingIntegration {
    /// The org it will be linked to.
    pub org: Org,
    /// What will be stored.
    pub registration: Registration,
}

fn found(found: bool, id: IntegrationId) -> Result<(), AdminError> {
    if found {
        Ok(())
    } else {
        Err(AdminError::IntegrationNotFound(id))
    }
}

/// What `token revoke PREFIX` names: at least [`MIN_REVOKE_PREFIX`] characters, so a typo
/// cannot match many tokens. Longer than a token id, it may be a whole token: its hash is
/// tried first, then its first [`TOKEN_ID_LEN`] characters as an id prefix.
///
/// # Errors
/// [`InvalidInput`] for a prefix too short.
pub fn revoke_selector(prefix: &str) -> Result<TokenSelector, InvalidInput> {
    let len = prefix.chars().count();
    if len < MIN_REVOKE_PREFIX {
        return Err(InvalidInput(format!(
            "a token prefix needs at least {MIN_REVOKE_PREFIX} characters, so that a typo cannot match several tokens"
        )));
    }
    Ok(TokenSelector {
        whole_token_hash: (len > TOKEN_ID_LEN).then(|| hash_token(prefix)),
        id_prefix: token_id(prefix).to_owned(),
    })
}

/// Who `/myself` says we are; `None` for no id or the anonymous user.
fn identity(me: &Value, provider: Provider) -> Option<JiraIdentity> {
    let text = |k: &str| me.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let id = text(provider.user_id_field());
    if id.is_empty() || id.eq_ignore_ascii_case("anonymous") {
        return None;
    }
    let email = text("emailAddress");
    Some(JiraIdentity {
        id,
        display_name: text("displayName"),
        email: (!email.is_empty()).then_some(email),
    })
}

#[cfg(test)]
mod tests;
