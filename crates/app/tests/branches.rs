//! Issue search, field autocomplete and Cloud project search, black-box on both routes:
//! the exact request Jira receives and the exact answer, and every error row of the spec.

mod common;

use common::{get, CacheKind, Service, World};
use jira_sim::{Fault, SimHandle};
use serde_json::{json, Value};

struct Route<'a> {
    path: &'static str,
    id: &'a str,
    sim: &'a SimHandle,
    provider_name: &'static str,
    cloud: bool,
}

fn routes(w: &World) -> [Route<'_>; 2] {
    [
        Route {
            path: "jira-server",
            id: &w.server_id,
            sim: &w.server_sim,
            provider_name: "Jira Server",
            cloud: false,
        },
        Route {
            path: "jira",
            id: &w.cloud_id,
            sim: &w.cloud_sim,
            provider_name: "Jira",
            cloud: true,
        },
    ]
}

/// A search for `query` in `field` on the route, with the acme token.
async fn search(
    svc: &Service,
    w: &World,
    r: &Route<'_>,
    field: &str,
    query: &str,
) -> common::Answer {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("field", field), ("query", query)])
        .finish();
    get(
        &svc.url(&format!(
            "/extensions/{}/search/acme/{}/?{query}",
            r.path, r.id
        )),
        Some(&w.token),
    )
    .await
}

/// A 400 whose body is exactly `{"detail": detail}`; `what` names the case.
fn assert_detail(a: &common::Answer, detail: &str, what: &str) {
    assert_eq!(a.status, 400, "{what}: {}", a.text());
    assert_eq!(a.json(), json!({ "detail": detail }), "{what}");
}

/// The single request Jira received since the log was cleared: its path and decoded query.
fn only_request(sim: &SimHandle) -> (String, Vec<(String, String)>) {
    let log = sim.requests();
    assert_eq!(log.len(), 1, "{log:?}");
    (log[0].path.clone(), log[0].query.clone())
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Every request Jira received since the log was cleared, as (path, decoded query), sorted
/// by path (the text search and the key lookup go out at the same time).
fn requests(sim: &SimHandle) -> Vec<(String, Vec<(String, String)>)> {
    let mut log: Vec<_> = sim
        .requests()
        .into_iter()
        .map(|r| (r.path, r.query))
        .collect();
    log.sort();
    log
}

/// The text search's request on the route: its path and the query of `jql`.
fn text_search(r: &Route<'_>, jql: &str) -> (String, Vec<(String, String)>) {
    let path = if r.cloud {
        "/rest/api/2/search/jql"
    } else {
        "/rest/api/2/search"
    };
    (
        path.to_owned(),
        pairs(&[("jql", jql), ("fields", "summary"), ("maxResults", "20")]),
    )
}

/// The exact lookup of an issue key.
fn key_lookup(key: &str) -> (String, Vec<(String, String)>) {
    (
        format!("/rest/api/2/issue/{key}"),
        pairs(&[("fields", "summary")]),
    )
}

#[tokio::test]
async fn issue_search_sentrys_own_expectation_on_both_providers() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    for r in routes(&w) {
        for field in ["externalIssue", "parent"] {
            r.sim.clear_requests();
            let a = search(&svc, &w, &r, field, "test").await;
            assert_eq!(a.status, 200, "{}: {}", r.path, a.text());
            assert_eq!(
                a.json(),
                json!([{"label": "(HSP-1) this is a test issue summary", "value": "HSP-1"}])
            );
            // `test` may be the start of a longer word: a prefix search.
            assert_eq!(requests(r.sim), [text_search(&r, r#"text ~ "test*""#)]);
        }
    }
}

#[tokio::test]
async fn issue_words_keys_and_reserved_characters() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    let hsp1 = json!({"label": "(HSP-1) this is a test issue summary", "value": "HSP-1"});
    let hsp2 = json!({"label": r#"(HSP-2) say "hi" to the C:\ drive"#, "value": "HSP-2"});
    for r in routes(&w) {
        // (typed, the text search's JQL or none, the key looked up or none, the answer)
        let cases = [
            // A key: its words searched, the issue itself asked for at the same time and
            // shown first, in Jira's case.
            (
                "HSP-1",
                Some(r#"text ~ "hsp 1*""#),
                Some("HSP-1"),
                json!([hsp1]),
            ),
            (
                "hsp-2",
                Some(r#"text ~ "hsp 2*""#),
                Some("HSP-2"),
                json!([hsp2]),
            ),
            // A key Jira does not know (404): no exact match, no error.
            (
                "HSP-404",
                Some(r#"text ~ "hsp 404*""#),
                Some("HSP-404"),
                json!([]),
            ),
            // A half-typed word already finds; stop words are Jira's business.
            (
                "this is a test iss",
                Some(r#"text ~ "this is a test iss*""#),
                None,
                json!([hsp1]),
            ),
            // Quotes, backslashes and Lucene's reserved characters only separate words.
            (
                r#"say "hi""#,
                Some(r#"text ~ "say hi""#),
                None,
                json!([hsp2]),
            ),
            (r"C:\", Some(r#"text ~ "c""#), None, json!([hsp2])),
            ("C++ (draft", Some(r#"text ~ "c draft*""#), None, json!([])),
            ("foo:bar", Some(r#"text ~ "foo bar*""#), None, json!([])),
            (
                "AND pepper",
                Some(r#"text ~ "and pepper*""#),
                None,
                json!([]),
            ),
            // No word: nothing to ask.
            ("?", None, None, json!([])),
            ("---", None, None, json!([])),
            ("\"", None, None, json!([])),
        ];
        for (q, jql, key, answer) in cases {
            r.sim.clear_requests();
            let a = search(&svc, &w, &r, "externalIssue", q).await;
            assert_eq!(a.status, 200, "{} {q}: {}", r.path, a.text());
            assert_eq!(a.json(), answer, "{} {q}", r.path);
            let mut want: Vec<_> = jql.map(|j| text_search(&r, j)).into_iter().collect();
            want.extend(key.map(key_lookup));
            want.sort();
            assert_eq!(requests(r.sim), want, "{} {q}", r.path);
        }
    }
}

#[tokio::test]
async fn a_failing_key_lookup_fails_the_search_with_the_exact_body() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    for r in routes(&w) {
        let p = r.provider_name;
        let rows = [
            (
                Fault::html(502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
                format!("Error Communicating with {p} (HTTP 502): unknown error"),
            ),
            (
                Fault::html(401, "<html>login</html>")
                    .header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"),
                "Unauthorized: either your access token was invalid or you do not have access"
                    .to_string(),
            ),
            (
                Fault::malformed_json(),
                format!("Error Communicating with {p} (HTTP 200): unknown error"),
            ),
        ];
        for (fault, detail) in rows {
            r.sim.clear_faults();
            r.sim
                .add_fault(fault.clone().on("/rest/api/2/issue/").times(1));
            let a = search(&svc, &w, &r, "parent", "HSP-1").await;
            assert_detail(&a, &detail, &format!("{} {fault:?}", r.path));
        }
        r.sim.clear_faults();
    }
}

#[tokio::test]
async fn issue_searches_are_never_cached() {
    let w = World::new().await;
    for cache in common::CACHES {
        let svc = Service::start(&w.db, cache, &[]);
        for r in routes(&w) {
            r.sim.clear_requests();
            for _ in 0..2 {
                assert_eq!(search(&svc, &w, &r, "parent", "test").await.status, 200);
            }
            assert_eq!(r.sim.requests().len(), 2, "{cache:?} {}", r.path);
        }
    }
}

#[tokio::test]
async fn issue_search_errors_have_the_exact_bodies() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    for r in routes(&w) {
        let p = r.provider_name;
        let rows = [
            (
                Fault::html(502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
                format!("Error Communicating with {p} (HTTP 502): unknown error"),
            ),
            (
                Fault::json(
                    400,
                    r#"{"errorMessages":["Field 'x' does not exist."],"errors":{}}"#,
                ),
                format!("Error Communicating with {p} (HTTP 400): Field 'x' does not exist."),
            ),
            (
                Fault::json(
                    500,
                    r#"{"errorMessages":["Oops."],"errors":{"zeta":"z","alpha":"a"}}"#,
                ),
                format!("Error Communicating with {p} (HTTP 500): Oops. zeta: z alpha: a"),
            ),
            (
                Fault::json(400, r#"{"errorMessages":[],"errors":{"jql":"bad"}}"#),
                "Invalid integration action".to_string(),
            ),
            (
                Fault::json(503, r#"{"errorMessages":[],"errors":{}}"#),
                format!("Error Communicating with {p} (HTTP 503): unknown error"),
            ),
            (
                Fault::html(401, "<html>login</html>")
                    .header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"),
                "Unauthorized: either your access token was invalid or you do not have access"
                    .to_string(),
            ),
            (
                Fault::rate_limited(Some(10)),
                format!("Error Communicating with {p} (HTTP 429): Rate limit exceeded."),
            ),
            (
                Fault::html(429, "<html>Too many requests</html>").header("Retry-After", "10"),
                format!("Error Communicating with {p} (HTTP 429): unknown error"),
            ),
            (
                Fault::malformed_json(),
                format!("Error Communicating with {p} (HTTP 200): unknown error"),
            ),
        ];
        for (fault, detail) in rows {
            r.sim.clear_faults();
            r.sim.add_fault(fault.clone().times(1));
            let a = search(&svc, &w, &r, "externalIssue", "test").await;
            assert_detail(&a, &detail, &format!("{} {fault:?}", r.path));
        }
    }
}

#[tokio::test]
async fn an_unreachable_host_and_a_timeout() {
    let w = World::new().await;
    let port = common::closed_port();
    let closed = format!("http://127.0.0.1:{port}/jira");
    let dead_server =
        w.db.add_integration("acme", "jira_server", &closed, &["pat"], "x");
    let dead_cloud =
        w.db.add_integration("acme", "jira", &closed, &["basic", "--user", "a@b.c"], "x");
    let svc = Service::start(&w.db, CacheKind::Memory, &[("JIRA_TIMEOUT_SECONDS", "1")]);
    for (route, id) in [("jira-server", &dead_server), ("jira", &dead_cloud)] {
        let a = get(
            &svc.url(&format!(
                "/extensions/{route}/search/acme/{id}/?field=externalIssue&query=test"
            )),
            Some(&w.token),
        )
        .await;
        assert_detail(&a, "Unable to reach host: 127.0.0.1", route);
    }
    for r in routes(&w) {
        r.sim.clear_faults();
        r.sim.add_fault(Fault::never_answer().times(1));
        let a = search(&svc, &w, &r, "externalIssue", "test").await;
        let detail = format!(
            "Error Communicating with {} (HTTP 504): unknown error",
            r.provider_name
        );
        assert_detail(&a, &detail, r.path);
        r.sim.clear_faults();
    }
}

#[tokio::test]
async fn custom_field_autocomplete_sentrys_own_expectation_and_caching() {
    let w = World::new().await;
    for cache in common::CACHES {
        let svc = Service::start(&w.db, cache, &[]);
        for r in routes(&w) {
            r.sim.clear_requests();
            for _ in 0..2 {
                let a = search(&svc, &w, &r, "customfield_0123", "sp").await;
                assert_eq!(a.status, 200, "{}", a.text());
                assert_eq!(a.json(), json!([{"label": "Sprint 1 (1)", "value": "1"}]));
            }
            let (path, query) = only_request(r.sim);
            assert_eq!(
                path, "/rest/api/2/jql/autocompletedata/suggestions",
                "the second came from the cache"
            );
            assert_eq!(
                query,
                pairs(&[("fieldName", "cf[0123]"), ("fieldValue", "sp")])
            );
        }
    }
}

#[tokio::test]
async fn autocomplete_labels_are_plain_text_and_errors_name_the_field() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    for r in routes(&w) {
        let a = search(&svc, &w, &r, "labels", "R").await;
        assert_eq!(a.status, 200);
        let list = a.json();
        assert!(
            list.as_array()
                .unwrap()
                .contains(&json!({"label": "R&D", "value": "R&D"})),
            "{list}"
        );
        r.sim
            .add_fault(Fault::html(500, "<html>boom</html>").times(1));
        let a = search(&svc, &w, &r, "customfield_0123", "zz").await;
        assert_detail(
            &a,
            "Unable to fetch autocomplete for customfield_0123 from Jira",
            r.path,
        );
    }
}

#[tokio::test]
async fn project_field_is_project_search_on_cloud_and_autocomplete_on_server() {
    let w = World::new().await;
    for cache in common::CACHES {
        let svc = Service::start(&w.db, cache, &[]);
        let [server, cloud] = routes(&w);

        cloud.sim.clear_requests();
        for _ in 0..2 {
            let a = search(&svc, &w, &cloud, "project", "helpdesk").await;
            assert_eq!(a.status, 200, "{}", a.text());
            assert_eq!(
                a.json(),
                json!([{"label": "HSP - Helpdesk Service Project", "value": "10900"}])
            );
        }
        let (path, query) = only_request(cloud.sim);
        assert_eq!(path, "/rest/api/2/project/search");
        assert_eq!(query, pairs(&[("query", "helpdesk")]));

        server.sim.clear_requests();
        let a = search(&svc, &w, &server, "project", "hel").await;
        assert_eq!(a.status, 200, "{}", a.text());
        let (path, query) = only_request(server.sim);
        assert_eq!(path, "/rest/api/2/jql/autocompletedata/suggestions");
        assert_eq!(
            query,
            pairs(&[("fieldName", "project"), ("fieldValue", "hel")])
        );

        cloud
            .sim
            .add_fault(Fault::html(502, "<html>bad gateway</html>").times(1));
        let a = search(&svc, &w, &cloud, "project", "zzz").await;
        assert_detail(&a, "Unable to fetch projects from Jira", cloud.path);
    }
}

#[tokio::test]
async fn every_answer_is_a_list_of_value_and_label() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    for r in routes(&w) {
        for (field, q) in [
            ("assignee", "a"),
            ("externalIssue", "test"),
            ("sprint", "s"),
            ("project", "h"),
        ] {
            let a = search(&svc, &w, &r, field, q).await;
            assert_eq!(a.status, 200, "{} {field}: {}", r.path, a.text());
            for c in a.json().as_array().unwrap() {
                let obj = c.as_object().unwrap();
                assert_eq!(obj.len(), 2, "{c}");
                assert!(obj["label"].is_string(), "{c}");
                assert!(
                    matches!(obj["value"], Value::String(_) | Value::Null),
                    "{c}"
                );
            }
        }
    }
}
