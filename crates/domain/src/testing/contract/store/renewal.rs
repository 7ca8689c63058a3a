//! Renewal leases: one OAuth 2.0 renewal of an integration at a time, showing what the one
//! before stored, storing what it renewed or, dropped, nothing.

use std::time::Duration;

use super::check::Check;
use super::fixtures::{every_kind, stored};
use crate::model::{Credentials, Integration, IntegrationId};
use crate::ports::{
    AdminStore, CredentialUpdates, IntegrationStore, RenewalLease, SharedAccessToken, StoreError,
};
use crate::secret::Secret;

/// How long a lease that must wait is watched waiting.
const BLOCKED: Duration = Duration::from_millis(300);
/// How long a lease that must be given may take.
const GIVEN: Duration = Duration::from_secs(10);

fn access(token: &str, valid_until: i64) -> SharedAccessToken {
    SharedAccessToken {
        token: Secret::new(token),
        valid_until,
    }
}

/// The refresh token of `it`, which uses OAuth 2.0.
fn refresh_of(it: &Integration) -> &Secret {
    match &it.credentials {
        Credentials::OAuth2 { refresh_token, .. } => refresh_token,
        other => panic!("oauth2 expected, not {}", other.method()),
    }
}

fn set_refresh(it: &mut Integration, new: &Secret) {
    if let Credentials::OAuth2 { refresh_token, .. } = &mut it.credentials {
        *refresh_token = new.clone();
    }
}

/// A lease, or a panic naming the check.
async fn lease<S: CredentialUpdates>(check: &str, store: &S, id: IntegrationId) -> RenewalLease {
    match tokio::time::timeout(GIVEN, store.begin_renewal(id)).await {
        Ok(Ok(lease)) => lease,
        Ok(Err(e)) => panic!("{check}: begin_renewal({id}) failed: {e:?}"),
        Err(_) => panic!("{check}: begin_renewal({id}) is not given within {GIVEN:?}"),
    }
}

/// Asserts what a lease shows.
fn shows(check: &str, lease: &RenewalLease, refresh: &Secret, want: Option<&SharedAccessToken>) {
    assert_eq!(
        lease.refresh_token(),
        refresh,
        "{check}: the lease shows the stored refresh token"
    );
    assert_eq!(
        lease.access(),
        want,
        "{check}: the lease shows the stored access token"
    );
}

/// `begin_renewal` shows the stored refresh token (and no access token at first);
/// `finish` stores the rotated refresh token (the rest of the credentials kept) and the
/// access token, which the next lease shows; a finish without a new refresh token keeps the
/// stored one. Integrations of other methods and unknown ids get no lease, and new
/// credentials forget the shared access token.
pub async fn renewal_leases_show_what_was_stored_and_store_what_was_renewed<S>(store: &S)
where
    S: IntegrationStore + AdminStore + CredentialUpdates,
{
    const CHECK: &str = "renewal_leases_show_what_was_stored_and_store_what_was_renewed";
    let c = Check::new(CHECK, store);
    let org = c.org("acme").await;
    let mut want = Vec::new();
    for new in every_kind() {
        want.push(stored(c.add(&org, &new).await, &new, true));
    }
    let is_oauth2 = |i: &Integration| matches!(i.credentials, Credentials::OAuth2 { .. });
    for w in want.iter_mut().filter(|w| is_oauth2(w)) {
        let first = lease(CHECK, store, w.id).await;
        shows(CHECK, &first, refresh_of(w), None);
        let rotated = Secret::new(format!("rotated \"refresh\" é for {}", w.id));
        let a1 = access(&format!("access-1 of {}", w.id), 4_000_000_000);
        c.ok(
            "finish (rotated)",
            first.finish(Some(rotated.clone()), a1.clone()).await,
        );
        set_refresh(w, &rotated);
        c.reads_as(org.id, w, "with the rotated refresh token")
            .await;

        let second = lease(CHECK, store, w.id).await;
        shows(CHECK, &second, &rotated, Some(&a1));
        let a2 = access(&format!("access-2 of {}", w.id), 4_000_000_100);
        c.ok(
            "finish (not rotated)",
            second.finish(None, a2.clone()).await,
        );
        c.reads_as(org.id, w, "with the refresh token kept").await;
        shows(CHECK, &lease(CHECK, store, w.id).await, &rotated, Some(&a2));
    }
    for w in want.iter().filter(|w| !is_oauth2(w)) {
        let res = store.begin_renewal(w.id).await;
        assert!(
            res.is_err(),
            "{CHECK}: begin_renewal on {} is an Err",
            w.name
        );
    }
    let ghost = IntegrationId(want.iter().map(|w| w.id.0).max().unwrap_or(0) + 1000);
    let res = store.begin_renewal(ghost).await;
    assert!(
        res.is_err(),
        "{CHECK}: begin_renewal on an unknown id is an Err"
    );

    // New credentials (a new consent): the access token of the old grant is forgotten.
    let w = want.iter().find(|w| is_oauth2(w)).expect("oauth2 fixture");
    let mut replaced = w.clone();
    set_refresh(&mut replaced, &Secret::new("refresh of a new consent"));
    let done = store.replace_credentials(w.id, &replaced.credentials).await;
    assert!(
        c.ok("replace_credentials", done),
        "{CHECK}: replace_credentials"
    );
    let after = lease(CHECK, store, w.id).await;
    shows(CHECK, &after, refresh_of(&replaced), None);
}

/// A dropped lease stores nothing and frees the lock at once; while a lease lives, a second
/// one on the same integration waits (another integration's does not), and once the first
/// finishes the waiter gets its lease showing what the first stored.
pub async fn renewal_leases_are_taken_one_at_a_time<S>(store: &S)
where
    S: IntegrationStore + AdminStore + CredentialUpdates,
{
    const CHECK: &str = "renewal_leases_are_taken_one_at_a_time";
    let c = Check::new(CHECK, store);
    let org = c.org("acme").await;
    let oauth2: Vec<_> = every_kind()
        .into_iter()
        .filter(|n| matches!(n.credentials, Credentials::OAuth2 { .. }))
        .collect();
    assert!(oauth2.len() >= 2, "{CHECK}: the fixtures hold two oauth2");
    let w = stored(c.add(&org, &oauth2[0]).await, &oauth2[0], true);
    let other = c.add(&org, &oauth2[1]).await;

    // Dropped: nothing stored, and the next lease is given at once.
    let dropped = lease(CHECK, store, w.id).await;
    drop(dropped);
    shows(
        CHECK,
        &lease(CHECK, store, w.id).await,
        refresh_of(&w),
        None,
    );
    c.reads_as(org.id, &w, "after a dropped lease").await;

    let first = lease(CHECK, store, w.id).await;
    let mut second = std::pin::pin!(store.begin_renewal(w.id));
    let early: Result<Result<RenewalLease, StoreError>, _> =
        tokio::time::timeout(BLOCKED, &mut second).await;
    assert!(
        early.is_err(),
        "{CHECK}: a second lease on the same integration waits while the first lives"
    );
    drop(lease(CHECK, store, other).await);

    let rotated = Secret::new("rotated while the second waited");
    let a1 = access("access of the first lease", 4_000_000_000);
    c.ok(
        "finish",
        first.finish(Some(rotated.clone()), a1.clone()).await,
    );
    let second = match tokio::time::timeout(GIVEN, second).await {
        Ok(Ok(lease)) => lease,
        Ok(Err(e)) => panic!("{CHECK}: the waiting begin_renewal failed: {e:?}"),
        Err(_) => panic!("{CHECK}: the waiting lease is given once the first finished"),
    };
    shows(CHECK, &second, &rotated, Some(&a1));
    drop(second);
    shows(CHECK, &lease(CHECK, store, w.id).await, &rotated, Some(&a1));
}
