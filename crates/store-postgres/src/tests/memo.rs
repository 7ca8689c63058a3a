//! The memo of the hot path across replicas: two stores on one database (two pools, as two
//! replicas); what one changes, or an operator's SQL, the other stops answering within a
//! bound. The writer's own lookups see its writes at once.

use std::future::Future;
use std::time::{Duration, Instant};

use domain::admin::revoke_selector;
use domain::token::{hash_token, StoredToken};
use domain::{
    AdminStore, CredentialUpdates, Credentials, IntegrationId, IntegrationStore, Org, OrgRef,
    Secret,
};
use sqlx::{Connection, Executor};

use super::{name, oauth2, pat, slug, tok, Db};
use crate::PgStore;

/// How long a change may take to reach another replica in these tests (the documented
/// bound is far below).
pub(super) const DEADLINE: Duration = Duration::from_secs(5);

/// Polls `check` (every millisecond) until it holds; how long that took. Fails the test
/// after [`DEADLINE`].
pub(super) async fn within<F, Fut>(what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < DEADLINE,
            "{what}: not within {DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// An org `acme` with a caller token (`tok(1)`) and an integration, written through the
/// first store (the writer, B); `a` is opened afterwards on the same database (the reader,
/// A), so no notification of the setup is still on its way to it.
pub(super) struct World {
    pub(super) db: Db,
    pub(super) a: PgStore,
    pub(super) org: Org,
    pub(super) id: IntegrationId,
}

impl World {
    pub(super) async fn new() -> Self {
        let db = Db::new().await;
        let b = &db.store;
        let org = b.create_org(&slug("acme")).await.unwrap().unwrap();
        assert!(b
            .add_token(org.id, &StoredToken::of(&tok(1)))
            .await
            .unwrap());
        let id = b.add_integration(org.id, &pat("jira")).await.unwrap();
        let a = db.replica(None).await;
        assert!(a.memo_enabled(), "listening once opened");
        Self { db, a, org, id }
    }

    pub(super) fn b(&self) -> &PgStore {
        &self.db.store
    }

    /// What `store` answers: the token's org, the org by slug, the integration (enabled?).
    pub(super) async fn seen_by(&self, store: &PgStore) -> (bool, bool, Option<bool>) {
        let token = store
            .org_for_token_hash(&hash_token(&tok(1)))
            .await
            .unwrap();
        let org = store.find_org(&OrgRef::Slug("acme".into())).await.unwrap();
        let integration = store
            .linked_integration(self.org.id, self.id)
            .await
            .unwrap();
        (
            token.is_some(),
            org.is_some(),
            integration.map(|i| i.enabled),
        )
    }

    /// Looks everything up on A twice: the second time from memory only.
    pub(super) async fn warm(&self) -> (bool, bool, Option<bool>) {
        let seen = self.seen_by(&self.a).await;
        let (hits, reads) = (self.a.memo_hits(), self.a.directory_reads());
        assert_eq!(self.seen_by(&self.a).await, seen);
        let found = 2 + u64::from(seen.2.is_some());
        assert_eq!(self.a.memo_hits(), hits + found, "answered from memory");
        assert_eq!(self.a.directory_reads(), reads, "nothing read again");
        seen
    }

    /// Waits until A answers `expected`; how long it took.
    pub(super) async fn until_a_sees(
        &self,
        what: &str,
        expected: (bool, bool, Option<bool>),
    ) -> Duration {
        within(what, || async { self.seen_by(&self.a).await == expected }).await
    }

    pub(super) async fn remove(self) {
        self.a.close().await;
        self.db.remove().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_one_replica_changes_the_other_forgets_promptly() {
    let w = World::new().await;
    assert_eq!(w.warm().await, (true, true, Some(true)));
    let b = w.b();

    let revoked = b
        .revoke_token(&revoke_selector(&tok(1)).unwrap())
        .await
        .unwrap();
    assert_eq!(revoked, domain::ports::RevokeOutcome::Revoked);
    let t1 = w
        .until_a_sees("revoked token", (false, true, Some(true)))
        .await;
    w.warm().await;

    assert!(b.set_integration_enabled(w.id, false).await.unwrap());
    let t2 = w
        .until_a_sees("disabled integration", (false, true, Some(false)))
        .await;
    w.warm().await;

    assert!(b.remove_integration(w.id).await.unwrap());
    let t3 = w
        .until_a_sees("removed integration", (false, true, None))
        .await;
    w.warm().await;

    // Orgs gone and new are seen too (the directory is read whole again).
    assert!(b.delete_org(w.org.id).await.unwrap());
    let t4 = w.until_a_sees("deleted org", (false, false, None)).await;
    let made = b.create_org(&slug("acme")).await.unwrap().unwrap();
    assert_ne!(made.id, w.org.id);
    let t5 = w.until_a_sees("created org", (false, true, None)).await;
    println!("seen by the other replica after {t1:?}, {t2:?}, {t3:?}, {t4:?}, {t5:?}");
    w.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_with_sql_is_forgotten_too() {
    let w = World::new().await;
    w.warm().await;
    let mut sql = sqlx::PgConnection::connect(w.db.db.url()).await.unwrap();
    // Rolled back: nothing to forget, and nothing changes.
    let mut tx = sql.begin().await.unwrap();
    tx.execute("UPDATE api_tokens SET revoked_at = now()")
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(w.seen_by(&w.a).await, (true, true, Some(true)));

    sql.execute("UPDATE integrations SET enabled = FALSE")
        .await
        .unwrap();
    w.until_a_sees("UPDATE", (true, true, Some(false))).await;
    w.warm().await;
    sql.execute("TRUNCATE api_tokens").await.unwrap();
    w.until_a_sees("TRUNCATE", (false, true, Some(false))).await;
    w.warm().await;
    sql.execute("DELETE FROM org_integrations").await.unwrap();
    w.until_a_sees("unlinked", (false, true, None)).await;
    w.warm().await;
    sql.execute("UPDATE orgs SET slug = 'renamed'")
        .await
        .unwrap();
    w.until_a_sees("renamed org", (false, false, None)).await;
    let _ = sql.close().await;
    w.remove().await;
}

/// Notifications are ignored here (`deaf`): what the writer's own lookups see at once is
/// what its writes forget by themselves.
#[tokio::test]
async fn the_writers_own_lookups_see_its_writes_at_once() {
    let w = World::new().await;
    let a = &w.a;
    a.memo
        .deaf
        .store(true, std::sync::atomic::Ordering::Relaxed);
    // Before each write, A holds everything in memory (`warm`).
    assert_eq!(w.warm().await, (true, true, Some(true)));
    let renamed = name("renamed");
    assert!(a
        .update_integration(w.id, Some(&renamed), Some(false))
        .await
        .unwrap());
    assert_eq!(w.seen_by(a).await, (true, true, Some(false)));
    w.warm().await;
    assert!(a.set_integration_enabled(w.id, true).await.unwrap());
    assert_eq!(w.seen_by(a).await, (true, true, Some(true)));
    w.warm().await;
    let credentials = Credentials::Pat {
        token: Secret::new("other-pat"),
    };
    assert!(a.replace_credentials(w.id, &credentials).await.unwrap());
    let found = a.linked_integration(w.org.id, w.id).await.unwrap().unwrap();
    assert_eq!(found.credentials, credentials);
    let renewed = a
        .add_integration(w.org.id, &oauth2("cloud", "rt-1"))
        .await
        .unwrap();
    a.linked_integration(w.org.id, renewed)
        .await
        .unwrap()
        .unwrap();
    a.save_refresh_token(renewed, &Secret::new("rt-2"))
        .await
        .unwrap();
    let found = a
        .linked_integration(w.org.id, renewed)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(found.credentials, Credentials::OAuth2 { refresh_token, .. }
        if refresh_token.expose() == "rt-2")
    );
    w.warm().await;
    assert!(a
        .revoke_token(&revoke_selector(&tok(1)).unwrap())
        .await
        .is_ok());
    assert_eq!(w.seen_by(a).await, (false, true, Some(true)));
    w.warm().await;
    assert!(a
        .add_token(w.org.id, &StoredToken::of(&tok(2)))
        .await
        .unwrap());
    let token = a.org_for_token_hash(&hash_token(&tok(2))).await.unwrap();
    assert_eq!(token, Some(w.org.id));
    w.warm().await;
    assert!(a.remove_integration(w.id).await.unwrap());
    assert_eq!(w.seen_by(a).await, (false, true, None));
    let (again, updated) = a.connect_integration(w.org.id, &pat("jira")).await.unwrap();
    assert!(!updated);
    assert!(a
        .linked_integration(w.org.id, again)
        .await
        .unwrap()
        .is_some());
    w.warm().await;
    a.rotate_secrets(None).await.unwrap();
    w.warm().await;
    assert_eq!(
        a.find_org(&OrgRef::Slug("other".into())).await.unwrap(),
        None
    );
    let other = a.create_org(&slug("other")).await.unwrap().unwrap();
    let found = a.find_org(&OrgRef::Slug("other".into())).await.unwrap();
    assert_eq!(found, Some(other));
    w.warm().await;
    assert!(a.delete_org(w.org.id).await.unwrap());
    assert_eq!(w.seen_by(a).await, (false, false, None));
    w.remove().await;
}

/// The propagation delay: a change committed through B, then A polled (as fast as it
/// answers) until it answers the change; 200 times. Prints the median and the worst.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn propagation_delay_between_replicas() {
    const ROUNDS: usize = 200;
    let w = World::new().await;
    let mut delays = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let enabled = round % 2 == 1;
        // A holds the integration's current state in memory...
        let seen = w.warm().await;
        assert_eq!(seen.2, Some(!enabled));
        // ...when B commits the change.
        assert!(w.b().set_integration_enabled(w.id, enabled).await.unwrap());
        let start = Instant::now();
        loop {
            let found = w.a.linked_integration(w.org.id, w.id).await.unwrap();
            if found.is_some_and(|i| i.enabled == enabled) {
                break;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "round {round}: not seen within {DEADLINE:?}"
            );
            tokio::task::yield_now().await;
        }
        delays.push(start.elapsed());
    }
    delays.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "propagation over {ROUNDS} changes: median {:.2} ms, p99 {:.2} ms, worst {:.2} ms",
        ms(delays[ROUNDS / 2]),
        ms(delays[ROUNDS * 99 / 100]),
        ms(delays[ROUNDS - 1]),
    );
    w.remove().await;
}
