//! CORS on the search routes (docs/api.md, "CORS"), against the real binary: a preflight from
//! an allowed origin is answered 204 without authentication, any other preflight 403 without
//! the allow headers, every answer of a search route varies on `Origin` and names an allowed
//! one, no other route ever sends a CORS header, and without `CORS_ALLOWED_ORIGINS` nothing
//! changes. A bad setting stops `serve` before it listens.

mod common;

use common::{code, request, request_with, stderr, Answer, CacheKind, Db, Service, World};

const ALLOWED: &str = "http://127.0.0.1:9999";
const ALSO_ALLOWED: &str = "https://picker.example.com";
const OTHER: &str = "https://evil.example.com";

fn origins() -> String {
    format!("{ALLOWED}, {ALSO_ALLOWED}")
}

/// Every `access-control-*` header of an answer.
fn cors_headers(a: &Answer) -> Vec<String> {
    a.headers
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

fn vary(a: &Answer) -> Vec<String> {
    a.headers
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

async fn preflight(url: &str, origin: &str, method: &str, headers: Option<&str>) -> Answer {
    let mut h = vec![
        ("origin", origin),
        ("access-control-request-method", method),
    ];
    if let Some(asked) = headers {
        h.push(("access-control-request-headers", asked));
    }
    request_with("OPTIONS", url, &h).await
}

fn search_urls(svc: &Service, w: &World) -> Vec<String> {
    vec![
        svc.url(&format!(
            "/extensions/jira-server/search/acme/{}/?field=assignee&query=a",
            w.server_id
        )),
        svc.url(&format!(
            "/extensions/jira/search/acme/{}/?field=assignee&query=a",
            w.cloud_id
        )),
        // Unknown org and integration: the preflight does not look them up.
        svc.url("/extensions/jira/search/nobody/999/"),
    ]
}

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_is_answered_without_authentication() {
    let w = World::new().await;
    let svc = Service::start(
        &w.db,
        CacheKind::Memory,
        &[
            ("CORS_ALLOWED_ORIGINS", &origins()),
            ("CORS_MAX_AGE_SECONDS", "42"),
        ],
    );
    w.server_sim.clear_requests();
    for url in search_urls(&svc, &w) {
        for (origin, asked) in [
            (ALLOWED, Some("authorization")),
            (ALSO_ALLOWED, Some("Authorization")),
            (ALLOWED, None),
        ] {
            let a = preflight(&url, origin, "GET", asked).await;
            assert_eq!(a.status, 204, "{url} {origin}: {}", a.text());
            assert!(a.body.is_empty());
            assert_eq!(a.headers["access-control-allow-origin"], origin);
            assert_eq!(a.headers["access-control-allow-methods"], "GET");
            assert_eq!(a.headers["access-control-allow-headers"], "Authorization");
            assert_eq!(a.headers["access-control-max-age"], "42");
            assert_eq!(
                vary(&a),
                ["Origin, Access-Control-Request-Method, Access-Control-Request-Headers"]
            );
            assert!(a.headers.get("access-control-allow-credentials").is_none());
        }
    }
    assert!(
        w.server_sim.requests().is_empty(),
        "a preflight calls no Jira"
    );
}

#[tokio::test]
async fn other_preflights_are_refused_without_the_allow_headers() {
    let w = World::new().await;
    let svc = Service::start(
        &w.db,
        CacheKind::Memory,
        &[("CORS_ALLOWED_ORIGINS", &origins())],
    );
    for url in search_urls(&svc, &w) {
        for (origin, method, asked, detail) in [
            (OTHER, "GET", None, "this origin is not allowed"),
            (
                "http://127.0.0.1:9998",
                "GET",
                None,
                "this origin is not allowed",
            ),
            ("null", "GET", None, "this origin is not allowed"),
            (ALLOWED, "POST", None, "only GET is allowed"),
            (
                ALLOWED,
                "DELETE",
                Some("authorization"),
                "only GET is allowed",
            ),
            (
                ALLOWED,
                "GET",
                Some("authorization, content-type"),
                "only the Authorization request header is allowed",
            ),
            (
                ALLOWED,
                "GET",
                Some("x-requested-with"),
                "only the Authorization request header is allowed",
            ),
        ] {
            let a = preflight(&url, origin, method, asked).await;
            assert_eq!(a.status, 403, "{origin} {method} {asked:?}: {}", a.text());
            assert_eq!(
                a.json()["detail"],
                format!("CORS preflight refused: {detail}")
                    + if detail.contains("origin") {
                        " (CORS_ALLOWED_ORIGINS)"
                    } else {
                        ""
                    }
            );
            assert!(cors_headers(&a).is_empty(), "{:?}", a.headers);
            assert_eq!(
                vary(&a),
                ["Origin, Access-Control-Request-Method, Access-Control-Request-Headers"]
            );
        }
        // Not a preflight (no Access-Control-Request-Method): 405 as on every route.
        let a = request_with("OPTIONS", &url, &[("origin", OTHER)]).await;
        assert_eq!(a.status, 405, "{}", a.text());
        assert_eq!(a.headers["allow"], "GET, HEAD");
        assert!(cors_headers(&a).is_empty());
        assert_eq!(vary(&a), ["Origin"]);
    }
}

#[tokio::test]
async fn every_answer_of_a_search_route_names_an_allowed_origin_and_varies_on_origin() {
    let w = World::new().await;
    let svc = Service::start(
        &w.db,
        CacheKind::Memory,
        &[("CORS_ALLOWED_ORIGINS", &origins())],
    );
    let s = format!("/extensions/jira-server/search/acme/{}/", w.server_id);
    let token = format!("Bearer {}", w.token);
    let cases: Vec<(String, Option<&str>, u16)> = vec![
        (format!("{s}?field=assignee&query=a"), Some(&token), 200),
        (format!("{s}?query=a"), Some(&token), 400),
        (format!("{s}?field=assignee&query=a"), None, 401),
        (
            "/extensions/jira/search/nobody/1/?field=assignee&query=a".into(),
            Some(&token),
            404,
        ),
        (
            "/extensions/jira/search/acme/999/?field=assignee&query=a".into(),
            Some(&token),
            404,
        ),
    ];
    for (path, auth, status) in &cases {
        for method in ["GET", "HEAD"] {
            for origin in [Some(ALLOWED), Some(ALSO_ALLOWED), Some(OTHER), None] {
                let mut h = Vec::new();
                if let Some(t) = auth {
                    h.push(("authorization", *t));
                }
                if let Some(o) = origin {
                    h.push(("origin", o));
                }
                let a = request_with(method, &svc.url(path), &h).await;
                assert_eq!(a.status, *status, "{method} {path}: {}", a.text());
                assert_eq!(vary(&a), ["Origin"], "{method} {path} {origin:?}");
                match origin {
                    Some(o) if o != OTHER => {
                        assert_eq!(a.headers["access-control-allow-origin"], o);
                        assert_eq!(cors_headers(&a), ["access-control-allow-origin"]);
                    }
                    _ => assert!(cors_headers(&a).is_empty(), "{origin:?}: {:?}", a.headers),
                }
            }
        }
    }
    // A 5xx too: the database goes away under the running service.
    let pool = sqlx::SqlitePool::connect(&w.db.url).await.unwrap();
    for stmt in [
        "PRAGMA foreign_keys = OFF",
        "DROP TABLE api_tokens",
        "DROP TABLE orgs",
    ] {
        sqlx::query(stmt).execute(&pool).await.unwrap();
    }
    pool.close().await;
    let a = request_with(
        "GET",
        &svc.url(&format!("{s}?field=assignee&query=b")),
        &[("authorization", &token), ("origin", ALLOWED)],
    )
    .await;
    assert_eq!(a.status, 503, "{}", a.text());
    assert_eq!(a.headers["access-control-allow-origin"], ALLOWED);
    assert_eq!(vary(&a), ["Origin"]);
}

#[tokio::test]
async fn no_other_route_ever_sends_a_cors_header() {
    let w = World::new().await;
    let admin =
        w.db.ok(&["token", "add", "--admin", "--name", "backend"], "");
    let svc = Service::start(
        &w.db,
        CacheKind::Memory,
        &[("CORS_ALLOWED_ORIGINS", &origins())],
    );
    let admin = format!("Bearer {admin}");
    for (path, auth) in [
        ("/healthz", None),
        ("/readyz", None),
        ("/metrics", None),
        ("/nowhere", None),
        ("/extensions/jira/search/acme/x/", None),
        ("/api/v1/orgs", Some(admin.as_str())),
        ("/api/v1/orgs", None),
        ("/connect/callback?state=x&code=y", None),
    ] {
        let mut h = vec![("origin", ALLOWED)];
        if let Some(a) = auth {
            h.push(("authorization", a));
        }
        let a = request_with("GET", &svc.url(path), &h).await;
        assert!(a.status < 500, "{path}: {}", a.status);
        assert!(cors_headers(&a).is_empty(), "GET {path}: {:?}", a.headers);
        assert!(
            a.headers.get("vary").is_none(),
            "GET {path}: {:?}",
            a.headers
        );
        let a = preflight(&svc.url(path), ALLOWED, "GET", Some("authorization")).await;
        assert_ne!(a.status, 204, "OPTIONS {path}");
        assert!(
            cors_headers(&a).is_empty(),
            "OPTIONS {path}: {:?}",
            a.headers
        );
    }
    assert_eq!(
        request("GET", &svc.url("/api/v1/orgs"), Some(&admin[7..]))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn without_the_setting_there_is_no_cors_at_all() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[("CORS_ALLOWED_ORIGINS", " ")]);
    for url in search_urls(&svc, &w) {
        let a = preflight(&url, ALLOWED, "GET", Some("authorization")).await;
        assert_eq!(a.status, 405, "{}", a.text());
        assert_eq!(a.headers["allow"], "GET, HEAD");
        assert!(cors_headers(&a).is_empty());
        assert!(a.headers.get("vary").is_none());
        let a = request_with(
            "GET",
            &url,
            &[
                ("origin", ALLOWED),
                ("authorization", &format!("Bearer {}", w.token)),
            ],
        )
        .await;
        assert!(cors_headers(&a).is_empty(), "{:?}", a.headers);
        assert!(a.headers.get("vary").is_none());
    }
}

#[tokio::test]
async fn preflights_add_no_metric_series_beyond_their_statuses() {
    let w = World::new().await;
    let svc = Service::start(
        &w.db,
        CacheKind::Memory,
        &[("CORS_ALLOWED_ORIGINS", ALLOWED)],
    );
    let url = &search_urls(&svc, &w)[0];
    for i in 0..20 {
        let origin = format!("https://site-{i}.example");
        preflight(url, &origin, "GET", None).await;
        preflight(url, ALLOWED, "GET", Some("authorization")).await;
        preflight(url, ALLOWED, &format!("M{i}"), None).await;
    }
    let metrics = request("GET", &svc.url("/metrics"), None).await.text();
    let mut series: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("jira_search_http_requests_total{route=\"search_server\""))
        .collect();
    series.sort_unstable(); // the registry writes series in no fixed order
    assert_eq!(
        series,
        [
            "jira_search_http_requests_total{route=\"search_server\",branch=\"none\",status=\"204\"} 20",
            "jira_search_http_requests_total{route=\"search_server\",branch=\"none\",status=\"403\"} 40",
        ],
        "{metrics}"
    );
}

#[test]
fn a_bad_setting_stops_serve_naming_the_entry() {
    let db = Db::new();
    for (origins, max_age, says) in [
        (
            "https://ok.example, https://bad.example/",
            None,
            "CORS_ALLOWED_ORIGINS: \"https://bad.example/\" is not an origin: no trailing slash: write https://bad.example",
        ),
        (
            "https://ok.example,*",
            None,
            "CORS_ALLOWED_ORIGINS: \"*\" is not an origin: wildcards are not accepted",
        ),
        (
            "https://ok.example/picker",
            None,
            "\"https://ok.example/picker\" is not an origin: it must not carry a path",
        ),
        ("https://ok.example", Some("86401"), "CORS_MAX_AGE_SECONDS"),
        ("https://ok.example", Some("soon"), "CORS_MAX_AGE_SECONDS"),
    ] {
        let mut env = vec![("CORS_ALLOWED_ORIGINS", origins)];
        if let Some(m) = max_age {
            env.push(("CORS_MAX_AGE_SECONDS", m));
        }
        let out = db.serve_once(&env);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{origins}: {err}");
        assert!(err.contains(says), "expected {says:?} in {err}");
        assert!(!err.contains("listening"), "{err}");
    }
}
