//! A store under one check.

use super::fixtures::slug;
use crate::model::{Integration, IntegrationId, IntegrationSummary, NewIntegration, Org, OrgId};
use crate::ports::{AdminStore, IntegrationStore, RevokeOutcome, StoreError, TokenSelector};
use crate::token::{hash_token, token_id, StoredToken};

/// A store under one check: each call gives the value of its `Ok`, or panics naming the
/// check, the call and the error (`StoreError`'s `Debug` shows its source).
pub(super) struct Check<'a, S> {
    name: &'static str,
    store: &'a S,
}

impl<'a, S: IntegrationStore + AdminStore> Check<'a, S> {
    pub(super) fn new(name: &'static str, store: &'a S) -> Self {
        Self { name, store }
    }

    #[track_caller]
    pub(super) fn ok<T>(&self, call: &str, res: Result<T, StoreError>) -> T {
        res.unwrap_or_else(|e| panic!("{}: {call} failed: {e:?}", self.name))
    }

    /// A new org.
    pub(super) async fn org(&self, s: &str) -> Org {
        let created = self.ok("create_org", self.store.create_org(&slug(s)).await);
        created.unwrap_or_else(|| panic!("{}: create_org({s}) gave None", self.name))
    }

    pub(super) async fn orgs(&self) -> Vec<Org> {
        self.ok("list_orgs", self.store.list_orgs().await)
    }

    pub(super) async fn add(&self, org: &Org, new: &NewIntegration) -> IntegrationId {
        self.ok(
            "add_integration",
            self.store.add_integration(org.id, new).await,
        )
    }

    pub(super) async fn linked(&self, org: OrgId, id: IntegrationId) -> Option<Integration> {
        self.ok(
            "linked_integration",
            self.store.linked_integration(org, id).await,
        )
    }

    pub(super) async fn integration(&self, id: IntegrationId) -> Option<Integration> {
        self.ok("integration", self.store.integration(id).await)
    }

    /// Asserts that both `linked_integration` (for `org`) and `integration` give `want`.
    pub(super) async fn reads_as(&self, org: OrgId, want: &Integration, what: &str) {
        let (name, id) = (self.name, want.id);
        let linked = self.linked(org, id).await;
        assert_eq!(
            linked.as_ref(),
            Some(want),
            "{name}: linked_integration gives {:?} {what}",
            want.name
        );
        let found = self.integration(id).await;
        let whom = &want.name;
        assert_eq!(
            found.as_ref(),
            Some(want),
            "{name}: integration(id) gives {whom:?} {what}"
        );
    }

    pub(super) async fn list(&self, org: Option<OrgId>) -> Vec<IntegrationSummary> {
        self.ok("list_integrations", self.store.list_integrations(org).await)
    }

    pub(super) async fn set_enabled(&self, id: IntegrationId, enabled: bool) -> bool {
        let res = self.store.set_integration_enabled(id, enabled).await;
        self.ok("set_integration_enabled", res)
    }

    pub(super) async fn remove(&self, id: IntegrationId) -> bool {
        self.ok(
            "remove_integration",
            self.store.remove_integration(id).await,
        )
    }

    pub(super) async fn add_token(&self, org: OrgId, token: &str) -> bool {
        let res = self.store.add_token(org, &StoredToken::of(token)).await;
        self.ok("add_token", res)
    }

    /// Asserts what `revoke_token` finds.
    pub(super) async fn revoke(&self, selector: &TokenSelector, want: RevokeOutcome) {
        let got = self.ok("revoke_token", self.store.revoke_token(selector).await);
        assert_eq!(got, want, "{}: revoke_token({selector:?})", self.name);
    }

    /// Asserts which org each token authenticates (`None`: none).
    pub(super) async fn authenticates(&self, expected: &[(&str, Option<OrgId>)], after: &str) {
        for (token, org) in expected {
            let res = self.store.org_for_token_hash(&hash_token(token)).await;
            let got = self.ok("org_for_token_hash", res);
            let (name, id) = (self.name, token_id(token));
            assert_eq!(
                got, *org,
                "{name}: after {after}, token {id}… authenticates {org:?}"
            );
        }
    }
}
