//! The suite against [`InMemoryStore`], and against the fake with one flaw at a time,
//! to show that the check named catches it.

use std::sync::{Arc, Mutex};

use super::fixtures::by_prefix;
use super::the_store_contract;
use crate::model::{
    AppId, AppSummary, Credentials, Integration, IntegrationId, IntegrationName,
    IntegrationSummary, NewApp, NewIntegration, OAuthApp, Org, OrgId, OrgRef, PendingConnection,
    Slug,
};
use crate::ports::{AdminStore, IntegrationStore, RevokeOutcome, StoreError, TokenSelector};
use crate::secret::Secret;
use crate::testing::InMemoryStore;
use crate::token::{StoredToken, TokenSummary};

#[tokio::test]
async fn the_in_memory_store_keeps_the_store_contract() {
    the_store_contract(|| async { InMemoryStore::new() }).await;
}

/// A way to break the fake, to show that the suite catches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flaw {
    /// `create_org` of a taken slug gives the org that has it.
    TakenSlugGivesTheOrg,
    /// `list_orgs` lists by slug.
    ListsOrgsBySlug,
    /// `linked_integration` ignores the org.
    IgnoresLinks,
    /// `linked_integration` hides a disabled integration.
    HidesDisabled,
    /// `list_integrations` forgets the orgs' slugs.
    ListsNoOrgs,
    /// `remove_integration` says `true` whatever the id.
    RemovesAnything,
    /// `add_token` says `true` for a token stored already.
    AddsDuplicates,
    /// `revoke_token` ignores the whole token's hash.
    RevokesByPrefixOnly,
    /// `save_refresh_token` says `Ok` and keeps nothing.
    DropsRefreshTokens,
    /// `save_refresh_token` says `Ok` for an unknown id.
    SavesForAnyone,
    /// `delete_org` keeps the org's connections in flight.
    DeleteKeepsConnections,
    /// `list_tokens` lists in reverse creation order.
    ListsTokensBackwards,
    /// `is_admin_token` also accepts caller tokens.
    CallerTokensAreAdmin,
    /// `update_integration` ignores the name.
    IgnoresNewNames,
    /// `replace_credentials` also enables the integration.
    ReplacingEnables,
    /// `connect_integration` always adds a new integration.
    ConnectAlwaysAdds,
    /// `connect_integration` matches the same Jira of any org.
    ConnectMatchesAnyOrg,
    /// Ids are given again after the newest is removed.
    ReusesIds,
    /// `app` gives the secret back wrong.
    LosesAppSecrets,
    /// `take_connection` leaves the connection in place.
    TakesTwice,
    /// `purge_connections` purges everything.
    PurgesEverything,
    /// `revoke_signing_key` revokes the first active key whose id starts with the text.
    RevokesKeysByPrefix,
    /// `revoke_signing_key` says `true` for an active key and revokes nothing.
    KeepsRevokedKeys,
    /// `begin_renewal` locks nothing: the lease is taken again only to finish.
    LeasesWithoutLock,
    /// A lease's `finish` says `Ok` and stores nothing.
    FinishStoresNothing,
    /// A lease never shows the stored access token.
    ShowsNoAccessToken,
}

// The credential updates of `Flawed`, and the checks that catch their flaws.
mod credentials;
// The signing keys of `Flawed`, and the checks that catch their flaws.
mod signing_keys;

struct Flawed {
    inner: Arc<InMemoryStore>,
    flaw: Flaw,
    /// Every connection saved, by state hash.
    saved: Mutex<Vec<(String, PendingConnection)>>,
    /// The connections `DeleteKeepsConnections` kept of deleted orgs.
    kept: Mutex<Vec<(String, PendingConnection)>>,
}

impl IntegrationStore for Flawed {
    async fn org_for_token_hash(&self, hash: &str) -> Result<Option<OrgId>, StoreError> {
        self.inner.org_for_token_hash(hash).await
    }

    async fn find_org(&self, org: &OrgRef) -> Result<Option<Org>, StoreError> {
        self.inner.find_org(org).await
    }

    async fn linked_integration(
        &self,
        org: OrgId,
        id: IntegrationId,
    ) -> Result<Option<Integration>, StoreError> {
        match self.flaw {
            Flaw::IgnoresLinks => self.inner.integration(id).await,
            Flaw::HidesDisabled => Ok(self
                .inner
                .linked_integration(org, id)
                .await?
                .filter(|i| i.enabled)),
            _ => self.inner.linked_integration(org, id).await,
        }
    }
}

impl AdminStore for Flawed {
    async fn create_org(&self, slug: &Slug) -> Result<Option<Org>, StoreError> {
        let created = self.inner.create_org(slug).await?;
        if created.is_none() && self.flaw == Flaw::TakenSlugGivesTheOrg {
            return self.inner.find_org(&OrgRef::Slug(slug.to_string())).await;
        }
        Ok(created)
    }

    async fn list_orgs(&self) -> Result<Vec<Org>, StoreError> {
        let mut orgs = self.inner.list_orgs().await?;
        if self.flaw == Flaw::ListsOrgsBySlug {
            orgs.sort_by(|a, b| a.slug.as_str().cmp(b.slug.as_str()));
        }
        Ok(orgs)
    }

    async fn add_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<IntegrationId, StoreError> {
        if self.flaw == Flaw::ReusesIds {
            self.inner.forget_removed_ids();
        }
        self.inner.add_integration(org, new).await
    }

    async fn list_integrations(
        &self,
        org: Option<OrgId>,
    ) -> Result<Vec<IntegrationSummary>, StoreError> {
        let mut listed = self.inner.list_integrations(org).await?;
        if self.flaw == Flaw::ListsNoOrgs {
            listed.iter_mut().for_each(|s| s.orgs.clear());
        }
        Ok(listed)
    }

    async fn integration(&self, id: IntegrationId) -> Result<Option<Integration>, StoreError> {
        self.inner.integration(id).await
    }

    async fn remove_integration(&self, id: IntegrationId) -> Result<bool, StoreError> {
        let found = self.inner.remove_integration(id).await?;
        Ok(found || self.flaw == Flaw::RemovesAnything)
    }

    async fn set_integration_enabled(
        &self,
        id: IntegrationId,
        enabled: bool,
    ) -> Result<bool, StoreError> {
        self.inner.set_integration_enabled(id, enabled).await
    }

    async fn add_token(&self, org: OrgId, token: &StoredToken) -> Result<bool, StoreError> {
        let added = self.inner.add_token(org, token).await?;
        Ok(added || self.flaw == Flaw::AddsDuplicates)
    }

    async fn revoke_token(&self, selector: &TokenSelector) -> Result<RevokeOutcome, StoreError> {
        if self.flaw == Flaw::RevokesByPrefixOnly {
            return self
                .inner
                .revoke_token(&by_prefix(&selector.id_prefix))
                .await;
        }
        self.inner.revoke_token(selector).await
    }

    async fn delete_org(&self, org: OrgId) -> Result<bool, StoreError> {
        if self.flaw == Flaw::DeleteKeepsConnections {
            let mut saved = self.saved.lock().unwrap();
            let (of_org, others) = saved.drain(..).partition(|(_, c)| c.org == org);
            *saved = others;
            self.kept.lock().unwrap().extend::<Vec<_>>(of_org);
        }
        self.inner.delete_org(org).await
    }

    async fn list_tokens(&self, org: OrgId) -> Result<Vec<TokenSummary>, StoreError> {
        let mut listed = self.inner.list_tokens(org).await?;
        if self.flaw == Flaw::ListsTokensBackwards {
            listed.reverse();
        }
        Ok(listed)
    }

    async fn update_integration(
        &self,
        id: IntegrationId,
        name: Option<&IntegrationName>,
        enabled: Option<bool>,
    ) -> Result<bool, StoreError> {
        let name = name.filter(|_| self.flaw != Flaw::IgnoresNewNames);
        self.inner.update_integration(id, name, enabled).await
    }

    async fn replace_credentials(
        &self,
        id: IntegrationId,
        credentials: &Credentials,
    ) -> Result<bool, StoreError> {
        if self.flaw == Flaw::ReplacingEnables {
            self.inner.set_integration_enabled(id, true).await?;
        }
        self.inner.replace_credentials(id, credentials).await
    }

    async fn connect_integration(
        &self,
        org: OrgId,
        new: &NewIntegration,
    ) -> Result<(IntegrationId, bool), StoreError> {
        match self.flaw {
            Flaw::ConnectAlwaysAdds => Ok((self.add_integration(org, new).await?, false)),
            Flaw::ConnectMatchesAnyOrg => {
                let same = self
                    .inner
                    .list_integrations(None)
                    .await?
                    .into_iter()
                    .find(|s| s.provider == new.provider && s.base_url == new.base_url.as_str());
                match same {
                    Some(s) => {
                        self.inner
                            .replace_credentials(s.id, &new.credentials)
                            .await?;
                        self.inner.set_integration_enabled(s.id, true).await?;
                        Ok((s.id, true))
                    }
                    None => self.inner.connect_integration(org, new).await,
                }
            }
            _ => {
                if self.flaw == Flaw::ReusesIds {
                    self.inner.forget_removed_ids();
                }
                self.inner.connect_integration(org, new).await
            }
        }
    }

    async fn add_admin_token(&self, token: &StoredToken) -> Result<bool, StoreError> {
        self.inner.add_admin_token(token).await
    }

    async fn is_admin_token(&self, token_hash: &str) -> Result<bool, StoreError> {
        let caller = self.inner.org_for_token_hash(token_hash).await?.is_some();
        let admin = self.inner.is_admin_token(token_hash).await?;
        Ok(admin || (caller && self.flaw == Flaw::CallerTokensAreAdmin))
    }

    async fn revoke_admin_token(
        &self,
        selector: &TokenSelector,
    ) -> Result<RevokeOutcome, StoreError> {
        self.inner.revoke_admin_token(selector).await
    }

    async fn add_app(&self, new: &NewApp) -> Result<AppId, StoreError> {
        self.inner.add_app(new).await
    }

    async fn list_apps(&self) -> Result<Vec<AppSummary>, StoreError> {
        self.inner.list_apps().await
    }

    async fn app(&self, id: AppId) -> Result<Option<OAuthApp>, StoreError> {
        let mut found = self.inner.app(id).await?;
        if self.flaw == Flaw::LosesAppSecrets {
            if let Some(app) = &mut found {
                app.secret = Secret::new(app.secret.expose().trim());
            }
        }
        Ok(found)
    }

    async fn remove_app(&self, id: AppId) -> Result<bool, StoreError> {
        self.inner.remove_app(id).await
    }

    async fn save_connection(
        &self,
        state_hash: &str,
        connection: &PendingConnection,
    ) -> Result<(), StoreError> {
        self.inner.save_connection(state_hash, connection).await?;
        let entry = (state_hash.to_owned(), connection.clone());
        self.saved.lock().unwrap().push(entry);
        Ok(())
    }

    async fn take_connection(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingConnection>, StoreError> {
        let taken = self.inner.take_connection(state_hash).await?;
        if let (Some(c), Flaw::TakesTwice) = (&taken, self.flaw) {
            self.inner.save_connection(state_hash, c).await?;
        }
        if taken.is_none() {
            // What `DeleteKeepsConnections` kept of a deleted org.
            let mut kept = self.kept.lock().unwrap();
            if let Some(at) = kept.iter().position(|(h, _)| h == state_hash) {
                return Ok(Some(kept.remove(at).1));
            }
        }
        Ok(taken)
    }

    async fn purge_connections(&self, now: i64) -> Result<u64, StoreError> {
        let now = if self.flaw == Flaw::PurgesEverything {
            i64::MAX
        } else {
            now
        };
        self.inner.purge_connections(now).await
    }
}

async fn with(flaw: Flaw) {
    the_store_contract(|| async move {
        Flawed {
            inner: Arc::new(InMemoryStore::new()),
            flaw,
            saved: Mutex::default(),
            kept: Mutex::default(),
        }
    })
    .await;
}

#[tokio::test]
#[should_panic(
    expected = "orgs_are_created_once_listed_and_found: create_org with a taken slug gives None"
)]
async fn a_store_that_gives_the_org_of_a_taken_slug_fails() {
    with(Flaw::TakenSlugGivesTheOrg).await;
}

#[tokio::test]
#[should_panic(
    expected = "orgs_are_created_once_listed_and_found: list_orgs lists every org once, by id"
)]
async fn a_store_that_lists_orgs_by_slug_fails() {
    with(Flaw::ListsOrgsBySlug).await;
}

#[tokio::test]
#[should_panic(
    expected = "integrations_are_linked_only_to_their_org: linked_integration(org 2, integration 1) of another org"
)]
async fn a_store_that_ignores_links_fails() {
    with(Flaw::IgnoresLinks).await;
}

#[tokio::test]
#[should_panic(
    expected = "disabling_keeps_the_integration_and_its_credentials: linked_integration gives \"oauth2 on Cloud\" found disabled"
)]
async fn a_store_that_hides_disabled_integrations_fails() {
    with(Flaw::HidesDisabled).await;
}

#[tokio::test]
#[should_panic(
    expected = "integrations_are_listed_by_id_with_their_orgs: list_integrations(None) lists all, by id"
)]
async fn a_store_that_lists_no_orgs_fails() {
    with(Flaw::ListsNoOrgs).await;
}

#[tokio::test]
#[should_panic(
    expected = "removing_an_integration_removes_its_links: remove_integration of an integration removed already is false"
)]
async fn a_store_that_removes_anything_fails() {
    with(Flaw::RemovesAnything).await;
}

#[tokio::test]
#[should_panic(
    expected = "tokens_authenticate_their_org_and_are_stored_once: a token stored already is not added again"
)]
async fn a_store_that_adds_duplicate_tokens_fails() {
    with(Flaw::AddsDuplicates).await;
}

#[tokio::test]
#[should_panic(expected = "tokens_are_revoked_by_whole_token_then_by_id_prefix: revoke_token")]
async fn a_store_that_revokes_by_prefix_only_fails() {
    with(Flaw::RevokesByPrefixOnly).await;
}

#[tokio::test]
#[should_panic(
    expected = "deleting_an_org_removes_its_tokens_links_and_connections: its connection is gone"
)]
async fn a_store_that_keeps_a_deleted_orgs_connections_fails() {
    with(Flaw::DeleteKeepsConnections).await;
}

#[tokio::test]
#[should_panic(
    expected = "tokens_are_listed_by_org_active_in_creation_order: acme's active tokens, in creation order"
)]
async fn a_store_that_lists_tokens_backwards_fails() {
    with(Flaw::ListsTokensBackwards).await;
}

#[tokio::test]
#[should_panic(
    expected = "admin_tokens_are_kept_apart_from_caller_tokens: a caller token is no admin token"
)]
async fn a_store_that_takes_caller_tokens_for_admin_tokens_fails() {
    with(Flaw::CallerTokensAreAdmin).await;
}

#[tokio::test]
#[should_panic(
    expected = "integrations_are_renamed_and_enabled_by_update: linked_integration gives \"renamed \\\"é\\\"\" renamed only"
)]
async fn a_store_that_ignores_new_names_fails() {
    with(Flaw::IgnoresNewNames).await;
}

#[tokio::test]
#[should_panic(
    expected = "replacing_credentials_keeps_id_name_links_and_state: linked_integration gives"
)]
async fn a_store_that_enables_on_new_credentials_fails() {
    with(Flaw::ReplacingEnables).await;
}

#[tokio::test]
#[should_panic(
    expected = "connecting_the_same_jira_again_replaces_its_credentials: connecting again updates, same id"
)]
async fn a_store_that_always_adds_on_connect_fails() {
    with(Flaw::ConnectAlwaysAdds).await;
}

#[tokio::test]
#[should_panic(
    expected = "connecting_the_same_jira_again_replaces_its_credentials: the same Jira of another org is not matched"
)]
async fn a_store_that_matches_another_orgs_jira_fails() {
    with(Flaw::ConnectMatchesAnyOrg).await;
}

#[tokio::test]
#[should_panic(expected = "ids_are_never_reused: connect_integration gives a new id")]
async fn a_store_that_reuses_ids_fails() {
    with(Flaw::ReusesIds).await;
}

#[tokio::test]
#[should_panic(expected = "apps_round_trip_and_go_with_their_connections: app(1) as added")]
async fn a_store_that_loses_app_secrets_fails() {
    with(Flaw::LosesAppSecrets).await;
}

#[tokio::test]
#[should_panic(expected = "connections_are_taken_once_in_every_stage: a second take gives None")]
async fn a_store_that_lets_a_state_be_taken_twice_fails() {
    with(Flaw::TakesTwice).await;
}

#[tokio::test]
#[should_panic(expected = "only_expired_connections_are_purged: the two expired before 200")]
async fn a_store_that_purges_everything_fails() {
    with(Flaw::PurgesEverything).await;
}
