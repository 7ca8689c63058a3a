//! Integrations: every credential kind round-trips; links, listing, disabling, removal.

use super::check::Check;
use super::fixtures::{every_kind, stored, summary, unknown_org};
use crate::model::{IntegrationId, IntegrationSummary};
use crate::ports::{AdminStore, IntegrationStore};

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
