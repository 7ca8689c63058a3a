//! [`InMemoryStore`]: every store port over a mutex-guarded state. The search's side and the
//! credential updates are here; the administration's side is in `admin`.

mod admin;
mod renewal;
mod signing_keys;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::model::{
    AppId, Integration, IntegrationId, OAuthApp, Org, OrgId, OrgRef, PendingConnection, Slug,
};
use crate::ports::{
    CredentialUpdates, IntegrationStore, RenewalLease, RenewalLocks, RevokeOutcome, StoreError,
    TokenSelector,
};
use crate::secret::Secret;
use crate::token::StoredToken;

#[derive(Debug, Default)]
struct State {
    orgs: Vec<Org>,
    integrations: Vec<Integration>,
    /// When each integration was stored (RFC 3339).
    integrations_created: Vec<(IntegrationId, String)>,
    /// (org, integration), in the order linked.
    links: Vec<(OrgId, IntegrationId)>,
    /// Caller tokens (with their org) and admin tokens (without), in creation order.
    tokens: Vec<TokenRow>,
    apps: Vec<OAuthApp>,
    /// Connections in flight by state hash, in the order saved.
    connections: Vec<(String, PendingConnection)>,
    /// Signing keys of browser tokens, active and revoked, in creation order.
    signing_keys: Vec<SigningKeyRow>,
    /// The shared OAuth 2.0 access token of each integration, with the refresh token it was
    /// stored beside: new credentials forget it.
    shared_access: HashMap<IntegrationId, renewal::Shared>,
    /// The last id given: ids only grow, so none is given twice, even after a delete.
    next_org: i64,
    next_integration: i64,
    next_app: i64,
}

#[derive(Debug)]
struct TokenRow {
    /// The org of a caller token; `None` for an admin token.
    org: Option<OrgId>,
    token: StoredToken,
    revoked: bool,
    created_at: String,
}

#[derive(Debug)]
struct SigningKeyRow {
    org: OrgId,
    /// Its id, name and creation time as listed.
    summary: crate::browser_token::SigningKeySummary,
    secret: Secret,
    revoked: bool,
}

/// The store ports in memory: what a test needs to run the service without a database. It
/// fails like a dead database when told to ([`InMemoryStore::set_down`]).
#[derive(Debug, Default)]
pub struct InMemoryStore {
    // Shared with the renewal leases it gives, which write when they finish.
    state: Arc<Mutex<State>>,
    down: Arc<AtomicBool>,
    renewals: RenewalLocks,
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

/// The current time in RFC 3339, UTC, to the second (`2026-12-03T12:00:00Z`).
fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(i64::try_from(secs).unwrap_or(0))
}

/// `secs` since the Unix epoch in RFC 3339, UTC, to the second.
fn rfc3339(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days_from_civil, inverted: the proleptic Gregorian date of `days`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
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
        state
            .integrations_created
            .push((integration.id, now_rfc3339()));
        state.integrations.push(integration);
    }

    /// Stores a caller token of `org`.
    pub fn seed_token(&self, org: OrgId, token: &str) {
        lock(&self.state).tokens.push(TokenRow {
            org: Some(org),
            token: StoredToken::of(token),
            revoked: false,
            created_at: now_rfc3339(),
        });
    }

    /// Gives the next integration the largest id in use plus one, as SQLite's plain
    /// `INTEGER PRIMARY KEY` does: shows that the contract catches an id given twice.
    #[cfg(test)]
    pub(crate) fn forget_removed_ids(&self) {
        let mut state = lock(&self.state);
        state.next_integration = state.integrations.iter().map(|i| i.id.0).max().unwrap_or(0);
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

    fn app(&self, id: AppId) -> Option<&OAuthApp> {
        self.apps.iter().find(|a| a.id == id)
    }

    fn integration_mut(&mut self, id: IntegrationId) -> Option<&mut Integration> {
        self.integrations.iter_mut().find(|i| i.id == id)
    }

    /// Fails as a real store does when a write names an org that does not exist.
    fn require_org(&self, org: OrgId) -> Result<(), StoreError> {
        match self.org(org) {
            Some(_) => Ok(()),
            None => Err(StoreError::unavailable(Refused(format!(
                "org {org} does not exist"
            )))),
        }
    }

    /// Revokes the one active token (`admin`: among admin tokens, else among caller tokens)
    /// `selector` names: first by whole-token hash, then by id prefix.
    fn revoke(&mut self, admin: bool, selector: &TokenSelector) -> RevokeOutcome {
        let active: Vec<usize> = (0..self.tokens.len())
            .filter(|&i| self.tokens[i].org.is_none() == admin && !self.tokens[i].revoked)
            .collect();
        let by_hash: Vec<usize> = match &selector.whole_token_hash {
            Some(hash) => active
                .iter()
                .copied()
                .filter(|&i| self.tokens[i].token.hash == *hash)
                .collect(),
            None => Vec::new(),
        };
        let matches: Vec<usize> = if by_hash.is_empty() {
            active
                .into_iter()
                .filter(|&i| self.tokens[i].token.id.starts_with(&selector.id_prefix))
                .collect()
        } else {
            by_hash
        };
        match matches.as_slice() {
            [] => RevokeOutcome::NotFound,
            [one] => {
                self.tokens[*one].revoked = true;
                RevokeOutcome::Revoked
            }
            several => RevokeOutcome::Ambiguous(several.len()),
        }
    }
}

impl IntegrationStore for InMemoryStore {
    async fn org_for_token_hash(&self, token_hash: &str) -> Result<Option<OrgId>, StoreError> {
        Ok(self
            .state()?
            .tokens
            .iter()
            .find(|t| t.org.is_some() && !t.revoked && t.token.hash == token_hash)
            .and_then(|t| t.org))
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

impl CredentialUpdates for InMemoryStore {
    async fn save_refresh_token(
        &self,
        integration: IntegrationId,
        refresh_token: &Secret,
    ) -> Result<(), StoreError> {
        *self.state()?.refresh_token_mut(integration)? = refresh_token.clone();
        Ok(())
    }

    async fn begin_renewal(&self, integration: IntegrationId) -> Result<RenewalLease, StoreError> {
        self.lease(integration).await
    }
}

#[cfg(test)]
mod tests {
    use super::{now_rfc3339, rfc3339};

    #[test]
    fn the_clock_writes_rfc3339_in_utc() {
        for (secs, want) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_796_299_199, "2026-12-03T11:59:59Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
        ] {
            assert_eq!(rfc3339(secs), want, "{secs}");
        }
        let now = now_rfc3339();
        assert!(now.as_str() > "2025" && now.ends_with('Z'), "{now}");
    }
}
