//! [`Flawed`]'s credential updates (refresh tokens, renewal leases), and the checks that
//! catch their flaws.

use std::sync::Arc;

use super::{with, Flaw, Flawed};
use crate::model::IntegrationId;
use crate::ports::{
    AdminStore, CredentialUpdates, FinishFuture, LeaseHolder, RenewalLease, RenewedTokens,
    StoreError,
};
use crate::secret::Secret;
use crate::testing::InMemoryStore;

impl CredentialUpdates for Flawed {
    async fn save_refresh_token(
        &self,
        integration: IntegrationId,
        refresh_token: &Secret,
    ) -> Result<(), StoreError> {
        let known = self.inner.integration(integration).await?.is_some();
        match self.flaw {
            Flaw::DropsRefreshTokens => Ok(()),
            Flaw::SavesForAnyone if !known => Ok(()),
            _ => {
                self.inner
                    .save_refresh_token(integration, refresh_token)
                    .await
            }
        }
    }

    async fn begin_renewal(&self, integration: IntegrationId) -> Result<RenewalLease, StoreError> {
        let inner = self.inner.begin_renewal(integration).await?;
        let (refresh, access) = (inner.refresh_token().clone(), inner.access().cloned());
        let (access, holder) = match self.flaw {
            Flaw::LeasesWithoutLock => {
                drop(inner);
                let later = Later(self.inner.clone(), integration);
                (access, FlawedHolder::Later(later))
            }
            Flaw::FinishStoresNothing => (access, FlawedHolder::Nothing(inner)),
            Flaw::ShowsNoAccessToken => (None, FlawedHolder::Pass(inner)),
            _ => return Ok(inner),
        };
        Ok(RenewalLease::new(refresh, access, Box::new(holder)))
    }
}

/// The store and the integration a lease that holds no lock finishes on.
struct Later(Arc<InMemoryStore>, IntegrationId);

/// The holders of flawed leases.
enum FlawedHolder {
    /// Takes a lease only to finish.
    Later(Later),
    /// Drops the real lease on finish.
    Nothing(RenewalLease),
    /// Finishes the real lease.
    Pass(RenewalLease),
}

impl LeaseHolder for FlawedHolder {
    fn finish(self: Box<Self>, renewed: RenewedTokens) -> FinishFuture {
        let RenewedTokens {
            refresh_token,
            access,
        } = renewed;
        match *self {
            Self::Later(Later(store, id)) => Box::pin(async move {
                let lease = store.begin_renewal(id).await?;
                lease.finish(refresh_token, access).await
            }),
            Self::Nothing(lease) => {
                drop(lease);
                Box::pin(std::future::ready(Ok(())))
            }
            Self::Pass(lease) => Box::pin(lease.finish(refresh_token, access)),
        }
    }
}

#[tokio::test]
#[should_panic(
    expected = "refresh_tokens_are_replaced_only_on_oauth2: linked_integration gives \"oauth2 on Cloud\" with the last token saved"
)]
async fn a_store_that_drops_refresh_tokens_fails() {
    with(Flaw::DropsRefreshTokens).await;
}

#[tokio::test]
#[should_panic(
    expected = "refresh_tokens_are_replaced_only_on_oauth2: save_refresh_token on an unknown id is an Err"
)]
async fn a_store_that_saves_refresh_tokens_for_anyone_fails() {
    with(Flaw::SavesForAnyone).await;
}

#[tokio::test]
#[should_panic(
    expected = "renewal_leases_are_taken_one_at_a_time: a second lease on the same integration waits while the first lives"
)]
async fn a_store_whose_leases_lock_nothing_fails() {
    with(Flaw::LeasesWithoutLock).await;
}

#[tokio::test]
#[should_panic(
    expected = "renewal_leases_show_what_was_stored_and_store_what_was_renewed: linked_integration gives \"oauth2 on Cloud\" with the rotated refresh token"
)]
async fn a_store_whose_leases_store_nothing_fails() {
    with(Flaw::FinishStoresNothing).await;
}

#[tokio::test]
#[should_panic(
    expected = "renewal_leases_show_what_was_stored_and_store_what_was_renewed: the lease shows the stored access token"
)]
async fn a_store_whose_leases_hide_the_access_token_fails() {
    with(Flaw::ShowsNoAccessToken).await;
}
