//! The listening connection lost (terminated by the server, cut, gone silent): the memo is
//! off (every lookup asks PostgreSQL) until a new connection listens, then on again, with
//! nothing kept from before. The task and its connection end with the store.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use domain::admin::revoke_selector;
use domain::AdminStore;
use sqlx::postgres::PgConnectOptions;
use sqlx::Connection;

use super::memo::{within, World};
use super::proxy::{Mode, Proxy};
use super::{tok, Db};
use crate::listener::{Listener, Timing};
use crate::testing::server_url;
use crate::PgStore;

/// Quick to come back, so that the tests wait little.
const QUICK: Timing = Timing {
    retry_min: Duration::from_millis(10),
    retry_max: Duration::from_millis(50),
    ..Timing::DEFAULT
};

/// The pids of the listening connections on database `name`.
async fn listeners(name: &str) -> Vec<i32> {
    let mut conn = sqlx::PgConnection::connect(&server_url()).await.unwrap();
    let pids = sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity \
         WHERE datname = $1 AND application_name = 'jira-search-listener' ORDER BY pid",
    )
    .bind(name)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let _ = conn.close().await;
    pids
}

/// Makes `store` listen through `url` (a proxy) instead, with `timing`.
async fn listen_through(store: &mut PgStore, url: &str, timing: Timing) {
    if let Some(listener) = store.listener.take() {
        listener.stop().await;
    }
    store.memo.disable();
    let options = PgConnectOptions::from_str(url)
        .unwrap()
        .application_name("jira-search");
    let listener = Listener::start(&options, store.memo.clone(), timing).await;
    store.listener = Some(Arc::new(listener.unwrap()));
    assert!(store.memo_enabled());
}

/// While nobody listens, changes through B are answered at once by A (from PostgreSQL,
/// never from memory); once A listens again, its memory serves again.
async fn off_while_lost_then_on(w: &World, proxy: &Proxy, lost: Mode) {
    w.warm().await;
    proxy.set(lost);
    within("memo off", || async { !w.a.memo_enabled() }).await;
    let (hits, reads) = (w.a.memo_hits(), w.a.directory_reads());
    let b = w.b();
    assert!(b
        .revoke_token(&revoke_selector(&tok(1)).unwrap())
        .await
        .is_ok());
    assert_eq!(w.seen_by(&w.a).await, (false, true, Some(true)));
    assert!(b.set_integration_enabled(w.id, false).await.unwrap());
    assert_eq!(w.seen_by(&w.a).await, (false, true, Some(false)));
    assert_eq!(w.seen_by(&w.a).await, (false, true, Some(false)));
    assert_eq!(w.a.memo_hits(), hits, "nothing answered from memory");
    assert_eq!(w.a.directory_reads(), reads, "one row read per lookup");
    proxy.set(Mode::Open);
    within("memo on again", || async { w.a.memo_enabled() }).await;
    assert_eq!(w.warm().await, (false, true, Some(false)));
    // And it hears of changes again.
    assert!(b.set_integration_enabled(w.id, true).await.unwrap());
    w.until_a_sees("enabled", (false, true, Some(true))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_cut_off_turns_the_memo_off_until_it_listens_again() {
    let mut w = World::new().await;
    let proxy = Proxy::to(w.db.db.url()).await;
    listen_through(&mut w.a, &proxy.url, QUICK).await;
    off_while_lost_then_on(&w, &proxy, Mode::Cut).await;
    w.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_listener_is_found_out_by_its_probe() {
    let mut w = World::new().await;
    let proxy = Proxy::to(w.db.db.url()).await;
    let timing = Timing {
        probe_after: Duration::from_millis(100),
        probe_timeout: Duration::from_millis(200),
        ..QUICK
    };
    listen_through(&mut w.a, &proxy.url, timing).await;
    // Probes answered: on it stays, past several of them.
    let resets = w.a.memo_resets();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(w.a.memo_enabled());
    assert_eq!(w.a.memo_resets(), resets);
    off_while_lost_then_on(&w, &proxy, Mode::Silent).await;
    w.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_terminated_by_the_server_forgets_what_it_may_have_missed() {
    let w = World::new().await;
    let name = w.db.db.name().to_owned();
    assert_eq!(listeners(&name).await.len(), 2, "one per store");
    w.warm().await;
    let resets = w.a.memo_resets();
    // Both stores' listeners go, and a change is committed at once: its notification may
    // reach no one.
    let mut admin = sqlx::PgConnection::connect(&server_url()).await.unwrap();
    let terminated: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND application_name = 'jira-search-listener'",
    )
    .bind(&name)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert_eq!(terminated, [true, true]);
    let _ = admin.close().await;
    assert!(w.b().set_integration_enabled(w.id, false).await.unwrap());
    // Turned off, then on again once listening anew: two resets at least.
    within("listening again", || async {
        w.a.memo_enabled() && w.a.memo_resets() >= resets + 2
    })
    .await;
    within("new listeners", || async {
        listeners(&name).await.len() == 2
    })
    .await;
    w.until_a_sees("disabled", (true, true, Some(false))).await;
    assert_eq!(w.warm().await, (true, true, Some(false)));
    w.remove().await;
}

#[tokio::test]
async fn the_listener_ends_with_the_store() {
    let db = Db::new().await;
    let name = db.db.name().to_owned();
    let replica = db.replica(None).await;
    let clone = replica.clone();
    assert_eq!(listeners(&name).await.len(), 2);
    drop(replica);
    // A clone keeps it.
    clone.create_org(&super::slug("acme")).await.unwrap();
    assert!(clone.memo_enabled());
    drop(clone);
    within("listener of the dropped store gone", || async {
        listeners(&name).await.len() == 1
    })
    .await;
    db.store.close().await;
    assert!(!db.store.memo_enabled());
    within("every listener gone", || async {
        listeners(&name).await.is_empty()
    })
    .await;
    db.db.remove().await;
}
