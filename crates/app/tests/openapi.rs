//! docs/openapi.yaml is valid OpenAPI 3.1 and matches what the server does: every documented
//! (route, method, status) occurs in a real run, every one that occurs is documented, and every
//! body matches its documented schema. The search and operations routes here, the admin API
//! and the connect routes in `openapi/admin.rs`.

mod common;
mod openapi {
    mod admin;
}

use std::collections::BTreeSet;

use common::{get, request, request_with, Answer, CacheKind, Service, World};
use serde_json::Value;

const SPEC: &str = include_str!("../../../docs/openapi.yaml");
const OAS_31_SCHEMA: &str = include_str!("fixtures/oas-3.1-schema-2022-10-07.json");

fn spec() -> Value {
    serde_norway::from_str(SPEC).expect("docs/openapi.yaml is YAML")
}

/// Follows a local `$ref` (`#/components/...`) once, if there is one.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling $ref {r}")),
        None => v,
    }
}

/// A documented (path template, method, status).
type Seen = BTreeSet<(String, String, String)>;

const METHODS: [&str; 6] = ["get", "post", "put", "patch", "delete", "options"];

/// Every documented (path template, method, status) of the paths `keep` selects.
fn documented(doc: &Value, keep: impl Fn(&str) -> bool) -> Seen {
    let mut set = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !keep(path) {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            if !METHODS.contains(&method.as_str()) {
                continue; // path-level `parameters`
            }
            for status in op["responses"].as_object().unwrap().keys() {
                set.insert((path.clone(), method.clone(), status.clone()));
            }
        }
    }
    set
}

/// Checks one observed answer of a GET against the document and records it.
fn check(doc: &Value, seen: &mut Seen, template: &str, answer: &Answer) {
    check_op(doc, seen, "GET", template, answer);
}

/// Checks one observed answer against the document and records it. A method the path does
/// not document (its 405) is held to the operation of that path that documents the 405.
fn check_op(doc: &Value, seen: &mut Seen, method: &str, template: &str, answer: &Answer) {
    let status = answer.status.to_string();
    let item = &doc["paths"][template];
    assert!(item.is_object(), "{template} is not documented");
    let mut method = method.to_ascii_lowercase();
    if !item[&method].is_object() {
        assert_eq!(status, "405", "{method} {template}: {}", answer.text());
        method = METHODS
            .into_iter()
            .find(|m| item[*m]["responses"]["405"].is_object())
            .unwrap_or_else(|| panic!("{template} documents no 405"))
            .to_owned();
    }
    let op = item[&method].clone();
    let response = resolve(doc, &op["responses"][&status]);
    assert!(
        response.is_object(),
        "{method} {template} answered {status}, which is not documented: {}",
        answer.text()
    );
    seen.insert((template.to_owned(), method.clone(), status.clone()));
    if answer.body.is_empty() {
        // An empty body (the integration's 404, the HTTP layer's 431) is documented as one.
        assert!(response["description"]
            .as_str()
            .unwrap()
            .contains("EMPTY body"));
        return;
    }
    let content_type = answer.headers["content-type"].to_str().unwrap();
    let media = content_type.split(';').next().unwrap().trim();
    if response.get("content").is_none() {
        // A status with a JSON body in one case and none in another (the search routes' 404)
        // has no `content`: OpenAPI cannot say "this JSON or no body at all" of one status, and
        // Schemathesis holds every answer to whatever `content` says. Its description then
        // quotes each body exactly, with its media type.
        let description = response["description"].as_str().unwrap();
        let body = answer.text();
        assert!(
            description.contains(&format!("`{media}`"))
                && description.contains(&format!("`{body}`")),
            "{template} {status}: {media} {body} is not quoted in the description: {description}"
        );
        return;
    }
    let content = &response["content"][media];
    assert!(
        content.is_object(),
        "{template} {status}: media type {media} is not documented"
    );
    if media != "application/json" {
        return;
    }
    // Validate against the schema in place, so its local $refs resolve within the document.
    let pointer = match op["responses"][&status].get("$ref").and_then(Value::as_str) {
        Some(r) => format!("{r}/content/application~1json/schema"),
        None => format!(
            "#/paths/{}/{method}/responses/{status}/content/application~1json/schema",
            template
                .replace('~', "~0")
                .replace('/', "~1")
                .replace('{', "%7B")
                .replace('}', "%7D")
        ),
    };
    let mut root = doc.clone();
    root["$ref"] = Value::String(pointer.clone());
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema {pointer}: {e}"));
    let body = answer.json();
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{template} {status}: {body} does not match {pointer}: {errors:?}"
    );
}

/// Whether a path is the admin API's or the connect flow's (covered by `openapi::admin`).
fn is_admin(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/connect/")
}

#[test]
fn the_document_is_valid_openapi_3_1() {
    let doc = spec();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
    let meta: Value = serde_json::from_str(OAS_31_SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&meta).expect("the OpenAPI 3.1 schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The check bites: a broken copy of the document is refused.
    let mut broken = doc.clone();
    broken["paths"]["/healthz"]["get"]["responses"]["200"] = Value::String("nope".into());
    assert!(!validator.is_valid(&broken));
    let mut broken = doc.clone();
    broken["openapi"] = Value::String("3.0.3".into());
    assert!(!validator.is_valid(&broken));
    // Every $ref points somewhere.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref") {
                    out.push(r.clone());
                }
                o.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        assert!(
            doc.pointer(r.trim_start_matches('#')).is_some(),
            "dangling $ref {r}"
        );
    }
}

#[tokio::test]
async fn every_documented_status_and_body_occurs() {
    let doc = spec();
    let w = World::new().await;
    let origin = "https://picker.example.com";
    let svc = Service::start(
        &w.db,
        CacheKind::Memory,
        &[("CORS_ALLOWED_ORIGINS", origin)],
    );
    let mut seen = BTreeSet::new();
    let routes = [
        (
            "/extensions/jira-server/search/{org}/{integration_id}/",
            "jira-server",
            &w.server_id,
        ),
        (
            "/extensions/jira/search/{org}/{integration_id}/",
            "jira",
            &w.cloud_id,
        ),
    ];
    for (template, route, id) in routes {
        let url = |org: &str, id: &str, q: &str| {
            svc.url(&format!("/extensions/{route}/search/{org}/{id}/?{q}"))
        };
        for q in [
            "field=assignee&query=a",
            "field=externalIssue&query=test",
            "field=sprint&query=s",
            "field=project&query=h",
        ] {
            let a = get(&url("acme", id, q), Some(&w.token)).await;
            assert_eq!(a.status, 200, "{q}");
            check(&doc, &mut seen, template, &a);
        }
        for (q, token) in [
            ("query=a", Some(w.token.as_str())),
            ("field=assignee", Some(w.token.as_str())),
            ("field=assignee&query=a", None),
        ] {
            let a = get(&url("acme", id, q), token).await;
            check(&doc, &mut seen, template, &a);
        }
        let a = get(&url("nobody", id, "field=assignee&query=a"), Some(&w.token)).await;
        check(&doc, &mut seen, template, &a);
        let a = get(
            &url("acme", "999", "field=assignee&query=a"),
            Some(&w.token),
        )
        .await;
        assert!(a.body.is_empty());
        check(&doc, &mut seen, template, &a);
        w.server_sim
            .add_fault(jira_sim::Fault::html(502, "<html>bad gateway</html>").times(1));
        w.cloud_sim
            .add_fault(jira_sim::Fault::html(502, "<html>bad gateway</html>").times(1));
        let a = get(
            &url("acme", id, "field=externalIssue&query=test"),
            Some(&w.token),
        )
        .await;
        assert_eq!(a.status, 400);
        check(&doc, &mut seen, template, &a);
        w.server_sim.clear_faults();
        w.cloud_sim.clear_faults();
        // CORS preflights: allowed (204), refused (403), not a preflight (405), and a path
        // that is no search route (404).
        for (path, headers, status) in [
            (
                url("acme", id, ""),
                vec![
                    ("origin", origin),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "authorization"),
                ],
                204,
            ),
            (
                url("acme", id, ""),
                vec![
                    ("origin", "https://other.example.com"),
                    ("access-control-request-method", "GET"),
                ],
                403,
            ),
            (url("acme", id, ""), vec![("origin", origin)], 405),
            (
                url("acme", "x", ""),
                vec![("origin", origin), ("access-control-request-method", "GET")],
                404,
            ),
        ] {
            let a = request_with("OPTIONS", &path, &headers).await;
            assert_eq!(a.status, status, "{path} {headers:?}: {}", a.text());
            check_op(&doc, &mut seen, "OPTIONS", template, &a);
        }
    }
    check(
        &doc,
        &mut seen,
        "/healthz",
        &get(&svc.url("/healthz"), None).await,
    );
    let a = request("POST", &svc.url("/healthz"), None).await;
    assert_eq!(a.headers["allow"], "GET, HEAD");
    // 405 is documented on the GET path's responses: record it under that path.
    check(&doc, &mut seen, "/healthz", &a);
    check(
        &doc,
        &mut seen,
        "/readyz",
        &get(&svc.url("/readyz"), None).await,
    );
    check(
        &doc,
        &mut seen,
        "/metrics",
        &get(&svc.url("/metrics"), None).await,
    );
    check(
        &doc,
        &mut seen,
        "/{unknown}",
        &get(&svc.url("/nowhere"), None).await,
    );

    // Every documented path: another method (405; an unknown path is 404 whatever the
    // method), a target over 8 KiB (414), a head with 101 fields (431).
    let long = "q".repeat(9000);
    let many: Vec<(String, String)> = (0..101)
        .map(|i| (format!("x-field-{i}"), "a".to_owned()))
        .collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let paths = [
        (
            routes[0].0,
            format!("/extensions/jira-server/search/acme/{}/", w.server_id),
        ),
        (
            routes[1].0,
            format!("/extensions/jira/search/acme/{}/", w.cloud_id),
        ),
        ("/healthz", "/healthz".to_owned()),
        ("/readyz", "/readyz".to_owned()),
        ("/metrics", "/metrics".to_owned()),
        ("/{unknown}", "/nowhere".to_owned()),
    ];
    for (template, path) in &paths {
        if *template != "/{unknown}" {
            let a = request("DELETE", &svc.url(path), Some(&w.token)).await;
            assert_eq!(a.status, 405, "{path}");
            check(&doc, &mut seen, template, &a);
        }
        let a = get(&svc.url(&format!("{path}?x={long}")), Some(&w.token)).await;
        assert_eq!(a.status, 414, "{path}");
        check(&doc, &mut seen, template, &a);
        let a = request_with("GET", &svc.url(path), &many).await;
        assert_eq!(a.status, 431, "{path}");
        check(&doc, &mut seen, template, &a);
    }

    // The database goes away under the running service: searches answer 503, and so does
    // readiness.
    let pool = sqlx::SqlitePool::connect(&w.db.url).await.unwrap();
    for stmt in [
        "PRAGMA foreign_keys = OFF",
        "DROP TABLE api_tokens",
        "DROP TABLE org_integrations",
        "DROP TABLE integrations",
        "DROP TABLE orgs",
    ] {
        sqlx::query(stmt).execute(&pool).await.unwrap();
    }
    pool.close().await;
    for (template, route, id) in routes {
        let a = get(
            &svc.url(&format!(
                "/extensions/{route}/search/acme/{id}/?field=assignee&query=a"
            )),
            Some(&w.token),
        )
        .await;
        assert_eq!(a.status, 503, "{}", a.text());
        check(&doc, &mut seen, template, &a);
    }
    let a = get(&svc.url("/readyz"), None).await;
    assert_eq!(a.status, 503);
    check(&doc, &mut seen, "/readyz", &a);

    let missing: Vec<_> = documented(&doc, |p| !is_admin(p))
        .difference(&seen)
        .cloned()
        .collect();
    assert!(missing.is_empty(), "documented but never seen: {missing:?}");
}
