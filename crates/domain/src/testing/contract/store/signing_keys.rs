//! Signing keys of browser tokens: stored once, listed by org without their secret, read
//! whole with their org and secret, revoked by exact id, gone with their org.

use super::check::Check;
use super::fixtures::is_utc_rfc3339;
use crate::browser_token::{NewSigningKey, SigningKey, SigningKeySummary};
use crate::model::Org;
use crate::ports::{AdminStore, IntegrationStore, SigningKeyStore};
use crate::secret::Secret;

/// A signing key `n` (`jsk_00000000000n`, secret `jss_…n`).
fn key(n: u8, name: Option<&str>) -> NewSigningKey {
    NewSigningKey {
        id: format!("jsk_{:012x}", n),
        name: name.map(str::to_owned),
        secret: Secret::new(format!("jss_{}", format!("{n:02x}").repeat(32))),
    }
}

/// `add_signing_key` stores a key of an org once (its id is never given again, even after a
/// revocation) and answers it as listed; `list_signing_keys` shows an org's active keys in
/// creation order, without their secret; `active_signing_keys` gives every active key with
/// its org and its secret as given; `revoke_signing_key` revokes the one active key with
/// exactly that id (not another org's, not a prefix, not twice); deleting an org takes its
/// keys; a key for an unknown org is refused, nothing written.
pub async fn signing_keys_are_kept_by_org_read_whole_and_revoked<S>(store: &S)
where
    S: IntegrationStore + AdminStore + SigningKeyStore,
{
    const CHECK: &str = "signing_keys_are_kept_by_org_read_whole_and_revoked";
    let c = Check::new(CHECK, store);
    let (acme, umbrella) = (c.org("acme").await, c.org("umbrella").await);
    let (k1, k2, k3) = (key(1, Some("picker")), key(2, None), key(3, None));
    for (org, k) in [(&acme, &k1), (&acme, &k2), (&umbrella, &k3)] {
        let added = c.ok("add_signing_key", store.add_signing_key(org.id, k).await);
        let added = added.unwrap_or_else(|| panic!("{CHECK}: {} is a new key", k.id));
        assert_eq!(
            (added.id.as_str(), added.name.as_deref()),
            (k.id.as_str(), k.name.as_deref()),
            "{CHECK}: add_signing_key answers the key as listed"
        );
        assert!(is_utc_rfc3339(&added.created_at), "{CHECK}: {added:?}");
    }
    let again = c.ok(
        "add_signing_key",
        store.add_signing_key(umbrella.id, &k1).await,
    );
    assert_eq!(
        again, None,
        "{CHECK}: an id stored already is not stored again"
    );

    let listed = list(&c, store, &acme).await;
    assert_eq!(
        ids_names(&listed),
        [(k1.id.clone(), k1.name.clone()), (k2.id.clone(), None)],
        "{CHECK}: list_signing_keys gives acme's keys in creation order"
    );
    let mut want = vec![whole(&k1, &acme), whole(&k2, &acme), whole(&k3, &umbrella)];
    assert_eq!(
        active(&c, store).await,
        want,
        "{CHECK}: active_signing_keys"
    );

    // Revocation: the exact id of an active key, once.
    for (id, what) in [
        ("jsk_0000000000", "a prefix of an id"),
        ("JSK_000000000001", "an id in another case"),
        ("jsk_00000000000f", "an unknown id"),
        ("", "the empty string"),
    ] {
        let done = c.ok("revoke_signing_key", store.revoke_signing_key(id).await);
        assert!(
            !done,
            "{CHECK}: revoke_signing_key of {what} revokes nothing"
        );
    }
    assert_eq!(active(&c, store).await, want, "{CHECK}: nothing revoked");
    let done = c.ok("revoke_signing_key", store.revoke_signing_key(&k1.id).await);
    assert!(done, "{CHECK}: an active key is revoked");
    let done = c.ok("revoke_signing_key", store.revoke_signing_key(&k1.id).await);
    assert!(!done, "{CHECK}: a revoked key is not revoked again");
    want.remove(0);
    assert_eq!(
        active(&c, store).await,
        want,
        "{CHECK}: the revoked key is gone"
    );
    let listed = list(&c, store, &acme).await;
    assert_eq!(
        ids_names(&listed),
        [(k2.id.clone(), None)],
        "{CHECK}: listing"
    );
    let again = c.ok("add_signing_key", store.add_signing_key(acme.id, &k1).await);
    assert_eq!(
        again, None,
        "{CHECK}: a revoked key's id is not given again"
    );

    // Another org's keys, an unknown org, and a deleted org.
    let listed = list(&c, store, &umbrella).await;
    assert_eq!(
        ids_names(&listed),
        [(k3.id.clone(), None)],
        "{CHECK}: umbrella's"
    );
    let unknown = crate::model::OrgId(umbrella.id.0 + 100);
    let res = store.add_signing_key(unknown, &key(4, None)).await;
    assert!(res.is_err(), "{CHECK}: a key of an unknown org is refused");
    assert!(c.ok("delete_org", store.delete_org(umbrella.id).await));
    assert_eq!(
        active(&c, store).await,
        [whole(&k2, &acme)],
        "{CHECK}: a deleted org's keys go with it"
    );
    let listed = c.ok("list_signing_keys", store.list_signing_keys(unknown).await);
    assert!(listed.is_empty(), "{CHECK}: an unknown org has no keys");
}

fn whole(k: &NewSigningKey, org: &Org) -> SigningKey {
    SigningKey {
        id: k.id.clone(),
        org: org.clone(),
        secret: k.secret.clone(),
    }
}

fn ids_names(listed: &[SigningKeySummary]) -> Vec<(String, Option<String>)> {
    listed
        .iter()
        .map(|k| (k.id.clone(), k.name.clone()))
        .collect()
}

async fn list<S>(c: &Check<'_, S>, store: &S, org: &Org) -> Vec<SigningKeySummary>
where
    S: IntegrationStore + AdminStore + SigningKeyStore,
{
    let listed = c.ok("list_signing_keys", store.list_signing_keys(org.id).await);
    for k in &listed {
        assert!(
            is_utc_rfc3339(&k.created_at),
            "signing keys: created_at {k:?}"
        );
    }
    listed
}

async fn active<S>(c: &Check<'_, S>, store: &S) -> Vec<SigningKey>
where
    S: IntegrationStore + AdminStore + SigningKeyStore,
{
    c.ok("active_signing_keys", store.active_signing_keys().await)
}
