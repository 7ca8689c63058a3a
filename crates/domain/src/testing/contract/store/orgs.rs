//! Orgs: created once, listed, found, deleted with what is theirs; writes for an org that
//! does not exist.

use super::check::Check;
use super::fixtures::{
    every_app, every_kind, every_stage, pending, slug, state, stored, summary, token, unknown_org,
};
use crate::model::OrgRef;
use crate::ports::{AdminStore, IntegrationStore};
use crate::token::StoredToken;

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

/// `delete_org` deletes the org with its caller tokens, its links and its connections in
/// flight; its integrations stay, unlinked; other orgs keep theirs. `false` for an unknown
/// (or deleted) org.
pub async fn deleting_an_org_removes_its_tokens_links_and_connections<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "deleting_an_org_removes_its_tokens_links_and_connections";
    let c = Check::new(CHECK, store);
    let (acme, beta) = (c.org("acme").await, c.org("beta").await);
    let kinds = every_kind();
    let a = c.add(&acme, &kinds[0]).await;
    let b = c.add(&beta, &kinds[1]).await;
    let (ta, tb) = (token(1), token(2));
    assert!(c.add_token(acme.id, &ta).await, "{CHECK}: a token is added");
    assert!(c.add_token(beta.id, &tb).await, "{CHECK}: a token is added");
    let app = c.add_app(&every_app()[0]).await;
    let stage = every_stage().swap_remove(1);
    let (sa, sb) = (state(1), state(2));
    c.save(&sa, &pending(acme.id, app, stage.clone(), 100))
        .await;
    let kept = pending(beta.id, app, stage, 100);
    c.save(&sb, &kept).await;

    assert!(
        c.delete_org(acme.id).await,
        "{CHECK}: delete_org finds acme"
    );
    assert_eq!(
        c.orgs().await,
        std::slice::from_ref(&beta),
        "{CHECK}: beta alone is left"
    );
    for org in [OrgRef::Id(acme.id.0), OrgRef::Slug("acme".into())] {
        let found = c.ok("find_org", store.find_org(&org).await);
        assert_eq!(found, None, "{CHECK}: find_org({org}) after the delete");
    }
    c.authenticates(&[(&ta, None), (&tb, Some(beta.id))], "deleting acme")
        .await;
    let left = c.tokens_of(acme.id).await;
    assert_eq!(left, [], "{CHECK}: list_tokens of the deleted org");
    assert_eq!(
        c.linked(acme.id, a).await,
        None,
        "{CHECK}: its link is gone"
    );
    c.reads_as(beta.id, &stored(b, &kinds[1], true), "in the org left")
        .await;
    let mut unlinked = summary(a, &kinds[0], &acme.slug);
    unlinked.orgs.clear();
    assert_eq!(
        c.list(None).await,
        [unlinked, summary(b, &kinds[1], &beta.slug)],
        "{CHECK}: its integration stays, linked to no org"
    );
    assert_eq!(
        c.integration(a).await,
        Some(stored(a, &kinds[0], true)),
        "{CHECK}: its integration keeps its credentials"
    );
    assert_eq!(c.take(&sa).await, None, "{CHECK}: its connection is gone");
    assert_eq!(c.take(&sb).await, Some(kept), "{CHECK}: beta's stays");

    let ghost = unknown_org([&acme, &beta]);
    for (org, what) in [
        (acme.id, "an org deleted already"),
        (ghost, "an unknown org"),
    ] {
        assert!(
            !c.delete_org(org).await,
            "{CHECK}: delete_org of {what} is false"
        );
    }
    // A new org of the same name inherits nothing.
    let again = c.org("acme").await;
    assert_ne!(again.id, acme.id, "{CHECK}: the new acme has a new id");
    assert_eq!(
        c.linked(again.id, a).await,
        None,
        "{CHECK}: nor the old link"
    );
    assert_eq!(
        c.tokens_of(again.id).await,
        [],
        "{CHECK}: nor the old tokens"
    );
    c.authenticates(&[(&ta, None)], "re-creating acme").await;
    assert!(
        c.add_token(again.id, &ta).await,
        "{CHECK}: the deleted org's token was deleted (not kept revoked): it adds again"
    );
    c.authenticates(&[(&ta, Some(again.id))], "adding it to the new acme")
        .await;
}
