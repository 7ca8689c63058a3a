//! The store contract: what every implementation of [`IntegrationStore`], [`AdminStore`]
//! and [`CredentialUpdates`] does, as checks any adapter runs against its own stores (an
//! adapter's test passes a closure that makes a new store, as `crates/store-sqlite/tests/
//! contract.rs` does):
//!
//! ```
//! use domain::testing::contract::store::the_store_contract;
//! use domain::testing::InMemoryStore;
//!
//! async fn the_fake_keeps_the_store_contract() {
//!     the_store_contract(|| async { InMemoryStore::new() }).await;
//! }
//! ```
//!
//! Each check takes a fresh (empty) store and panics with a message that starts with the
//! check's name. Only what the ports document is checked: ids are compared with each other,
//! never with fixed numbers, and an error is only checked to be an `Err`.

use std::future::Future;

use crate::admin::revoke_selector;
use crate::model::{
    BaseUrl, Credentials, Integration, IntegrationId, IntegrationName, IntegrationSummary,
    NewIntegration, Org, OrgId, OrgRef, Provider, Slug, ATLASSIAN_TOKEN_URL,
};
use crate::ports::{
    AdminStore, CredentialUpdates, IntegrationStore, RevokeOutcome, StoreError, TokenSelector,
};
use crate::secret::Secret;
use crate::token::{hash_token, token_from_random, token_id, StoredToken};

/// Runs every check of the store contract, each on a fresh store made by `new_store`.
///
/// # Panics
/// At the first broken promise, naming the check and what differed.
pub async fn the_store_contract<S, F, Fut>(new_store: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: IntegrationStore + AdminStore + CredentialUpdates,
{
    orgs_are_created_once_listed_and_found(&new_store().await).await;
    every_credential_kind_round_trips(&new_store().await).await;
    integrations_are_linked_only_to_their_org(&new_store().await).await;
    integrations_are_listed_by_id_with_their_orgs(&new_store().await).await;
    disabling_keeps_the_integration_and_its_credentials(&new_store().await).await;
    removing_an_integration_removes_its_links(&new_store().await).await;
    writes_for_an_unknown_org_fail_and_write_nothing(&new_store().await).await;
    tokens_authenticate_their_org_and_are_stored_once(&new_store().await).await;
    tokens_are_revoked_by_whole_token_then_by_id_prefix(&new_store().await).await;
    ambiguous_and_unknown_revocations_change_nothing(&new_store().await).await;
    refresh_tokens_are_replaced_only_on_oauth2(&new_store().await).await;
    the_store_answers_pings(&new_store().await).await;
}

/// `create_org` makes an org once (a taken slug gives `None` and writes nothing),
/// `list_orgs` lists them by id, `find_org` finds them by id and by exact slug.
pub async fn orgs_are_created_once_listed_and_found<S: IntegrationStore + AdminStore>(store: &S) {
    const CHECK: &str = "orgs_are_created_once_listed_and_found";
    let c = Check::new(CHECK, store);
    assert_eq!(c.orgs().await, [], "{CHECK}: a fresh store lists no org");
    // Created in the reverse of the slugs' order, so that a listing by slug shows.
    let zeta = c.org("zeta").await;
    let alpha = c.org("alpha").await;
    assert_eq!(zeta.slug.as_str(), "zeta", "{CHECK}: the new org's slug");
    assert_eq!(alpha.slug.as_str(), "alpha", "{CHECK}: the new org's slug");
    assert_ne!(zeta.id, alpha.id, "{CHECK}: two orgs have two ids");

    let again = c.ok("create_org", store.create_org(&slug("zeta")).await);
    assert_eq!(
        again, None,
        "{CHECK}: create_org with a taken slug gives None"
    );
    let mut by_id = vec![zeta.clone(), alpha.clone()];
    by_id.sort_by_key(|o| o.id);
    assert_eq!(
        c.orgs().await,
        by_id,
        "{CHECK}: list_orgs lists every org once, by id (the taken slug wrote nothing)"
    );

    let ghost = unknown_org(&by_id);
    for (org, want, what) in [
        (OrgRef::Id(zeta.id.0), Some(&zeta), "by id"),
        (OrgRef::Slug("alpha".into()), Some(&alpha), "by slug"),
        (
            OrgRef::parse(&alpha.id.to_string()),
            Some(&alpha),
            "by id as typed",
        ),
        (OrgRef::Id(ghost.0), None, "by an unknown id"),
        (OrgRef::Slug("nope".into()), None, "by an unknown slug"),
        (
            OrgRef::Slug("ZETA".into()),
            None,
            "by a slug in another case",
        ),
        (OrgRef::Slug("zet".into()), None, "by the start of a slug"),
    ] {
        let found = c.ok("find_org", store.find_org(&org).await);
        assert_eq!(found.as_ref(), want, "{CHECK}: find_org {what} ({org})");
    }
}

/// Every credential kind comes back from `linked_integration` and `integration` exactly as
/// registered, enabled, whatever was registered after it.
pub async fn every_credential_kind_round_trips<S: IntegrationStore + AdminStore>(store: &S) {
    const CHECK: &str = "every_credential_kind_round_trips";
    let c = Check::new(CHECK, store);
    let org = c.org("acme").await;
    let mut added = Vec::new();
    for new in every_kind() {
        let id = c.add(&org, &new).await;
        let want = stored(id, &new, true);
        c.reads_as(org.id, &want, "as registered, enabled").await;
        added.push(want);
    }
    let mut ids: Vec<IntegrationId> = added.iter().map(|i| i.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        added.len(),
        "{CHECK}: every integration has its own id"
    );
    for want in &added {
        c.reads_as(org.id, want, "unchanged by the later writes")
            .await;
    }
}

/// `linked_integration` answers only for the org an integration was registered with;
/// `integration` answers whatever the links; unknown ids give `None`.
pub async fn integrations_are_linked_only_to_their_org<S: IntegrationStore + AdminStore>(
    store: &S,
) {
    const CHECK: &str = "integrations_are_linked_only_to_their_org";
    let c = Check::new(CHECK, store);
    let (acme, beta) = (c.org("acme").await, c.org("beta").await);
    let kinds = every_kind();
    let a = c.add(&acme, &kinds[0]).await;
    let b = c.add(&beta, &kinds[1]).await;
    let ghost_org = unknown_org([&acme, &beta]);
    let ghost = IntegrationId(a.0.max(b.0) + 1000);
    for (org, id, linked, what) in [
        (acme.id, a, true, "its own org"),
        (beta.id, b, true, "its own org"),
        (beta.id, a, false, "another org"),
        (acme.id, b, false, "another org"),
        (ghost_org, a, false, "an unknown org"),
        (acme.id, ghost, false, "an unknown integration"),
    ] {
        let found = c.linked(org, id).await.map(|i| i.id);
        assert_eq!(
            found,
            linked.then_some(id),
            "{CHECK}: linked_integration(org {org}, integration {id}) of {what}"
        );
    }
    assert_eq!(
        c.integration(b).await,
        Some(stored(b, &kinds[1], true)),
        "{CHECK}: integration(id) answers whatever org it is linked to"
    );
    let found = c.integration(ghost).await;
    assert_eq!(found, None, "{CHECK}: integration(unknown id) is None");
}

/// `list_integrations` lists every integration (or those of one org) by id, with its
/// non-secret fields and the slugs of its orgs.
pub async fn integrations_are_listed_by_id_with_their_orgs<S: IntegrationStore + AdminStore>(
    store: &S,
) {
    const CHECK: &str = "integrations_are_listed_by_id_with_their_orgs";
    let c = Check::new(CHECK, store);
    assert_eq!(
        c.list(None).await,
        [],
        "{CHECK}: a fresh store lists no integration"
    );
    let (acme, beta, empty) = (
        c.org("acme").await,
        c.org("beta").await,
        c.org("empty").await,
    );
    let mut all = Vec::new();
    for (i, new) in every_kind().iter().enumerate() {
        // Every other one in beta, so that both filters have several to list.
        let org = if i % 2 == 0 { &acme } else { &beta };
        let id = c.add(org, new).await;
        all.push(summary(id, new, &org.slug));
    }
    all.sort_by_key(|s| s.id);
    assert_eq!(
        c.list(None).await,
        all,
        "{CHECK}: list_integrations(None) lists all, by id"
    );

    for org in [&acme, &beta, &empty] {
        let want: Vec<IntegrationSummary> = all
            .iter()
            .filter(|s| s.orgs.contains(&org.slug))
            .cloned()
            .collect();
        assert_eq!(
            c.list(Some(org.id)).await,
            want,
            "{CHECK}: list_integrations(Some({})) lists its own (if any), by id",
            org.slug
        );
    }
    let ghost = unknown_org([&acme, &beta, &empty]);
    let listed = c.list(Some(ghost)).await;
    assert_eq!(
        listed,
        [],
        "{CHECK}: list_integrations of an unknown org is empty"
    );
}

/// `set_integration_enabled` flips `enabled` and nothing else; a disabled integration is
/// still found (the search decides what disabled means); unknown ids give `false`.
pub async fn disabling_keeps_the_integration_and_its_credentials<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "disabling_keeps_the_integration_and_its_credentials";
    let c = Check::new(CHECK, store);
    let org = c.org("acme").await;
    let kinds = every_kind();
    let a = c.add(&org, &kinds[3]).await;
    let b = c.add(&org, &kinds[0]).await;
    let ghost = IntegrationId(a.0.max(b.0) + 1000);

    let found = c.set_enabled(a, false).await;
    assert!(found, "{CHECK}: disabling an integration reports it found");
    let disabled = stored(a, &kinds[3], false);
    c.reads_as(org.id, &disabled, "found disabled, credentials kept")
        .await;
    let listed: Vec<_> = c
        .list(None)
        .await
        .iter()
        .map(|s| (s.id, s.enabled))
        .collect();
    let mut want = vec![(a, false), (b, true)];
    want.sort();
    assert_eq!(listed, want, "{CHECK}: the listing shows it alone disabled");

    for _ in 0..2 {
        let found = c.set_enabled(a, true).await;
        assert!(
            found,
            "{CHECK}: enabling (even an enabled one) reports it found"
        );
    }
    c.reads_as(
        org.id,
        &stored(a, &kinds[3], true),
        "enabled again, as registered",
    )
    .await;
    let found = c.set_enabled(ghost, false).await;
    assert!(
        !found,
        "{CHECK}: set_integration_enabled(unknown id) is false"
    );
    c.reads_as(
        org.id,
        &stored(b, &kinds[0], true),
        "the other one untouched",
    )
    .await;
}

/// `remove_integration` deletes it with its links; unknown (or removed) ids give `false`.
pub async fn removing_an_integration_removes_its_links<S: IntegrationStore + AdminStore>(
    store: &S,
) {
    const CHECK: &str = "removing_an_integration_removes_its_links";
    let c = Check::new(CHECK, store);
    let org = c.org("acme").await;
    let kinds = every_kind();
    let a = c.add(&org, &kinds[0]).await;
    let b = c.add(&org, &kinds[1]).await;
    let ghost = IntegrationId(a.0.max(b.0) + 1000);

    assert!(
        c.remove(a).await,
        "{CHECK}: removing an integration reports it found"
    );
    let found = c.linked(org.id, a).await;
    assert_eq!(
        found, None,
        "{CHECK}: a removed integration is no longer linked"
    );
    let found = c.integration(a).await;
    assert_eq!(found, None, "{CHECK}: a removed integration is gone");
    for filter in [None, Some(org.id)] {
        assert_eq!(
            c.list(filter).await,
            [summary(b, &kinds[1], &org.slug)],
            "{CHECK}: list_integrations({filter:?}) shows only the one left"
        );
    }
    for (id, what) in [
        (a, "an integration removed already"),
        (ghost, "an unknown id"),
    ] {
        assert!(
            !c.remove(id).await,
            "{CHECK}: remove_integration of {what} is false"
        );
    }
    c.reads_as(
        org.id,
        &stored(b, &kinds[1], true),
        "the other one untouched",
    )
    .await;
}

/// `add_integration` and `add_token` for an org that does not exist fail, writing nothing.
pub async fn writes_for_an_unknown_org_fail_and_write_nothing<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "writes_for_an_unknown_org_fail_and_write_nothing";
    let c = Check::new(CHECK, store);
    let acme = c.org("acme").await;
    let ghost = unknown_org([&acme]);
    let res = store.add_integration(ghost, &every_kind()[0]).await;
    assert!(
        res.is_err(),
        "{CHECK}: add_integration to an unknown org is an Err: {res:?}"
    );
    assert_eq!(
        c.list(None).await,
        [],
        "{CHECK}: the failed add_integration wrote nothing"
    );

    let token = token(7);
    let res = store.add_token(ghost, &StoredToken::of(&token)).await;
    assert!(
        res.is_err(),
        "{CHECK}: add_token to an unknown org is an Err: {res:?}"
    );
    c.authenticates(&[(&token, None)], "the failed add_token")
        .await;
    let added = c.add_token(acme.id, &token).await;
    assert!(
        added,
        "{CHECK}: the same token adds to a real org (nothing was kept)"
    );
}

/// `add_token` stores a token once (`false` for a hash stored already, revoked or not);
/// `org_for_token_hash` finds its org by hash, and nothing by anything else.
pub async fn tokens_authenticate_their_org_and_are_stored_once<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "tokens_authenticate_their_org_and_are_stored_once";
    let c = Check::new(CHECK, store);
    let (acme, beta) = (c.org("acme").await, c.org("beta").await);
    let (t1, t2, t3) = (token(1), token(2), token(3));
    for (org, t) in [(&acme, &t1), (&beta, &t2), (&acme, &t3)] {
        let added = c.add_token(org.id, t).await;
        assert!(added, "{CHECK}: a new token is added to {}", org.slug);
    }
    let all = [
        (t1.as_str(), Some(acme.id)),
        (&t2, Some(beta.id)),
        (&t3, Some(acme.id)),
    ];
    c.authenticates(&all, "adding them").await;
    for (text, what) in [
        (t1.clone(), "the token itself"),
        (hash_token(&token(9)), "an unknown token's hash"),
        (hash_token(&t1).to_uppercase(), "the hash in upper case"),
        (String::new(), "the empty string"),
    ] {
        let found = c.ok("org_for_token_hash", store.org_for_token_hash(&text).await);
        assert_eq!(
            found, None,
            "{CHECK}: org_for_token_hash of {what} finds nothing"
        );
    }

    for org in [&acme, &beta] {
        let added = c.add_token(org.id, &t1).await;
        assert!(
            !added,
            "{CHECK}: a token stored already is not added again (to {})",
            org.slug
        );
    }
    c.authenticates(&all, "the refused duplicates").await;

    c.revoke(&by_prefix(token_id(&t3)), RevokeOutcome::Revoked)
        .await;
    let added = c.add_token(acme.id, &t3).await;
    assert!(
        !added,
        "{CHECK}: a revoked token is still stored, so it is not added again"
    );
    c.authenticates(&[(&t3, None)], "refusing to add a revoked token")
        .await;
}

/// `revoke_token` tries the whole-token hash first, then the id prefix; what it revokes no
/// longer authenticates, and nothing else changes.
pub async fn tokens_are_revoked_by_whole_token_then_by_id_prefix<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "tokens_are_revoked_by_whole_token_then_by_id_prefix";
    let c = Check::new(CHECK, store);
    let (acme, beta) = (c.org("acme").await, c.org("beta").await);
    // t1 and t2 share their public id; t3 and t4 have their own.
    let (t1, t2, t3, t4) = (twin(1), twin(2), token(0x33), token(0x44));
    for (org, t) in [(&acme, &t1), (&beta, &t2), (&acme, &t3), (&beta, &t4)] {
        assert!(
            c.add_token(org.id, t).await,
            "{CHECK}: a new token is added"
        );
    }

    // The whole token names one token, although its id prefix names two.
    c.revoke(&whole(&t1), RevokeOutcome::Revoked).await;
    let after = [
        (t1.as_str(), None),
        (&t2, Some(beta.id)),
        (&t3, Some(acme.id)),
    ];
    c.authenticates(&after, "revoking t1 by whole token").await;

    c.revoke(&by_prefix(&t3[..8]), RevokeOutcome::Revoked).await;
    let after = [
        (t3.as_str(), None),
        (&t2, Some(beta.id)),
        (&t4, Some(beta.id)),
    ];
    c.authenticates(&after, "revoking t3 by id prefix").await;

    // t1 is revoked: the prefix it shared names t2 alone.
    c.revoke(&by_prefix(&t2[..8]), RevokeOutcome::Revoked).await;
    let after = [(t2.as_str(), None), (&t4, Some(beta.id))];
    c.authenticates(&after, "revoking t2 by the prefix it shared")
        .await;

    // As the administration builds it (`admin::revoke_selector`), from the whole token.
    let selector = revoke_selector(&t4).unwrap_or_else(|e| panic!("{CHECK}: {e}"));
    c.revoke(&selector, RevokeOutcome::Revoked).await;
    c.authenticates(&[(&t4, None)], "revoking t4 via revoke_selector")
        .await;
}

/// Several matches revoke nothing (`Ambiguous` with how many active ones); no match (an
/// unknown prefix, only revoked tokens, LIKE's wildcards, another case) is `NotFound`.
pub async fn ambiguous_and_unknown_revocations_change_nothing<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "ambiguous_and_unknown_revocations_change_nothing";
    let c = Check::new(CHECK, store);
    let (acme, beta) = (c.org("acme").await, c.org("beta").await);
    // Three twins (one revoked at once: revoked tokens are not counted) and a loner.
    let (t1, t2, t3, revoked) = (twin(1), twin(2), token(0x33), twin(3));
    for (org, t) in [(&acme, &t1), (&beta, &t2), (&acme, &t3), (&acme, &revoked)] {
        assert!(
            c.add_token(org.id, t).await,
            "{CHECK}: a new token is added"
        );
    }
    c.revoke(&whole(&revoked), RevokeOutcome::Revoked).await;
    let active = [
        (t1.as_str(), Some(acme.id)),
        (&t2, Some(beta.id)),
        (&t3, Some(acme.id)),
    ];

    let hash_of_no_token = TokenSelector {
        whole_token_hash: Some(hash_token(&t1[..14])),
        id_prefix: token_id(&t1).to_owned(),
    };
    for (selector, what) in [
        (by_prefix(&t1[..8]), "a prefix of two tokens (of two orgs)"),
        (by_prefix(token_id(&t1)), "a whole id two tokens share"),
        (hash_of_no_token, "the hash of no token, then a shared id"),
    ] {
        c.revoke(&selector, RevokeOutcome::Ambiguous(2)).await;
        c.authenticates(&active, what).await;
    }

    let too_long = format!("{}x", token_id(&t3));
    for (prefix, what) in [
        ("jst_bbbbbbbb", "an unknown prefix"),
        ("jst_%%%%", "LIKE's % (no wildcard here)"),
        ("jst_____", "LIKE's _ (no wildcard here)"),
        ("JST_AAAA", "a prefix in another case"),
        (&too_long, "a prefix longer than the id"),
    ] {
        c.revoke(&by_prefix(prefix), RevokeOutcome::NotFound).await;
        c.authenticates(&active, what).await;
    }

    // Revoked tokens match nothing: neither by whole token nor by prefix.
    c.revoke(&by_prefix(&t3[..8]), RevokeOutcome::Revoked).await;
    c.revoke(&whole(&t3), RevokeOutcome::NotFound).await;
    c.revoke(&by_prefix(&t3[..8]), RevokeOutcome::NotFound)
        .await;
    c.authenticates(&active[..2], "matching only revoked tokens")
        .await;
}

/// `save_refresh_token` replaces the refresh token of an OAuth 2.0 integration (the rest of
/// its credentials kept), and refuses, changing nothing, any other integration and unknown
/// ids.
pub async fn refresh_tokens_are_replaced_only_on_oauth2<S>(store: &S)
where
    S: IntegrationStore + AdminStore + CredentialUpdates,
{
    const CHECK: &str = "refresh_tokens_are_replaced_only_on_oauth2";
    let c = Check::new(CHECK, store);
    let org = c.org("acme").await;
    let mut want = Vec::new();
    for new in every_kind() {
        want.push(stored(c.add(&org, &new).await, &new, true));
    }
    let is_oauth2 = |i: &Integration| matches!(i.credentials, Credentials::OAuth2 { .. });
    assert!(
        want.iter().any(is_oauth2),
        "{CHECK}: the fixtures hold oauth2"
    );

    for round in ["rt-second", "rt-third \"quoted\" é"] {
        for w in want.iter_mut() {
            if let Credentials::OAuth2 { refresh_token, .. } = &mut w.credentials {
                let new_token = Secret::new(format!("{round} for {}", w.id));
                let saved = store.save_refresh_token(w.id, &new_token).await;
                c.ok("save_refresh_token", saved);
                *refresh_token = new_token;
            }
        }
        for w in &want {
            c.reads_as(org.id, w, &format!("with the last token saved ({round:?})"))
                .await;
        }
    }

    for w in want.iter().filter(|w| !is_oauth2(w)) {
        let res = store
            .save_refresh_token(w.id, &Secret::new("refused"))
            .await;
        assert!(
            res.is_err(),
            "{CHECK}: save_refresh_token on {} is an Err",
            w.name
        );
    }
    let ghost = IntegrationId(want.iter().map(|w| w.id.0).max().unwrap_or(0) + 1000);
    let res = store
        .save_refresh_token(ghost, &Secret::new("refused"))
        .await;
    assert!(
        res.is_err(),
        "{CHECK}: save_refresh_token on an unknown id is an Err"
    );
    for w in &want {
        c.reads_as(org.id, w, "unchanged by the refused saves")
            .await;
    }
    let listed = c.list(None).await.len();
    assert_eq!(
        listed,
        want.len(),
        "{CHECK}: the refused saves created nothing"
    );
}

/// `ping` answers `Ok` for a store that works, empty or not.
pub async fn the_store_answers_pings<S: IntegrationStore + AdminStore>(store: &S) {
    const CHECK: &str = "the_store_answers_pings";
    let c = Check::new(CHECK, store);
    c.ok("ping (empty store)", store.ping().await);
    let org = c.org("acme").await;
    c.add(&org, &every_kind()[0]).await;
    c.ok("ping (with data)", store.ping().await);
}

/// A store under one check: each call gives the value of its `Ok`, or panics naming the
/// check, the call and the error (`StoreError`'s `Debug` shows its source).
struct Check<'a, S> {
    name: &'static str,
    store: &'a S,
}

impl<'a, S: IntegrationStore + AdminStore> Check<'a, S> {
    fn new(name: &'static str, store: &'a S) -> Self {
        Self { name, store }
    }

    #[track_caller]
    fn ok<T>(&self, call: &str, res: Result<T, StoreError>) -> T {
        res.unwrap_or_else(|e| panic!("{}: {call} failed: {e:?}", self.name))
    }

    /// A new org.
    async fn org(&self, s: &str) -> Org {
        let created = self.ok("create_org", self.store.create_org(&slug(s)).await);
        created.unwrap_or_else(|| panic!("{}: create_org({s}) gave None", self.name))
    }

    async fn orgs(&self) -> Vec<Org> {
        self.ok("list_orgs", self.store.list_orgs().await)
    }

    async fn add(&self, org: &Org, new: &NewIntegration) -> IntegrationId {
        self.ok(
            "add_integration",
            self.store.add_integration(org.id, new).await,
        )
    }

    async fn linked(&self, org: OrgId, id: IntegrationId) -> Option<Integration> {
        self.ok(
            "linked_integration",
            self.store.linked_integration(org, id).await,
        )
    }

    async fn integration(&self, id: IntegrationId) -> Option<Integration> {
        self.ok("integration", self.store.integration(id).await)
    }

    /// Asserts that both `linked_integration` (for `org`) and `integration` give `want`.
    async fn reads_as(&self, org: OrgId, want: &Integration, what: &str) {
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

    async fn list(&self, org: Option<OrgId>) -> Vec<IntegrationSummary> {
        self.ok("list_integrations", self.store.list_integrations(org).await)
    }

    async fn set_enabled(&self, id: IntegrationId, enabled: bool) -> bool {
        let res = self.store.set_integration_enabled(id, enabled).await;
        self.ok("set_integration_enabled", res)
    }

    async fn remove(&self, id: IntegrationId) -> bool {
        self.ok(
            "remove_integration",
            self.store.remove_integration(id).await,
        )
    }

    async fn add_token(&self, org: OrgId, token: &str) -> bool {
        let res = self.store.add_token(org, &StoredToken::of(token)).await;
        self.ok("add_token", res)
    }

    /// Asserts what `revoke_token` finds.
    async fn revoke(&self, selector: &TokenSelector, want: RevokeOutcome) {
        let got = self.ok("revoke_token", self.store.revoke_token(selector).await);
        assert_eq!(got, want, "{}: revoke_token({selector:?})", self.name);
    }

    /// Asserts which org each token authenticates (`None`: none).
    async fn authenticates(&self, expected: &[(&str, Option<OrgId>)], after: &str) {
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

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap_or_else(|e| panic!("fixture slug {s:?}: {e}"))
}

/// An org id no org has.
fn unknown_org<'a>(orgs: impl IntoIterator<Item = &'a Org>) -> OrgId {
    OrgId(orgs.into_iter().map(|o| o.id.0).max().unwrap_or(0) + 1000)
}

fn token(n: u8) -> String {
    token_from_random(&[n; 32])
}

/// The `n`th of tokens whose public ids are all `jst_aaaaaaaa`.
fn twin(n: u8) -> String {
    let mut random = [0xaa; 32];
    random[31] = n;
    token_from_random(&random)
}

/// What `token revoke` of a whole token names.
fn whole(token: &str) -> TokenSelector {
    TokenSelector {
        whole_token_hash: Some(hash_token(token)),
        id_prefix: token_id(token).to_owned(),
    }
}

fn by_prefix(prefix: &str) -> TokenSelector {
    TokenSelector {
        whole_token_hash: None,
        id_prefix: prefix.to_owned(),
    }
}

/// One registration per credential kind (two of OAuth 2.0, one per provider), both
/// providers, both TLS settings, a context path, and secrets with characters a store must
/// escape (quotes, backslashes, newlines, non-ASCII).
fn every_kind() -> Vec<NewIntegration> {
    let url = |s: &str| BaseUrl::parse(s, false).unwrap_or_else(|e| panic!("fixture {s}: {e}"));
    let new = |name: &str, provider, base_url, verify_tls, credentials| NewIntegration {
        provider,
        name: IntegrationName::parse(name).unwrap_or_else(|e| panic!("fixture {name}: {e}")),
        base_url,
        verify_tls,
        credentials,
    };
    vec![
        new(
            "pat on a context path",
            Provider::JiraServer,
            url("https://jira.example.com/jira/"),
            false,
            Credentials::Pat {
                token: Secret::new("pat \"token\" \\ é\nline two"),
            },
        ),
        new(
            "basic",
            Provider::JiraCloud,
            url("https://acme.atlassian.net"),
            true,
            Credentials::Basic {
                user: "bob@example.com".into(),
                secret: Secret::new("pass\"word\\with-quotes"),
            },
        ),
        new(
            "oauth1 on the loopback",
            Provider::JiraServer,
            url("http://127.0.0.1:8080"),
            true,
            Credentials::OAuth1 {
                consumer_key: "consumer-key".into(),
                private_key_pem: Secret::new(
                    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n",
                ),
                access_token: Secret::new("oauth1-access"),
                token_secret: Secret::new("oauth1-token-secret"),
            },
        ),
        new(
            "oauth2 on Cloud",
            Provider::JiraCloud,
            url("https://api.atlassian.com/ex/jira/11223344-aabb"),
            true,
            Credentials::OAuth2 {
                client_id: "client-id".into(),
                token_url: ATLASSIAN_TOKEN_URL.into(),
                client_secret: Secret::new("oauth2-client-secret"),
                refresh_token: Secret::new("oauth2-refresh-first"),
            },
        ),
        new(
            "oauth2 on Server",
            Provider::JiraServer,
            url("https://jira.example.org:8443"),
            false,
            Credentials::OAuth2 {
                client_id: "server-client".into(),
                token_url: "https://jira.example.org:8443/rest/oauth2/latest/token".into(),
                client_secret: Secret::new("server-client-secret"),
                refresh_token: Secret::new("server-refresh-first"),
            },
        ),
        new(
            "connect",
            Provider::JiraCloud,
            url("https://beta.atlassian.net"),
            true,
            Credentials::ConnectJwt {
                issuer: "com.example.app".into(),
                shared_secret: Secret::new("connect-shared-secret"),
            },
        ),
    ]
}

/// What the store must give back for `new`, stored as `id`.
fn stored(id: IntegrationId, new: &NewIntegration, enabled: bool) -> Integration {
    Integration {
        id,
        provider: new.provider,
        name: new.name.as_str().to_owned(),
        base_url: new.base_url.clone(),
        verify_tls: new.verify_tls,
        enabled,
        credentials: new.credentials.clone(),
    }
}

/// What the listing must show for `new`, stored as `id` and linked to `org` alone.
fn summary(id: IntegrationId, new: &NewIntegration, org: &Slug) -> IntegrationSummary {
    IntegrationSummary {
        id,
        provider: new.provider,
        name: new.name.as_str().to_owned(),
        base_url: new.base_url.as_str().to_owned(),
        verify_tls: new.verify_tls,
        enabled: true,
        auth_method: new.credentials.method(),
        user: new.credentials.user_name().map(str::to_owned),
        orgs: vec![org.clone()],
    }
}

#[cfg(test)]
mod tests {
    //! The suite against [`InMemoryStore`], and against the fake with one flaw at a time,
    //! to show that the check named catches it.

    use super::*;
    use crate::testing::InMemoryStore;

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

        async fn revoke_token(
            &self,
            selector: &TokenSelector,
        ) -> Result<RevokeOutcome, StoreError> {
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
}
