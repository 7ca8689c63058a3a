//! [`InMemoryStore`]: every store port over a mutex-guarded state.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::model::{
    Credentials, Integration, IntegrationId, IntegrationSummary, NewIntegration, Org, OrgId,
    OrgRef, Slug,
};
use crate::ports::{
    AdminStore, CredentialUpdates, IntegrationStore, RevokeOutcome, StoreError, TokenSelector,
};
use crate::secret::Secret;
use crate::token::StoredToken;

#[derive(Debug, Default)]
struct State {
    orgs: Vec<Org>,
    integrations: Vec<Integration>,
    /// (org, integration), in the order linked.
    links: Vec<(OrgId, IntegrationId)>,
    tokens: Vec<TokenRow>,
    next_org: i64,
    next_integration: i64,
}

#[derive(Debug)]
struct TokenRow {
    org: OrgId,
    token: StoredToken,
    revoked: bool,
}

/// The store ports in memory: what a test needs to run the service without a database. It
/// fails like a dead database when told to ([`InMemoryStore::set_down`]).
#[derive(Debug, Default)]
pub struct InMemoryStore {
    state: Mutex<State>,
    down: AtomicBool,
}

/// Why a fake store that was told to be down fails.
#[derive(Debug, thiserror::Error)]
#[error("the in-memory store was told to be down")]
pub struct Down;

/// Why the fake refuses a write a real store would refuse too.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(String);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// From now on every call fails (`true`) or works again (`false`).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::Relaxed);
    }

    /// Adds an org (any slug-shaped text: a test may need an old all-digit slug) and
    /// returns it.
    ///
    /// # Panics
    /// When `slug` is not slug-shaped at all.
    pub fn seed_org(&self, slug: &str) -> Org {
        let slug = Slug::from_stored(slug).unwrap_or_else(|e| panic!("seed_org: {e}"));
        let mut state = lock(&self.state);
        state.next_org += 1;
        let org = Org {
            id: OrgId(state.next_org),
            slug,
        };
        state.orgs.push(org.clone());
        org
    }

    /// Stores `integration` as given, its id kept, and links it to `org`.
    pub fn seed_integration(&self, org: OrgId, integration: Integration) {
        let mut state = lock(&self.state);
        state.next_integration = state.next_integration.max(integration.id.0);
        state.links.push((org, integration.id));
        state.integrations.push(integration);
    }

    /// Stores a caller token of `org`.
    pub fn seed_token(&self, org: OrgId, token: &str) {
        lock(&self.state).tokens.push(TokenRow {
            org,
            token: StoredToken::of(token),
            revoked: false,
        });
    }

    fn state(&self) -> Result<std::sync::MutexGuard<'_, State>, StoreError> {
        if self.down.load(Ordering::Relaxed) {
            Err(StoreError::unavailable(Down))
        } else {
            Ok(lock(&self.state))
        }
    }
}

impl State {
    fn org(&self, id: OrgId) -> Option<&Org> {
        self.orgs.iter().find(|o| o.id == id)
    }
}

impl IntegrationStore for InMemoryStore {
    async fn org_for_token_hash(&self, token_hash: &str) -> Result<Option<OrgId>, StoreError> {
        Ok(self
            .state()?
            .tokens
            .iter()
            .find(|t| !t.revoked && t.token.hash == token_hash)
            .map(|t| t.org))
    }

    async fn find_org(&self, org: &OrgRef) -> Result<Option<Org>, StoreError> {
        Ok(self
            .state()?
            .orgs
            .iter()
            .find(|o| match org {
                OrgRef::Id(id) => o.id.0 == *id,
                OrgRef::Slug(slug) => o.slug.as_str() == slug,
            })
            .cloned())
    }

    async fn linked_integration(
        &self,
        org: OrgId,
        id: IntegrationId,
    ) -> Result<Option<Integration>, StoreError> {
        let state = self.state()?;
        if !state.links.contains(&(org, id)) {
            return Ok(None);
        }
        Ok(state.integrations.iter().find(|i| i.id == id).cloned())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.state().map(drop)
    }
}

impl AdminStore for InMemoryStore {
    async fn create_org(&self, slug: &Slug) -> Result<Option<Org>, StoreError> {
        let mut state = self.state()?;
        if state.orgs.iter().any(|o| o.slug == *slug) {
            return Ok(None);
        }
        state.next_org += 1;
        let org = Org {
            id: OrgId(state.next_org),
            slug: slug.clone(),
        };
        state.orgs.push(org.clone());
        Ok(Some(org))
    }

    async fn list_orgs(&self) -> Result<Vec<Org>, StoreError> {
        Ok(self.state()?.orgs.clone())
    }

    async fn add_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<IntegrationId, StoreError> {
        let mut state = self.state()?;
        if state.org(org).is_none() {
            return Err(StoreError::unavailable(Refused(format!(
                "org {org} does not exist"
            ))));
        }
        state.next_integration += 1;
        let id = IntegrationId(state.next_integration);
        state.integrations.push(Integration {
            id,
            provider: new.provider,
            name: new.name.as_str().to_owned(),
            base_url: new.base_url.clone(),
            verify_tls: new.verify_tls,
            enabled: true,
            credentials: new.credentials.clone(),
        });
        state.links.push((org, id));
        Ok(id)
    }

    async fn list_integrations(
        &self,
        org: Option<OrgId>,
    ) -> Result<Vec<IntegrationSummary>, StoreError> {
        let state = self.state()?;
        let mut linked: Vec<(OrgId, IntegrationId)> = state.links.clone();
        linked.sort();
        Ok(state
            .integrations
            .iter()
            .filter(|i| org.is_none_or(|o| linked.contains(&(o, i.id))))
            .map(|i| IntegrationSummary {
                id: i.id,
                provider: i.provider,
                name: i.name.clone(),
                base_url: i.base_url.as_str().to_owned(),
                verify_tls: i.verify_tls,
                enabled: i.enabled,
                auth_method: i.credentials.method(),
                user: i.credentials.user_name().map(str::to_owned),
                orgs: linked
                    .iter()
                    .filter(|(_, l)| *l == i.id)
                    .filter_map(|(o, _)| state.org(*o).map(|o| o.slug.clone()))
                    .collect(),
            })
            .collect())
    }

    async fn integration(&self, id: IntegrationId) -> Result<Option<Integration>, StoreError> {
        Ok(self
            .state()?
            .integrations
            .iter()
            .find(|i| i.id == id)
            .cloned())
    }

    async fn remove_integration(&self, id: IntegrationId) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        let before = state.integrations.len();
        state.integrations.retain(|i| i.id != id);
        state.links.retain(|(_, i)| *i != id);
        Ok(state.integrations.len() < before)
    }

    async fn set_integration_enabled(
        &self,
        id: IntegrationId,
        enabled: bool,
    ) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        match state.integrations.iter_mut().find(|i| i.id == id) {
            Some(i) => {
                i.enabled = enabled;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn add_token(&self, org: OrgId, token: &StoredToken) -> Result<bool, StoreError> {
        let mut state = self.state()?;
        if state.org(org).is_none() {
            return Err(StoreError::unavailable(Refused(format!(
                "org {org} does not exist"
            ))));
        }
        if state.tokens.iter().any(|t| t.token.hash == token.hash) {
            return Ok(false);
        }
        state.tokens.push(TokenRow {
            org,
            token: token.clone(),
            revoked: false,
        });
        Ok(true)
    }

    async fn revoke_token(&self, selector: &TokenSelector) -> Result<RevokeOutcome, StoreError> {
        let mut state = self.state()?;
        let active = |t: &&mut TokenRow| !t.revoked;
        let by_hash: Vec<usize> = match &selector.whole_token_hash {
            Some(hash) => state
                .tokens
                .iter()
                .enumerate()
                .filter(|(_, t)| !t.revoked && t.token.hash == *hash)
                .map(|(i, _)| i)
                .collect(),
            None => Vec::new(),
        };
        let matches: Vec<usize> = if by_hash.is_empty() {
            state
                .tokens
                .iter()
                .enumerate()
                .filter(|(_, t)| !t.revoked && t.token.id.starts_with(&selector.id_prefix))
                .map(|(i, _)| i)
                .collect()
        } else {
            by_hash
        };
        match matches.as_slice() {
            [] => Ok(RevokeOutcome::NotFound),
            [one] => {
                if let Some(t) = state.tokens.get_mut(*one).filter(active) {
                    t.revoked = true;
                }
                Ok(RevokeOutcome::Revoked)
            }
            several => Ok(RevokeOutcome::Ambiguous(several.len())),
        }
    }
}

impl CredentialUpdates for InMemoryStore {
    async fn save_refresh_token(
        &self,
        integration: IntegrationId,
        refresh_token: &Secret,
    ) -> Result<(), StoreError> {
        let mut state = self.state()?;
        let found = state.integrations.iter_mut().find(|i| i.id == integration);
        match found.map(|i| &mut i.credentials) {
            Some(Credentials::OAuth2 {
                refresh_token: stored,
                ..
            }) => {
                *stored = refresh_token.clone();
                Ok(())
            }
            Some(other) => Err(StoreError::unusable(Refused(format!(
                "integration {integration} uses auth method {}, which has no refresh token",
                other.method()
            )))),
            None => Err(StoreError::unusable(Refused(format!(
                "integration {integration} does not exist"
            )))),
        }
    }
}
