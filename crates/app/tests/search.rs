//! The search routes, black-box: the real binary, real SQLite, jira-sim, both caches.

mod common;

use common::{get, request, CacheKind, Service, World, CACHES};
use jira_sim::{Fault, SimHandle, SimUser};
use serde_json::{json, Value};

/// The provider-specific parts of one search route.
struct Flavour<'a> {
    route: &'static str,
    integration: &'a str,
    sim: &'a SimHandle,
    text_param: &'static str,
}

fn flavours(w: &World) -> [Flavour<'_>; 2] {
    [
        Flavour {
            route: "jira-server",
            integration: &w.server_id,
            sim: &w.server_sim,
            text_param: "username",
        },
        Flavour {
            route: "jira",
            integration: &w.cloud_id,
            sim: &w.cloud_sim,
            text_param: "query",
        },
    ]
}

/// The label the spec's user-choice rules give a simulator user.
fn expected_choice(f: &Flavour<'_>, u: &SimUser) -> Value {
    let email = u
        .email
        .as_deref()
        .map(|e| format!(" - {e}"))
        .unwrap_or_default();
    if f.route == "jira" {
        json!({"value": u.account_id, "label": format!("{}{email}", u.display_name)})
    } else {
        json!({"value": u.name, "label": format!("{}{email} ({})", u.display_name, u.name)})
    }
}

/// A user every search below should find, and a query of the first three letters of its
/// display name.
fn target(sim: &SimHandle) -> (SimUser, String) {
    let u = sim
        .users()
        .into_iter()
        .find(|u| u.active && u.email.is_some())
        .unwrap();
    let q: String = u.display_name.chars().take(3).collect();
    (u, q)
}

fn search_url(svc: &Service, f: &Flavour<'_>, params: &str) -> String {
    svc.url(&format!(
        "/extensions/{}/search/acme/{}/?{params}",
        f.route, f.integration
    ))
}

#[tokio::test]
async fn user_search_without_a_project_on_both_providers_and_caches() {
    let w = World::new().await;
    for cache in CACHES {
        let svc = Service::start(&w.db, cache, &[]);
        for f in flavours(&w) {
            f.sim.clear_requests();
            let (user, q) = target(f.sim);
            let a = get(
                &search_url(&svc, &f, &format!("field=assignee&query={q}")),
                Some(&w.token),
            )
            .await;
            assert_eq!(a.status, 200, "{cache:?} {}: {}", f.route, a.text());
            assert_eq!(a.headers["content-type"], "application/json");
            let list = a.json();
            let list = list.as_array().unwrap();
            assert!(
                list.contains(&expected_choice(&f, &user)),
                "{cache:?} {}: {list:?}",
                f.route
            );
            // Exactly one call: the instance-wide search with the provider's text parameter.
            let log = f.sim.requests();
            assert_eq!(log.len(), 1, "{log:?}");
            let want_path = if f.route == "jira" {
                "/rest/api/3/user/search"
            } else {
                "/rest/api/2/user/search"
            };
            assert_eq!(log[0].path, want_path);
            assert_eq!(log[0].param(f.text_param), Some(q.as_str()));
            assert_eq!(log[0].query.len(), 1, "{:?}", log[0].query);
        }
    }
}

#[tokio::test]
async fn a_project_search_sends_one_lookup_and_one_search_then_none_within_the_ttl() {
    let w = World::new().await;
    for cache in CACHES {
        let svc = Service::start(&w.db, cache, &[]);
        for f in flavours(&w) {
            f.sim.clear_requests();
            let project = f.sim.projects()[0].clone();
            let (_, q) = target(f.sim);
            let url = search_url(
                &svc,
                &f,
                &format!("field=reporter&query={q}&project={}", project.id),
            );
            let first = get(&url, Some(&w.token)).await;
            assert_eq!(first.status, 200, "{cache:?} {}: {}", f.route, first.text());
            let log = f.sim.requests();
            // Server's assignable search takes only a key: the id is looked up first. Cloud's
            // takes the id itself: one call.
            let calls = if f.route == "jira" { 1 } else { 2 };
            assert_eq!(log.len(), calls, "{cache:?} {}: {log:?}", f.route);
            let assignable = &log[calls - 1];
            if f.route == "jira" {
                assert_eq!(assignable.param("project"), Some(project.id.as_str()));
            } else {
                assert_eq!(log[0].path, format!("/rest/api/2/project/{}", project.id));
                assert_eq!(assignable.param("project"), Some(project.key.as_str()));
            }
            assert_eq!(assignable.path, "/rest/api/2/user/assignable/search");
            assert_eq!(assignable.param(f.text_param), Some(q.as_str()));
            // Every user offered is assignable in that project, in Jira's order.
            let want: Vec<Value> = f
                .sim
                .users()
                .iter()
                .filter(|u| u.projects.is_empty() || u.projects.contains(&project.key))
                .map(|u| expected_choice(&f, u))
                .collect();
            for choice in first.json().as_array().unwrap() {
                assert!(
                    want.contains(choice),
                    "{choice} is not assignable in {}",
                    project.key
                );
            }
            let second = get(&url, Some(&w.token)).await;
            assert_eq!(second.status, 200);
            assert_eq!(second.json(), first.json());
            assert_eq!(
                f.sim.requests().len(),
                calls,
                "{cache:?} {}: the second search reached Jira",
                f.route
            );
        }
    }
}

#[tokio::test]
async fn an_unknown_project_falls_back_to_the_instance_search() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    for f in flavours(&w) {
        f.sim.clear_requests();
        let (user, q) = target(f.sim);
        let a = get(
            &search_url(&svc, &f, &format!("field=assignee&query={q}&project=99999")),
            Some(&w.token),
        )
        .await;
        assert_eq!(a.status, 200, "{}", a.text());
        assert!(a
            .json()
            .as_array()
            .unwrap()
            .contains(&expected_choice(&f, &user)));
        let log: Vec<(String, Option<String>)> = f
            .sim
            .requests()
            .into_iter()
            .map(|r| (r.path.clone(), r.param("project").map(str::to_owned)))
            .collect();
        // Server: the id's lookup (404), then the instance-wide search. Cloud: the
        // assignable search with the id (404), then the instance-wide search.
        let (first, instance_wide) = if f.route == "jira" {
            (
                (
                    "/rest/api/2/user/assignable/search".to_owned(),
                    Some("99999".to_owned()),
                ),
                "/rest/api/3/user/search",
            )
        } else {
            (
                ("/rest/api/2/project/99999".to_owned(), None),
                "/rest/api/2/user/search",
            )
        };
        assert_eq!(
            log,
            [first, (instance_wide.to_owned(), None)],
            "{}",
            f.route
        );
    }
}

#[tokio::test]
async fn jira_failures_are_400_with_the_users_message_and_never_cached() {
    let w = World::new().await;
    for cache in CACHES {
        let svc = Service::start(&w.db, cache, &[]);
        for f in flavours(&w) {
            let (_, q) = target(f.sim);
            let url = search_url(&svc, &f, &format!("field=assignee&query={q}x"));
            for fault in [
                Fault::html(500, "<html><body>Oops</body></html>"),
                Fault::html(401, "<html>login</html>")
                    .header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"),
                Fault::rate_limited(Some(30)),
                Fault::malformed_json(),
            ] {
                f.sim.clear_faults();
                f.sim.add_fault(fault.clone().times(1));
                let a = get(&url, Some(&w.token)).await;
                assert_eq!(a.status, 400, "{cache:?} {} {fault:?}", f.route);
                assert_eq!(
                    a.json(),
                    json!({"detail": "Unable to fetch users from Jira"})
                );
            }
            // The faults are spent: the same search now succeeds, so no error was cached.
            let a = get(&url, Some(&w.token)).await;
            assert_eq!(a.status, 200, "{}", a.text());
        }
    }
}

#[tokio::test]
async fn every_status_row_of_the_contract() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    let s = &w.server_id;
    let c = &w.cloud_id;
    let o = &w.other_id;
    let q = "field=assignee&query=a";
    let not_exist = json!({"detail": "The requested resource does not exist"});
    let unauth = json!({"detail": "Authentication credentials were not provided."});
    // (path and query, token, status, body: Some(json) or None for an empty body)
    let rows: Vec<(String, Option<&str>, u16, Option<Value>)> = vec![
        (
            format!("/extensions/jira-server/search/acme/{s}/?{q}"),
            None,
            401,
            Some(unauth.clone()),
        ),
        (
            format!("/extensions/jira-server/search/acme/{s}/?{q}"),
            Some("jst_nope"),
            401,
            Some(unauth.clone()),
        ),
        (
            format!("/extensions/jira/search/acme/{c}/?{q}"),
            Some(&w.other_token),
            404,
            Some(not_exist.clone()),
        ),
        (
            format!("/extensions/jira-server/search/nobody/{s}/?{q}"),
            Some(&w.token),
            404,
            Some(not_exist.clone()),
        ),
        (
            format!("/extensions/jira-server/search/acme/999/?{q}"),
            Some(&w.token),
            404,
            None,
        ),
        // Of the other provider.
        (
            format!("/extensions/jira/search/acme/{s}/?{q}"),
            Some(&w.token),
            404,
            None,
        ),
        (
            format!("/extensions/jira-server/search/acme/{c}/?{q}"),
            Some(&w.token),
            404,
            None,
        ),
        // Another org's integration, through this org.
        (
            format!("/extensions/jira-server/search/acme/{o}/?{q}"),
            Some(&w.token),
            404,
            None,
        ),
        (
            format!("/extensions/jira-server/search/acme/{s}/?query=a"),
            Some(&w.token),
            400,
            Some(json!({"detail": "field is a required parameter"})),
        ),
        (
            format!("/extensions/jira-server/search/acme/{s}/?field=assignee"),
            Some(&w.token),
            400,
            Some(json!({"detail": "query is a required parameter"})),
        ),
        (
            format!("/extensions/jira/search/acme/{c}/?field=assignee&query="),
            Some(&w.token),
            400,
            Some(json!({"detail": "query is a required parameter"})),
        ),
        // The org by numeric id, no trailing slash: success.
        (
            format!("/extensions/jira-server/search/1/{s}?{q}"),
            Some(&w.token),
            200,
            None,
        ),
        (
            format!("/extensions/jira/search/acme/{c}/?field=assignee&query=%20"),
            Some(&w.token),
            200,
            None,
        ),
        (
            "/nowhere".to_string(),
            None,
            404,
            Some(json!({"detail": "Not found"})),
        ),
        (
            format!("/extensions/jira/search/acme/abc/?{q}"),
            Some(&w.token),
            404,
            Some(json!({"detail": "Not found"})),
        ),
        (
            "/healthz".to_string(),
            None,
            200,
            Some(json!({"status": "ok"})),
        ),
    ];
    for (path, token, status, body) in rows {
        let a = get(&svc.url(&path), token).await;
        assert_eq!(a.status, status, "{path}: {}", a.text());
        match (status, body) {
            (_, Some(b)) => assert_eq!(a.json(), b, "{path}"),
            (404, None) => assert!(a.body.is_empty(), "{path}: {}", a.text()),
            _ => assert!(a.json().is_array(), "{path}"),
        }
    }
    // Repeated parameters: the last value wins (here the last field is a user search).
    let a = get(
        &svc.url(&format!(
            "/extensions/jira-server/search/acme/{s}/?field=sprint&query=zz&field=assignee"
        )),
        Some(&w.token),
    )
    .await;
    assert_eq!(a.status, 200);
    let last = w.server_sim.requests().pop().unwrap();
    assert_eq!(last.path, "/rest/api/2/user/search");
    // Other methods on a known path: 405 with Allow.
    let a = request("POST", &svc.url("/healthz"), None).await;
    assert_eq!(a.status, 405);
    assert_eq!(a.headers["allow"], "GET, HEAD");
    assert!(a.json()["detail"].is_string());
}

#[tokio::test]
async fn a_disabled_integration_is_404() {
    let w = World::new().await;
    let store = store_sqlite::SqliteStore::open(&w.db.url).await.unwrap();
    let found = domain::AdminStore::set_integration_enabled(
        &store,
        domain::IntegrationId(w.server_id.parse().unwrap()),
        false,
    )
    .await
    .unwrap();
    assert!(found);
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    let a = get(
        &svc.url(&format!(
            "/extensions/jira-server/search/acme/{}/?field=assignee&query=a",
            w.server_id
        )),
        Some(&w.token),
    )
    .await;
    assert_eq!(a.status, 404);
    assert!(a.body.is_empty());
    assert!(w.server_sim.requests().is_empty());
}

/// An integration id with more digits than any id is checked in the documented order: the
/// token first (401), then the org (404 with detail), then the integration (404, empty body).
#[tokio::test]
async fn an_integration_id_beyond_64_bits_is_checked_after_the_token_and_the_org() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    let huge = "99999999999999999999999";
    let url = |org: &str| {
        svc.url(&format!(
            "/extensions/jira-server/search/{org}/{huge}/?field=assignee&query=a"
        ))
    };
    let a = get(&url("acme"), None).await;
    assert_eq!(a.status, 401);
    assert_eq!(
        a.json(),
        json!({"detail": "Authentication credentials were not provided."})
    );
    let a = get(&url("no-such-org"), Some(&w.token)).await;
    assert_eq!(a.status, 404);
    assert_eq!(
        a.json(),
        json!({"detail": "The requested resource does not exist"})
    );
    let a = get(&url("acme"), Some(&w.token)).await;
    assert_eq!(a.status, 404);
    assert!(a.body.is_empty());
    assert!(w.server_sim.requests().is_empty());
}

#[tokio::test]
async fn readiness_metrics_and_logs() {
    let w = World::new().await;
    for cache in CACHES {
        let svc = Service::start(&w.db, cache, &[]);
        let a = get(&svc.url("/readyz"), None).await;
        assert_eq!(a.status, 200);
        let kind = if cache == CacheKind::Redis {
            "redis"
        } else {
            "memory"
        };
        assert_eq!(
            a.json(),
            json!({"status": "ready", "database": "ok", "cache": {"kind": kind, "status": "ok"}})
        );
        let (_, q) = target(&w.server_sim);
        let url = svc.url(&format!(
            "/extensions/jira-server/search/acme/{}/?field=assignee&query={q}",
            w.server_id
        ));
        get(&url, Some(&w.token)).await;
        get(&url, Some(&w.token)).await;
        let m = get(&svc.url("/metrics"), None).await;
        assert_eq!(m.status, 200);
        let text = m.text();
        assert!(
            text.contains(
                "jira_search_http_requests_total{route=\"search_server\",branch=\"users\",status=\"200\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "jira_search_cache_operations_total{{adapter=\"{kind}\",outcome=\"hit\"}} 1"
            )),
            "{text}"
        );
        assert!(
            text.contains("jira_search_http_request_duration_seconds_bucket"),
            "{text}"
        );
        // X-Request-Id: the caller's is kept, else one is made; both reach the log line.
        let a = common::request_with(
            "GET",
            &svc.url("/healthz"),
            &[("x-request-id", "caller-id-42")],
        )
        .await;
        assert_eq!(a.headers["x-request-id"], "caller-id-42");
        let made = get(&svc.url("/healthz"), None).await.headers["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(made.len(), 32, "{made}");
        assert!(made.bytes().all(|b| b.is_ascii_hexdigit()));
        let bad = common::request_with(
            "GET",
            &svc.url("/healthz"),
            &[("x-request-id", "has space")],
        )
        .await;
        assert_ne!(bad.headers["x-request-id"], "has space");
        std::thread::sleep(std::time::Duration::from_millis(100));
        let logs = svc.logs();
        assert!(logs.contains("search_server"), "{logs}");
        assert!(
            logs.contains("caller-id-42") && logs.contains(&made),
            "{logs}"
        );
        // Neither the caller token, nor the Jira secrets, nor the query text are logged.
        for secret in [w.token.as_str(), common::SERVER_PAT, common::CLOUD_TOKEN] {
            assert!(!logs.contains(secret), "a secret was logged: {logs}");
        }
    }
}

#[tokio::test]
async fn a_dead_redis_degrades_to_jira() {
    let w = World::new().await;
    let port = common::closed_port();
    let redis = format!("redis://127.0.0.1:{port}");
    let svc = Service::start(&w.db, CacheKind::Memory, &[("REDIS_URL", &redis)]);
    let (_, q) = target(&w.server_sim);
    let url = svc.url(&format!(
        "/extensions/jira-server/search/acme/{}/?field=assignee&query={q}",
        w.server_id
    ));
    for _ in 0..2 {
        let a = get(&url, Some(&w.token)).await;
        assert_eq!(a.status, 200, "{}", a.text());
    }
    // Redis is down, yet the near (in-process) copy spared Jira the second call.
    assert_eq!(w.server_sim.requests().len(), 1);
    let r = get(&svc.url("/readyz"), None).await;
    assert_eq!(
        r.status, 200,
        "a down Redis does not make the service unready"
    );
    assert_eq!(
        r.json()["cache"],
        json!({"kind": "redis", "status": "down"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_and_exits_cleanly() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[("SHUTDOWN_GRACE_SECONDS", "5")]);
    w.server_sim.add_fault(
        Fault::status(200)
            .delay(700)
            .times(1)
            .on("/rest/api/2/user/search")
            .body("[]")
            .content_type("application/json"),
    );
    let url = svc.url(&format!(
        "/extensions/jira-server/search/acme/{}/?field=assignee&query=zz",
        w.server_id
    ));
    let token = w.token.clone();
    let in_flight = tokio::spawn(async move { get(&url, Some(&token)).await });
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    let status = svc.terminate();
    assert!(status.success(), "{status:?}");
    let a = in_flight.await.unwrap();
    assert_eq!(
        a.status, 200,
        "the in-flight request was drained, not dropped"
    );
}

#[tokio::test]
async fn a_rate_limited_search_waits_out_a_short_retry_after_and_fails_fast_on_a_long_one() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    let (_, q) = target(&w.server_sim);
    let url = |q: &str| {
        svc.url(&format!(
            "/extensions/jira-server/search/acme/{}/?field=assignee&query={q}",
            w.server_id
        ))
    };
    w.server_sim
        .add_fault(Fault::rate_limited(Some(1)).times(1));
    let a = get(&url(&q), Some(&w.token)).await;
    assert_eq!(a.status, 200, "{}", a.text());
    w.server_sim
        .add_fault(Fault::rate_limited(Some(120)).times(1));
    let started = std::time::Instant::now();
    let a = get(&url(&format!("{q}x")), Some(&w.token)).await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.json(),
        json!({"detail": "Unable to fetch users from Jira"})
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_and_removal_take_effect_on_the_very_next_request() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    let url = svc.url(&format!(
        "/extensions/jira-server/search/acme/{}/?field=assignee&query=ab",
        w.server_id
    ));
    // Resolved once, then answered from the service's memory.
    for _ in 0..3 {
        assert_eq!(get(&url, Some(&w.token)).await.status, 200);
    }
    w.db.ok(&["token", "revoke", &w.token], "");
    let a = get(&url, Some(&w.token)).await;
    assert_eq!(a.status, 401, "a revoked token still worked: {}", a.text());

    let other = svc.url(&format!(
        "/extensions/jira-server/search/umbrella/{}/?field=assignee&query=ab",
        w.other_id
    ));
    for _ in 0..3 {
        assert_eq!(get(&other, Some(&w.other_token)).await.status, 200);
    }
    w.db.ok(&["integration", "remove", &w.other_id], "");
    let a = get(&other, Some(&w.other_token)).await;
    assert_eq!(
        a.status,
        404,
        "a removed integration still answered: {}",
        a.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integration_disabled_from_the_cli_answers_404_until_enabled_again() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    let url = svc.url(&format!(
        "/extensions/jira-server/search/acme/{}/?field=assignee&query=ab",
        w.server_id
    ));
    assert_eq!(get(&url, Some(&w.token)).await.status, 200);
    w.db.ok(&["integration", "disable", &w.server_id], "");
    let listed = w.db.ok(&["integration", "list"], "");
    let line = listed
        .lines()
        .find(|l| l.starts_with(&format!("{}\t", w.server_id)))
        .unwrap();
    assert!(line.contains("\tdisabled\t"), "{line}");
    let a = get(&url, Some(&w.token)).await;
    assert_eq!(a.status, 404, "{}", a.text());
    assert!(a.body.is_empty());
    w.db.ok(&["integration", "enable", &w.server_id], "");
    assert_eq!(get(&url, Some(&w.token)).await.status, 200);
    // An unknown id is the caller's mistake: exit 2, one line saying so.
    for verb in ["disable", "enable"] {
        let out = w.db.cli(&["integration", verb, "999"], "");
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("999"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}
