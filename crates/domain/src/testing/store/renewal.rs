//! [`InMemoryStore`]'s renewal leases: one lock per integration of this store
//! ([`RenewalLocks`]), and the shared access token kept beside the refresh token it was
//! stored with, so that new credentials forget it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::{lock, Down, InMemoryStore, Refused, State};
use crate::model::{Credentials, IntegrationId};
use crate::ports::{
    FinishFuture, LeaseHolder, RenewalGuard, RenewalLease, RenewedTokens, SharedAccessToken,
    StoreError,
};
use crate::secret::Secret;

/// A shared access token and the refresh token stored when it was.
#[derive(Debug)]
pub(super) struct Shared {
    with_refresh: Secret,
    access: SharedAccessToken,
}

impl State {
    /// The stored refresh token of OAuth 2.0 integration `id`.
    pub(super) fn refresh_token_mut(
        &mut self,
        id: IntegrationId,
    ) -> Result<&mut Secret, StoreError> {
        match self.integration_mut(id).map(|i| &mut i.credentials) {
            Some(Credentials::OAuth2 { refresh_token, .. }) => Ok(refresh_token),
            Some(other) => Err(StoreError::unusable(Refused(format!(
                "integration {id} uses auth method {}, which has no refresh token",
                other.method()
            )))),
            None => Err(StoreError::unusable(Refused(format!(
                "integration {id} does not exist"
            )))),
        }
    }
}

impl InMemoryStore {
    /// [`crate::ports::CredentialUpdates::begin_renewal`].
    pub(super) async fn lease(&self, id: IntegrationId) -> Result<RenewalLease, StoreError> {
        let guard = self.renewals.lock(id).await;
        let mut state = self.state()?;
        let refresh = state.refresh_token_mut(id)?.clone();
        let access = state
            .shared_access
            .get(&id)
            .filter(|s| s.with_refresh == refresh)
            .map(|s| s.access.clone());
        drop(state);
        let holder = Holder {
            state: self.state.clone(),
            down: self.down.clone(),
            id,
            read: refresh.clone(),
            _guard: guard,
        };
        Ok(RenewalLease::new(refresh, access, Box::new(holder)))
    }
}

/// The lock of one lease, and where it writes.
struct Holder {
    state: Arc<Mutex<State>>,
    down: Arc<AtomicBool>,
    id: IntegrationId,
    /// The refresh token the lease showed: if another is stored at the end, the credentials
    /// were replaced meanwhile and nothing is written.
    read: Secret,
    _guard: RenewalGuard,
}

impl Holder {
    fn store(&self, renewed: RenewedTokens) -> Result<(), StoreError> {
        if self.down.load(Ordering::Relaxed) {
            return Err(StoreError::unavailable(Down));
        }
        let mut state = lock(&self.state);
        let stored = state.refresh_token_mut(self.id)?;
        if *stored != self.read {
            return Err(StoreError::unavailable(Refused(format!(
                "the credentials of integration {} were replaced during the renewal: its tokens are not stored",
                self.id
            ))));
        }
        if let Some(rotated) = renewed.refresh_token {
            *stored = rotated;
        }
        let with_refresh = stored.clone();
        state.shared_access.insert(
            self.id,
            Shared {
                with_refresh,
                access: renewed.access,
            },
        );
        Ok(())
    }
}

impl LeaseHolder for Holder {
    fn finish(self: Box<Self>, renewed: RenewedTokens) -> FinishFuture {
        let stored = self.store(renewed);
        // The guard goes with the holder: the next lease sees what was stored.
        drop(self);
        Box::pin(std::future::ready(stored))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BaseUrl, Integration, Provider};
    use crate::ports::{AdminStore, CredentialUpdates};

    fn oauth2(refresh: &str) -> Credentials {
        Credentials::OAuth2 {
            client_id: "c".into(),
            token_url: "https://auth.example.com/token".into(),
            client_secret: Secret::new("s"),
            refresh_token: Secret::new(refresh),
        }
    }

    #[tokio::test]
    async fn a_lease_whose_credentials_were_replaced_stores_nothing() {
        let store = InMemoryStore::new();
        let org = store.seed_org("acme");
        let id = IntegrationId(3);
        store.seed_integration(
            org.id,
            Integration {
                id,
                provider: Provider::JiraCloud,
                name: "o".into(),
                base_url: BaseUrl::parse("https://acme.atlassian.net", false).unwrap(),
                verify_tls: true,
                enabled: true,
                credentials: oauth2("r0"),
            },
        );
        let lease = store.begin_renewal(id).await.unwrap();
        assert!(store.replace_credentials(id, &oauth2("new")).await.unwrap());
        let access = SharedAccessToken {
            token: Secret::new("a"),
            valid_until: 4_000_000_000,
        };
        let res = lease.finish(Some(Secret::new("r1")), access).await;
        assert!(matches!(res, Err(StoreError::Unavailable(_))), "{res:?}");
        let lease = store.begin_renewal(id).await.unwrap();
        assert_eq!(
            (lease.refresh_token().expose(), lease.access()),
            ("new", None)
        );
    }
}
