//! The suite against [`InMemoryStore`], and against the fake with one flaw at a time,
//! to show that the check named catches it.

use super::fixtures::by_prefix;
use super::the_store_contract;
use crate::model::{
    Integration, IntegrationId, IntegrationSummary, NewIntegration, Org, OrgId, OrgRef, Slug,
};
use crate::ports::{
    AdminStore, CredentialUpdates, IntegrationStore, RevokeOutcome, StoreError, TokenSelector,
};
use crate::secret::Secret;
use crate::testing::InMemoryStore;
use crate::token::StoredToken;

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
}

struct Flawed {
    inner: InMemoryStore,
    flaw: Flaw,
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
}

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
}

async fn with(flaw: Flaw) {
    the_store_contract(|| async move {
        Flawed {
            inner: InMemoryStore::new(),
            flaw,
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
