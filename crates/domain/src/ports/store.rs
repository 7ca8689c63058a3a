//! The store ports: what the search reads (tokens, orgs, integrations), what the
//! administration writes, and the one credential that changes while the service runs.

use std::future::Future;

pub use super::error::StoreError;
use super::renewal::RenewalLease;
use crate::browser_token::{NewSigningKey, SigningKey, SigningKeySummary};
use crate::model::{
    AppId, AppSummary, Credentials, Integration, IntegrationId, IntegrationName,
    IntegrationSummary, NewApp, NewIntegration, OAuthApp, Org, OrgId, OrgRef, PendingConnection,
    Slug,
};
use crate::secret::Secret;
use crate::token::{StoredToken, TokenSummary};

/// Reads orgs, integrations and caller tokens: the search's side of the store.
///
/// `crate::testing::contract::store` states the contract of this port and of
/// [`AdminStore`] and [`CredentialUpdates`] as runnable checks.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
pub trait IntegrationStore: Send + Sync + 'static {
    /// The org whose non-revoked caller token has this SHA-256 hash (see
    /// [`crate::token::hash_token`]), if any.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer.
    fn org_for_token_hash(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<OrgId>, StoreError>> + Send;

    /// The org named by id or slug, if it exists.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer.
    fn find_org(
        &self,
        org: &OrgRef,
    ) -> impl Future<Output = Result<Option<Org>, StoreError>> + Send;

    /// The integration with this id if it is linked to `org` (enabled or not), with its
    /// credentials ready to use.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer or a stored credential cannot be read.
    fn linked_integration(
        &self,
        org: OrgId,
        id: IntegrationId,
    ) -> impl Future<Output = Result<Option<Integration>, StoreError>> + Send;

    /// Whether the store answers now (`/readyz`).
    ///
    /// # Errors
    /// [`StoreError`] when it does not.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send {
        async { Ok(()) }
    }
}

/// Which active caller token a revocation names, decided by the domain's rules
/// (`crate::admin`): the store finds and revokes in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSelector {
    /// The hash of the whole token, when what was typed may be a whole token: tried first.
    pub whole_token_hash: Option<String>,
    /// The start of the public token id: tried when the hash names no active token.
    pub id_prefix: String,
}

/// What a revocation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// Exactly one active token matched; it is revoked.
    Revoked,
    /// No active token matched; nothing changed.
    NotFound,
    /// This many active tokens matched; nothing changed.
    Ambiguous(usize),
}

/// What the administration writes: orgs, integrations, caller tokens. Every write is atomic:
/// on an error nothing is stored.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
pub trait AdminStore: Send + Sync + 'static {
    /// Creates an org with a new id, never one given before (even to an org since deleted).
    /// `None` when the slug is taken (nothing written).
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write.
    fn create_org(
        &self,
        slug: &Slug,
    ) -> impl Future<Output = Result<Option<Org>, StoreError>> + Send;

    /// Every org, by id.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer or a row is unreadable.
    fn list_orgs(&self) -> impl Future<Output = Result<Vec<Org>, StoreError>> + Send;

    /// Stores an integration, enabled, linked to `org`, and returns its new id (never one given
    /// before: a caller holding a deleted integration's id must not reach another's). The
    /// credentials come back as given from [`IntegrationStore::linked_integration`] and
    /// [`AdminStore::integration`]; the adapter may seal the secrets at rest.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write, or `org` does not exist.
    fn add_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> impl Future<Output = Result<IntegrationId, StoreError>> + Send;

    /// Integrations by id, without secrets: all of them, or those linked to `org`. Each
    /// lists every org it is linked to, by org id.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer or a row is unreadable.
    fn list_integrations(
        &self,
        org: Option<OrgId>,
    ) -> impl Future<Output = Result<Vec<IntegrationSummary>, StoreError>> + Send;

    /// The integration with this id, credentials opened, whatever it is linked to.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer or its credentials cannot be read.
    fn integration(
        &self,
        id: IntegrationId,
    ) -> impl Future<Output = Result<Option<Integration>, StoreError>> + Send;

    /// Deletes an integration with its links. `false` when no integration has this id.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write.
    fn remove_integration(
        &self,
        id: IntegrationId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Enables or disables an integration, credentials kept. `false` when no integration
    /// has this id.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write.
    fn set_integration_enabled(
        &self,
        id: IntegrationId,
        enabled: bool,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Stores a caller token of `org` (its hash and public id only). `false` when a token
    /// with the same hash is already stored (nothing written).
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write, or `org` does not exist.
    fn add_token(
        &self,
        org: OrgId,
        token: &StoredToken,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Revokes the one active token `selector` names: first by whole-token hash, then by id
    /// prefix (compared byte for byte, no wildcard). Several matches revoke nothing.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write.
    fn revoke_token(
        &self,
        selector: &TokenSelector,
    ) -> impl Future<Output = Result<RevokeOutcome, StoreError>> + Send;

    /// Deletes an org with its caller tokens and its links (its integrations stay, unlinked;
    /// connections in flight for it go). `false` when no org has this id.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write.
    fn delete_org(&self, org: OrgId) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The active (not revoked) caller tokens of `org`, in creation order: public parts only.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer.
    fn list_tokens(
        &self,
        org: OrgId,
    ) -> impl Future<Output = Result<Vec<TokenSummary>, StoreError>> + Send;

    /// Renames and/or enables or disables an integration (`None`: unchanged), credentials
    /// kept. `false` when no integration has this id.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write.
    // mockall's automock needs the reference in an `Option` to have a named lifetime.
    #[allow(clippy::needless_lifetimes)]
    fn update_integration<'a>(
        &self,
        id: IntegrationId,
        name: Option<&'a IntegrationName>,
        enabled: Option<bool>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Replaces an integration's credentials (the method may change), keeping its id, name,
    /// links and state. `false` when no integration has this id.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write.
    fn replace_credentials(
        &self,
        id: IntegrationId,
        credentials: &Credentials,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// What a finished consent stores, in one transaction: when an integration with the same
    /// provider and base URL is linked to `org`, its credentials are replaced and it is
    /// enabled (same id, name kept); otherwise `new` is added and linked. Returns the id and
    /// whether an existing integration was updated.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write, or `org` does not exist.
    fn connect_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> impl Future<Output = Result<(IntegrationId, bool), StoreError>> + Send;

    /// Stores an admin token (its hash and public id only). `false` when a token with the
    /// same hash is already stored.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write.
    fn add_admin_token(
        &self,
        token: &StoredToken,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Whether an active admin token has this SHA-256 hash.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer.
    fn is_admin_token(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// As [`AdminStore::revoke_token`], among admin tokens.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write.
    fn revoke_admin_token(
        &self,
        selector: &TokenSelector,
    ) -> impl Future<Output = Result<RevokeOutcome, StoreError>> + Send;

    /// Stores an OAuth app and returns its new id (never one given before); the adapter may
    /// seal its secret at rest.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write.
    fn add_app(&self, new: &NewApp) -> impl Future<Output = Result<AppId, StoreError>> + Send;

    /// Every app by id, public parts only.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer or a row is unreadable.
    fn list_apps(&self) -> impl Future<Output = Result<Vec<AppSummary>, StoreError>> + Send;

    /// The app with this id, its secret opened.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer or its secret cannot be read.
    fn app(&self, id: AppId) -> impl Future<Output = Result<Option<OAuthApp>, StoreError>> + Send;

    /// Deletes an app and its connections in flight (integrations made through it stay).
    /// `false` when no app has this id.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write.
    fn remove_app(&self, id: AppId) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Stores (or replaces) the connection in flight under `state_hash`, the SHA-256 (hex) of
    /// its state; the adapter may seal its secrets at rest.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write, or its org or app does not exist.
    fn save_connection(
        &self,
        state_hash: &str,
        connection: &PendingConnection,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes and returns the connection stored under `state_hash`, expired or not (the
    /// caller judges): a state is usable once, even by two callbacks racing.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write or the row cannot be read.
    fn take_connection(
        &self,
        state_hash: &str,
    ) -> impl Future<Output = Result<Option<PendingConnection>, StoreError>> + Send;

    /// Deletes connections that expired before `now` (seconds since the Unix epoch) and
    /// returns how many.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write.
    fn purge_connections(&self, now: i64) -> impl Future<Output = Result<u64, StoreError>> + Send;
}

/// The signing keys of browser tokens (`crate::browser_token`): made by the administration,
/// read whole by the keyring. Every write is atomic.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
pub trait SigningKeyStore: Send + Sync + 'static {
    /// Stores a signing key of `org`, active; the adapter may seal its secret at rest. Answers
    /// it as listed, or `None` when a key with this id is stored already, revoked or not
    /// (nothing written: an id is never given twice).
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write, or `org` does not exist.
    fn add_signing_key(
        &self,
        org: OrgId,
        key: &NewSigningKey,
    ) -> impl Future<Output = Result<Option<SigningKeySummary>, StoreError>> + Send;

    /// The active signing keys of `org`, in creation order: public parts only.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer.
    fn list_signing_keys(
        &self,
        org: OrgId,
    ) -> impl Future<Output = Result<Vec<SigningKeySummary>, StoreError>> + Send;

    /// Revokes the active signing key with this id (compared byte for byte). `false` when no
    /// active key has it. A revoked key stays stored (its id is never given again), its
    /// secret need not.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot write.
    fn revoke_signing_key(&self, id: &str)
        -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every active signing key of every org, with its org and its secret opened, in creation
    /// order. A deleted org's keys are gone with it.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer or a secret cannot be opened.
    fn active_signing_keys(
        &self,
    ) -> impl Future<Output = Result<Vec<SigningKey>, StoreError>> + Send;
}

/// Persists credentials that change while the service runs: OAuth 2.0 refresh tokens rotate
/// on every renewal, and losing the new one locks the integration out; reusing one that was
/// rotated away revokes them all (Atlassian's reuse detection), so replicas renew one at a
/// time ([`CredentialUpdates::begin_renewal`]).
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
pub trait CredentialUpdates: Send + Sync + 'static {
    /// Takes the renewal lock of an OAuth 2.0 integration, waiting while another lease on it
    /// lives (in this process or, for a store several replicas share, in any of them), and
    /// reads what is stored once the lock is held: the refresh token and the shared access
    /// token, if any. [`RenewalLease::finish`] stores the new tokens and releases the lock;
    /// dropping the lease releases it and changes nothing.
    ///
    /// The shared access token is the one the last `finish` stored, as long as the
    /// integration's credentials were not replaced since (new credentials forget it).
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer or lock (a store may bound the wait), the
    /// integration is unknown or does not use OAuth 2.0, or its credentials cannot be read.
    fn begin_renewal(
        &self,
        integration: IntegrationId,
    ) -> impl Future<Output = Result<RenewalLease, StoreError>> + Send;

    /// Replaces the integration's stored refresh token with `refresh_token`, durably (committed)
    /// before the caller uses the access token that came with it.
    ///
    /// # Errors
    /// [`StoreError`] when it could not be stored (or the integration is gone or does not use
    /// OAuth 2.0); the caller must then not rely on the new token surviving a restart, and
    /// should fail the renewal loudly.
    fn save_refresh_token(
        &self,
        integration: IntegrationId,
        refresh_token: &Secret,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
