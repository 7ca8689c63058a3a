//! Several replicas on one PostgreSQL and one Redis (docs/operations.md, "Running several
//! replicas"): a change made through any replica or the CLI reaches every replica within the
//! documented bound, a replica killed under load loses nothing and the others keep
//! answering, and a rolling restart fails no request.

mod common;
#[path = "replicas/harness.rs"]
mod harness;

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{get, send};
use harness::{try_get, Replicas, PROPAGATION_BOUND};

/// Every replica answers the search with the token: 200.
async fn every_replica_searches(r: &Replicas, query: &str) {
    for i in 0..r.services.len() {
        let a = get(&r.search_url(i, query), Some(&r.token)).await;
        assert_eq!(a.status, 200, "replica {i}: {}", a.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_by_the_cli_is_refused_by_every_replica_within_the_bound() {
    let r = Replicas::start(3).await;
    let q = r.some_user_query();
    // Each replica has the token in memory now.
    every_replica_searches(&r, &q).await;
    every_replica_searches(&r, &q).await;

    let prefix: String = r.token.chars().take(12).collect();
    r.db.ok(&["token", "revoke", &prefix], "");
    let took = r
        .until_every_replica(PROPAGATION_BOUND, |i| {
            let url = r.search_url(i, &q);
            let token = r.token.clone();
            async move { get(&url, Some(&token)).await.status == 401 }
        })
        .await;
    eprintln!("token revoke (CLI) reached 3 replicas in {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_through_one_replica_is_refused_by_every_replica() {
    let r = Replicas::start(3).await;
    let q = r.some_user_query();
    let made = send(
        "POST",
        &r.url(0, "/api/v1/orgs/acme/tokens"),
        &[("authorization", &format!("Bearer {}", r.admin))],
        Vec::new(),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.text());
    let token = made.json()["token"].as_str().unwrap().to_owned();
    let prefix = made.json()["prefix"].as_str().unwrap().to_owned();
    for i in 0..3 {
        let a = get(&r.search_url(i, &q), Some(&token)).await;
        assert_eq!(a.status, 200, "replica {i} knows a token made on replica 0");
    }

    let revoked = send(
        "DELETE",
        &r.url(1, &format!("/api/v1/tokens/{prefix}")),
        &[("authorization", &format!("Bearer {}", r.admin))],
        Vec::new(),
    )
    .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text());
    let took = r
        .until_every_replica(PROPAGATION_BOUND, |i| {
            let url = r.search_url(i, &q);
            let token = token.clone();
            async move { get(&url, Some(&token)).await.status == 401 }
        })
        .await;
    eprintln!("token revoke (API on replica 1) reached 3 replicas in {took:?}");
    // The other token of the org is untouched everywhere.
    every_replica_searches(&r, &q).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integration_disabled_through_the_api_is_404_on_every_replica_within_the_bound() {
    let r = Replicas::start(3).await;
    let q = r.some_user_query();
    every_replica_searches(&r, &q).await;

    let disabled = send(
        "PATCH",
        &r.url(2, &format!("/api/v1/integrations/{}", r.integration)),
        &[
            ("authorization", &format!("Bearer {}", r.admin)),
            ("content-type", "application/json"),
        ],
        br#"{"enabled": false}"#.to_vec(),
    )
    .await;
    assert_eq!(disabled.status, 200, "{}", disabled.text());
    let took = r
        .until_every_replica(PROPAGATION_BOUND, |i| {
            let url = r.search_url(i, &q);
            let token = r.token.clone();
            async move { get(&url, Some(&token)).await.status == 404 }
        })
        .await;
    eprintln!("integration disabled (API on replica 2) reached 3 replicas in {took:?}");
}

/// Sends GETs round-robin over the running replicas as a load balancer does: a request a
/// replica could not answer (refused, or the connection broke before an answer) is sent to
/// the next one. Counts the answers by whether a 200 came back from some replica.
struct Load {
    ok: AtomicU64,
    failed: AtomicU64,
    retried: AtomicU64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_under_load_loses_nothing_and_the_others_answer_throughout() {
    let mut r = Replicas::start(3).await;
    let q = r.some_user_query();
    every_replica_searches(&r, &q).await;
    let survivors = [r.url(1, ""), r.url(2, "")];
    let admin = format!("Bearer {}", r.admin);
    let victim = r.url(0, "");

    // Load on the two survivors, and writes on the victim, while it is killed.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (stop, token, integration, q) = (
            stop.clone(),
            r.token.clone(),
            r.integration.clone(),
            q.clone(),
        );
        tokio::spawn(async move {
            let (mut ok, mut failed) = (0u64, Vec::new());
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let base = &survivors[n % 2];
                n += 1;
                let url = format!(
                    "{base}/extensions/jira-server/search/acme/{integration}/?field=assignee&query={q}"
                );
                match try_get(&url, &token).await {
                    Some(200) => ok += 1,
                    other => failed.push(other),
                }
            }
            (ok, failed)
        })
    };
    // Orgs created on the victim: every one it acknowledged must survive the kill.
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        let slug = format!("kept-{i}");
        let a = send(
            "POST",
            &format!("{victim}/api/v1/orgs"),
            &[
                ("authorization", &admin),
                ("content-type", "application/json"),
            ],
            format!(r#"{{"slug":"{slug}"}}"#).into_bytes(),
        )
        .await;
        assert_eq!(a.status, 201, "{}", a.text());
        acknowledged.push(slug);
    }
    let pid = r.services[0].as_ref().unwrap().pid().to_string();
    let killed = Command::new("kill").args(["-KILL", &pid]).status().unwrap();
    assert!(killed.success());
    drop(r.services[0].take()); // reaps the killed process
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Restarted: the same database, nothing lost.
    r.services[0] = Some(r.spawn());
    let a = send(
        "GET",
        &r.url(0, "/api/v1/orgs"),
        &[("authorization", &admin)],
        Vec::new(),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text());
    let slugs: Vec<String> = a
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].as_str().unwrap().to_owned())
        .collect();
    for slug in &acknowledged {
        assert!(slugs.contains(slug), "{slug} was acknowledged, then lost");
    }
    every_replica_searches(&r, &q).await;

    stop.store(true, Ordering::Relaxed);
    let (ok, failed) = load.await.unwrap();
    assert!(ok > 0, "the load sent nothing");
    assert!(
        failed.is_empty(),
        "the two other replicas failed {} of {} searches: {:?}",
        failed.len(),
        ok + failed.len() as u64,
        &failed[..failed.len().min(10)]
    );
    eprintln!("{ok} searches on the two survivors while replica 0 was killed and restarted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_fails_no_request() {
    let mut r = Replicas::start(3).await;
    let q = r.some_user_query();
    every_replica_searches(&r, &q).await;
    let load = Arc::new(Load {
        ok: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        retried: AtomicU64::new(0),
    });
    let bases = Arc::new(std::sync::Mutex::new(
        (0..3).map(|i| r.url(i, "")).collect::<Vec<_>>(),
    ));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..4usize {
        let (load, bases, stop) = (load.clone(), bases.clone(), stop.clone());
        let (token, integration, q) = (r.token.clone(), r.integration.clone(), q.clone());
        clients.push(tokio::spawn(async move {
            let mut n = c;
            while !stop.load(Ordering::Relaxed) {
                let targets = bases.lock().unwrap().clone();
                let mut answered = false;
                for attempt in 0..targets.len() {
                    let base = &targets[(n + attempt) % targets.len()];
                    let url = format!(
                        "{base}/extensions/jira-server/search/acme/{integration}/?field=assignee&query={q}"
                    );
                    match try_get(&url, &token).await {
                        Some(200) => {
                            answered = true;
                            break;
                        }
                        Some(_) => break,
                        None => {
                            load.retried.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                n += 1;
                let counter = if answered { &load.ok } else { &load.failed };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }

    let started = Instant::now();
    for i in 0..3 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let status = r.services[i].take().unwrap().terminate();
        assert!(status.success(), "replica {i} exited with {status}");
        let service = r.spawn();
        bases.lock().unwrap()[i] = service.url("");
        r.services[i] = Some(service);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    let (ok, failed, retried) = (
        load.ok.load(Ordering::Relaxed),
        load.failed.load(Ordering::Relaxed),
        load.retried.load(Ordering::Relaxed),
    );
    eprintln!(
        "rolling restart of 3 replicas in {:?}: {ok} searches answered, {failed} failed, {retried} sent again to another replica",
        started.elapsed()
    );
    assert!(ok > 0, "the load sent nothing");
    assert_eq!(failed, 0, "searches failed during the rolling restart");
    every_replica_searches(&r, &q).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expiring_oauth2_token_is_renewed_once_for_fifty_searches_across_three_replicas() {
    const CLIENT_ID: &str = "replicas-client";
    const CLIENT_SECRET: &str = "replicas-client-s3cret";
    const REFRESH0: &str = "replicas-refresh-token-0";
    let r = Replicas::start(3).await;
    let sim = jira_sim::start(jira_sim::SimConfig {
        flavor: jira_sim::Flavor::Server,
        oauth2_clients: vec![(CLIENT_ID.into(), CLIENT_SECRET.into(), REFRESH0.into())],
        latency_ms: 20,
        ..jira_sim::SimConfig::default()
    })
    .await
    .unwrap();
    let base_url = sim.base_url();
    let token_url = format!("{base_url}/rest/oauth2/latest/token");
    let mut args = common::integration_add(
        "acme",
        "jira_server",
        &base_url,
        &[
            "oauth2",
            "--client-id",
            CLIENT_ID,
            "--token-url",
            &token_url,
        ],
    );
    args.push("--allow-http");
    let id = r.db.ok(&args, &format!("{CLIENT_SECRET}:{REFRESH0}\n"));
    let user = sim.users().into_iter().find(|u| u.active).unwrap();
    let q: String = user.display_name.chars().take(3).collect();
    let search = |i: usize, query: &str| {
        r.url(
            i,
            &format!("/extensions/jira-server/search/acme/{id}/?field=assignee&query={query}"),
        )
    };
    // The first search renews once (no access token anywhere yet); the others use it.
    for i in 0..3 {
        let a = get(&search(i, &q), Some(&r.token)).await;
        assert_eq!(a.status, 200, "replica {i}: {}", a.text());
    }
    assert_eq!(
        sim.oauth2_refresh_count(),
        1,
        "one renewal for three replicas"
    );

    // Every access token expires at Jira; 50 searches (distinct queries: no cache hit) at
    // once, spread over the three replicas.
    sim.expire_access_tokens();
    let mut tasks = Vec::new();
    for n in 0..50 {
        let url = search(n % 3, &format!("{q}{n}"));
        let token = r.token.clone();
        tasks.push(tokio::spawn(async move {
            let a = get(&url, Some(&token)).await;
            (a.status, a.text())
        }));
    }
    for t in tasks {
        let (status, text) = t.await.unwrap();
        assert_eq!(status, 200, "a search failed across the renewal: {text}");
    }
    assert_eq!(
        sim.oauth2_refresh_count(),
        2,
        "exactly one renewal after the expiry, for the three replicas"
    );
    assert_eq!(
        sim.oauth2_reuse_rejections(),
        0,
        "no replica used a refresh token another had rotated away"
    );
}
