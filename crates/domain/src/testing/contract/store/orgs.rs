//! Orgs: created once, listed, found; writes for an org that does not exist.

use super::check::Check;
use super::fixtures::{every_kind, slug, token, unknown_org};
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
