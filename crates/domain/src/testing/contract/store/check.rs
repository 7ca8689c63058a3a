//! A store under one check.

use super::fixtures::{is_utc_rfc3339, slug};
use crate::model::{
    AppId, AppSummary, Integration, IntegrationId, IntegrationName, IntegrationSummary, NewApp,
    NewIntegration, OAuthApp, Org, OrgId, PendingConnection,
};
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

    /// `list_integrations`, each `created_at` checked (RFC 3339, UTC) and then blanked, so
    /// that a listing compares with [`super::fixtures::summary`].
    pub(super) async fn list(&self, org: Option<OrgId>) -> Vec<IntegrationSummary> {
        let mut listed = self.ok("list_integrations", self.store.list_integrations(org).await);
        for s in &mut listed {
            self.stamped("list_integrations", &std::mem::take(&mut s.created_at));
        }
        listed
    }

    /// Asserts that `at` is an RFC 3339 time in UTC.
    #[track_caller]
    pub(super) fn stamped(&self, call: &str, at: &str) {
        let name = self.name;
        assert!(
            is_utc_rfc3339(at),
            "{name}: {call} gives created_at {at:?}, not RFC 3339 in UTC"
        );
    }

    pub(super) async fn update(
        &self,
        id: IntegrationId,
        name: Option<&IntegrationName>,
        enabled: Option<bool>,
    ) -> bool {
        let res = self.store.update_integration(id, name, enabled).await;
        self.ok("update_integration", res)
    }

    pub(super) async fn connect(&self, org: OrgId, new: &NewIntegration) -> (IntegrationId, bool) {
        let res = self.store.connect_integration(org, new).await;
        self.ok("connect_integration", res)
    }

    pub(super) async fn delete_org(&self, org: OrgId) -> bool {
        self.ok("delete_org", self.store.delete_org(org).await)
    }

    /// The active caller tokens of `org` as (prefix, name), each `created_at` checked.
    pub(super) async fn tokens_of(&self, org: OrgId) -> Vec<(String, Option<String>)> {
        let listed = self.ok("list_tokens", self.store.list_tokens(org).await);
        for t in &listed {
            self.stamped("list_tokens", &t.created_at);
        }
        listed.into_iter().map(|t| (t.prefix, t.name)).collect()
    }

    pub(super) async fn is_admin(&self, token: &str) -> bool {
        let res = self.store.is_admin_token(&hash_token(token)).await;
        self.ok("is_admin_token", res)
    }

    /// Asserts what `revoke_admin_token` finds.
    pub(super) async fn revoke_admin(&self, selector: &TokenSelector, want: RevokeOutcome) {
        let got = self.ok(
            "revoke_admin_token",
            self.store.revoke_admin_token(selector).await,
        );
        assert_eq!(got, want, "{}: revoke_admin_token({selector:?})", self.name);
    }

    pub(super) async fn add_app(&self, new: &NewApp) -> AppId {
        self.ok("add_app", self.store.add_app(new).await)
    }

    /// `app(id)`, its `created_at` checked and then blanked.
    pub(super) async fn app(&self, id: AppId) -> Option<OAuthApp> {
        let mut found = self.ok("app", self.store.app(id).await);
        if let Some(app) = &mut found {
            self.stamped("app", &std::mem::take(&mut app.created_at));
        }
        found
    }

    /// `list_apps`, each `created_at` checked and then blanked.
    pub(super) async fn apps(&self) -> Vec<AppSummary> {
        let mut listed = self.ok("list_apps", self.store.list_apps().await);
        for app in &mut listed {
            self.stamped("list_apps", &std::mem::take(&mut app.created_at));
        }
        listed
    }

    pub(super) async fn remove_app(&self, id: AppId) -> bool {
        self.ok("remove_app", self.store.remove_app(id).await)
    }

    pub(super) async fn save(&self, state_hash: &str, connection: &PendingConnection) {
        let res = self.store.save_connection(state_hash, connection).await;
        self.ok("save_connection", res);
    }

    pub(super) async fn take(&self, state_hash: &str) -> Option<PendingConnection> {
        let res = self.store.take_connection(state_hash).await;
        self.ok("take_connection", res)
    }

    pub(super) async fn purge(&self, now: i64) -> u64 {
        self.ok("purge_connections", self.store.purge_connections(now).await)
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
