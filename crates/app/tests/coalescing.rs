//! Request coalescing: identical searches at the same moment make one call of each kind at
//! Jira, and everyone gets the same answer; an error reaches every waiter, uncached.

mod common;

use common::{get, CacheKind, Db, Service, SERVER_PAT};
use jira_sim::{Fault, Flavor, SimConfig, SimHandle};

/// A Server simulator answering every call after 300 ms, so concurrent searches overlap.
async fn slow_sim() -> SimHandle {
    jira_sim::start(SimConfig {
        flavor: Flavor::Server,
        accept_tokens: vec![SERVER_PAT.into()],
        latency_ms: 300,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn setup(sim: &SimHandle) -> (Db, String, String) {
    let db = Db::new();
    db.ok(&["org", "add", "acme"], "");
    let id = db.add_integration("acme", "jira_server", &sim.base_url(), &["pat"], SERVER_PAT);
    let token = db.ok(&["token", "add", "--org", "acme"], "");
    (db, id, token)
}

/// Sends `n` identical searches at once; returns (status, body) of each.
async fn burst(url: &str, token: &str, n: usize) -> Vec<(u16, String)> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (url, token) = (url.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let a = get(&url, Some(&token)).await;
            (a.status, a.text())
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn count(sim: &SimHandle, suffix: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.path.ends_with(suffix))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_identical_searches_make_one_call_of_each_kind() {
    let sim = slow_sim().await;
    let (db, id, token) = setup(&sim);
    let project = sim.projects()[0].clone();
    let q = "a";
    for cache in common::CACHES {
        sim.clear_requests();
        let svc = Service::start(&db, cache, &[]);
        let url = svc.url(&format!(
            "/extensions/jira-server/search/acme/{id}/?field=assignee&query={q}&project={}",
            project.id
        ));
        let answers = burst(&url, &token, 200).await;
        assert!(answers.iter().all(|(s, _)| *s == 200), "{:?}", answers[0]);
        assert!(
            answers.iter().all(|a| a.1 == answers[0].1),
            "callers got different answers"
        );
        assert_eq!(
            count(&sim, &format!("/rest/api/2/project/{}", project.id)),
            1,
            "{cache:?}: project lookups"
        );
        assert_eq!(
            count(&sim, "/rest/api/2/user/assignable/search"),
            1,
            "{cache:?}: user searches"
        );
        // Issue searches are never cached, yet identical ones at once still share a call.
        let issues = svc.url(&format!(
            "/extensions/jira-server/search/acme/{id}/?field=externalIssue&query=zz{cache:?}"
        ));
        let answers = burst(&issues, &token, 50).await;
        assert!(answers.iter().all(|(s, _)| *s == 200), "{:?}", answers[0]);
        assert_eq!(
            count(&sim, "/rest/api/2/search"),
            1,
            "{cache:?}: issue searches"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_reaches_every_waiter_and_the_next_search_asks_again() {
    let sim = slow_sim().await;
    let (db, id, token) = setup(&sim);
    for cache in [CacheKind::Memory, CacheKind::Redis] {
        sim.clear_requests();
        let svc = Service::start(&db, cache, &[]);
        let url = svc.url(&format!(
            "/extensions/jira-server/search/acme/{id}/?field=assignee&query=err{cache:?}"
        ));
        sim.add_fault(Fault::status(500).on("/rest/api/2/user/search").times(1));
        let answers = burst(&url, &token, 50).await;
        for (status, body) in &answers {
            assert_eq!(*status, 400, "{body}");
            assert_eq!(body, r#"{"detail":"Unable to fetch users from Jira"}"#);
        }
        assert_eq!(count(&sim, "/rest/api/2/user/search"), 1);
        // The error was not cached: the next search asks Jira again, and succeeds.
        let a = get(&url, Some(&token)).await;
        assert_eq!(a.status, 200, "{}", a.text());
        assert_eq!(count(&sim, "/rest/api/2/user/search"), 2);
    }
}
