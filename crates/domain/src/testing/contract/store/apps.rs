//! OAuth apps and the connections in flight through them.

use super::check::Check;
use super::fixtures::{every_app, every_stage, pending, state, unknown_org};
use crate::model::{AppId, OAuthApp};
use crate::ports::{AdminStore, IntegrationStore};

/// Apps come back from `app` as given (secret included, `verify_tls` as given, `false` too)
/// with a new id each and their creation time; `list_apps` lists their public parts by id;
/// `remove_app` deletes one with its connections in flight, and gives `false` for an unknown
/// (or removed) id.
pub async fn apps_round_trip_and_go_with_their_connections<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "apps_round_trip_and_go_with_their_connections";
    let c = Check::new(CHECK, store);
    assert_eq!(c.apps().await, [], "{CHECK}: a fresh store lists no app");
    let mut added: Vec<OAuthApp> = Vec::new();
    for new in every_app() {
        let id = c.add_app(&new).await;
        assert!(
            added.iter().all(|a| a.id != id),
            "{CHECK}: every app has its own id"
        );
        added.push(OAuthApp {
            id,
            kind: new.kind,
            base_url: new.base_url,
            client_id: new.client_id,
            secret: new.secret,
            public_key_pem: new.public_key_pem,
            verify_tls: new.verify_tls,
            created_at: String::new(),
        });
    }
    for want in &added {
        let found = c.app(want.id).await;
        assert_eq!(
            found.as_ref(),
            Some(want),
            "{CHECK}: app({}) as added",
            want.id
        );
    }
    added.sort_by_key(|a| a.id);
    let summaries: Vec<_> = added.iter().map(OAuthApp::summary).collect();
    assert_eq!(
        c.apps().await,
        summaries,
        "{CHECK}: list_apps lists all, by id"
    );
    let ghost = AppId(added.iter().map(|a| a.id.0).max().unwrap_or(0) + 1000);
    assert_eq!(c.app(ghost).await, None, "{CHECK}: app(unknown id) is None");

    let org = c.org("acme").await;
    let (gone, kept) = (added[1].id, added[0].id);
    let stage = every_stage().swap_remove(2);
    let of_kept = pending(org.id, kept, stage.clone(), 100);
    c.save(&state(1), &pending(org.id, gone, stage, 100)).await;
    c.save(&state(2), &of_kept).await;
    assert!(c.remove_app(gone).await, "{CHECK}: remove_app finds it");
    assert_eq!(c.app(gone).await, None, "{CHECK}: a removed app is gone");
    let left: Vec<_> = summaries.iter().filter(|s| s.id != gone).cloned().collect();
    assert_eq!(
        c.apps().await,
        left,
        "{CHECK}: the listing shows the others"
    );
    assert_eq!(
        c.take(&state(1)).await,
        None,
        "{CHECK}: its connection went too"
    );
    assert_eq!(
        c.take(&state(2)).await,
        Some(of_kept),
        "{CHECK}: another's stays"
    );
    for (id, what) in [(gone, "an app removed already"), (ghost, "an unknown id")] {
        assert!(
            !c.remove_app(id).await,
            "{CHECK}: remove_app of {what} is false"
        );
    }
}

/// A connection in any stage comes back from `take_connection` as saved, once: the second
/// take (and an unknown state) gives `None`. Saving under a state again replaces it; saving
/// for an unknown org or app is an error that writes nothing. Expired ones are taken too
/// (the caller judges).
pub async fn connections_are_taken_once_in_every_stage<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "connections_are_taken_once_in_every_stage";
    let c = Check::new(CHECK, store);
    let (acme, beta) = (c.org("acme").await, c.org("beta").await);
    let apps = every_app();
    let (a, b) = (c.add_app(&apps[0]).await, c.add_app(&apps[2]).await);
    let saved: Vec<_> = every_stage()
        .into_iter()
        .enumerate()
        .map(|(i, stage)| {
            let (org, app) = if i % 2 == 0 {
                (acme.id, a)
            } else {
                (beta.id, b)
            };
            let n = u32::try_from(i).unwrap_or(u32::MAX);
            (state(n), pending(org, app, stage, 1_000 + i64::from(n)))
        })
        .collect();
    for (hash, connection) in &saved {
        c.save(hash, connection).await;
    }
    for (hash, connection) in &saved {
        let taken = c.take(hash).await;
        assert_eq!(taken.as_ref(), Some(connection), "{CHECK}: taken as saved");
        assert_eq!(
            c.take(hash).await,
            None,
            "{CHECK}: a second take gives None"
        );
    }
    assert_eq!(c.take(&state(99)).await, None, "{CHECK}: an unknown state");

    let (hash, stages) = (state(50), every_stage());
    let first = pending(acme.id, a, stages[3].clone(), 2_000);
    let second = pending(beta.id, b, stages[1].clone(), 3_000);
    c.save(&hash, &first).await;
    c.save(&hash, &second).await;
    let taken = c.take(&hash).await;
    assert_eq!(taken, Some(second), "{CHECK}: saving again replaces");
    assert_eq!(c.take(&hash).await, None, "{CHECK}: once");

    let expired = pending(acme.id, a, stages[0].clone(), 1);
    c.save(&hash, &expired).await;
    let taken = c.take(&hash).await;
    assert_eq!(taken, Some(expired), "{CHECK}: an expired one is taken too");

    let ghost_org = unknown_org([&acme, &beta]);
    let ghost_app = AppId(a.0.max(b.0) + 1000);
    for (connection, what) in [
        (
            pending(ghost_org, a, stages[0].clone(), 10),
            "an unknown org",
        ),
        (
            pending(acme.id, ghost_app, stages[0].clone(), 10),
            "an unknown app",
        ),
    ] {
        let res = store.save_connection(&hash, &connection).await;
        assert!(
            res.is_err(),
            "{CHECK}: save_connection for {what} is an Err"
        );
        assert_eq!(
            c.take(&hash).await,
            None,
            "{CHECK}: and wrote nothing ({what})"
        );
    }
}

/// `purge_connections(now)` deletes the connections that expired before `now` and says how
/// many; the others stay.
pub async fn only_expired_connections_are_purged<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "only_expired_connections_are_purged";
    let c = Check::new(CHECK, store);
    let org = c.org("acme").await;
    let app = c.add_app(&every_app()[1]).await;
    assert_eq!(c.purge(1_000).await, 0, "{CHECK}: nothing to purge");
    let at = [100, 150, 200, 300];
    let saved: Vec<_> = every_stage()
        .into_iter()
        .zip(at)
        .enumerate()
        .map(|(i, (stage, expires_at))| {
            let n = u32::try_from(i).unwrap_or(u32::MAX);
            (state(n), pending(org.id, app, stage, expires_at))
        })
        .collect();
    for (hash, connection) in &saved {
        c.save(hash, connection).await;
    }
    assert_eq!(c.purge(200).await, 2, "{CHECK}: the two expired before 200");
    assert_eq!(c.purge(200).await, 0, "{CHECK}: purging again finds none");
    for (i, (hash, connection)) in saved.iter().enumerate() {
        let want = (i >= 2).then(|| connection.clone());
        let taken = c.take(hash).await;
        assert_eq!(
            taken, want,
            "{CHECK}: expiring at {} after purge(200)",
            at[i]
        );
    }
}
