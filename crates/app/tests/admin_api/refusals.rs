//! What every route refuses alike: tokens (401, 403), bodies (415, 400, 413), unknown
//! resources (404), other methods (405); and the CLI and the API wording a mistake the same.

use serde_json::json;

use super::harness::{refused, Api};
use crate::common::{code, stderr};

/// Every route of the admin API: a method it answers and a path of it.
const ROUTES: [(&str, &str); 17] = [
    ("GET", "/api/v1/orgs"),
    ("POST", "/api/v1/orgs"),
    ("GET", "/api/v1/orgs/acme"),
    ("DELETE", "/api/v1/orgs/acme"),
    ("GET", "/api/v1/orgs/acme/integrations"),
    ("POST", "/api/v1/orgs/acme/integrations"),
    ("GET", "/api/v1/integrations/1"),
    ("PATCH", "/api/v1/integrations/1"),
    ("PUT", "/api/v1/integrations/1/credentials"),
    ("DELETE", "/api/v1/integrations/1"),
    ("POST", "/api/v1/integrations/1/check"),
    ("POST", "/api/v1/orgs/acme/tokens"),
    ("GET", "/api/v1/orgs/acme/tokens"),
    ("DELETE", "/api/v1/tokens/jst_abcdef12"),
    ("POST", "/api/v1/apps"),
    ("GET", "/api/v1/apps/1"),
    ("POST", "/api/v1/orgs/acme/connections"),
];

/// Everything the admin API can list, as the raw answers.
async fn everything(api: &Api) -> Vec<String> {
    let mut all = Vec::new();
    for path in [
        "/api/v1/orgs",
        "/api/v1/orgs/acme/integrations",
        "/api/v1/orgs/acme/tokens",
        "/api/v1/apps",
    ] {
        all.push(api.list(path).await.0);
    }
    all
}

#[tokio::test]
async fn tokens_no_token_401_caller_token_403_and_admin_tokens_do_not_search() {
    let api = Api::start();
    let before = everything(&api).await;
    let body = br#"{"slug":"new-org"}"#.to_vec();
    for (method, path) in ROUTES {
        for token in [
            None,
            Some("jsa_0000000000000000"),
            Some("jst_nope"),
            Some(""),
        ] {
            let a = api
                .send(method, path, token, Some("application/json"), body.clone())
                .await;
            assert_eq!(a.status, 401, "{method} {path} {token:?}: {}", a.text());
            assert_eq!(a.headers["www-authenticate"], "Bearer");
            assert!(refused(&a, 401).contains("admin token"));
        }
        let a = api
            .send(
                method,
                path,
                Some(&api.caller),
                Some("application/json"),
                body.clone(),
            )
            .await;
        assert!(
            refused(&a, 403).contains("caller token"),
            "{method} {path}: {}",
            a.text()
        );
    }
    assert_eq!(everything(&api).await, before);
    // Another scheme than Bearer is no token.
    let basic = format!("Basic {}", api.admin);
    let a = crate::common::request_with(
        "GET",
        &api.service.url("/api/v1/orgs"),
        &[("authorization", &basic)],
    )
    .await;
    assert_eq!(a.status, 401);
    // An admin token does not search.
    let a = api.search("jira-server", "1", "a").await;
    assert_eq!(
        a.status,
        404,
        "the caller token reaches the route: {}",
        a.text()
    );
    let a = crate::common::get(
        &api.service
            .url("/extensions/jira-server/search/acme/1/?field=assignee&query=a"),
        Some(&api.admin),
    )
    .await;
    assert_eq!(a.status, 401, "{}", a.text());
    assert_eq!(a.headers["www-authenticate"], "Bearer");
    // A revoked admin token opens nothing.
    api.db.ok(&["token", "revoke", &api.admin[..12]], "");
    let a = api.call("GET", "/api/v1/orgs", None).await;
    assert_eq!(a.status, 401);
}

#[tokio::test]
async fn bodies_that_are_not_json_or_too_large_are_refused_and_change_nothing() {
    let api = Api::start();
    let before = everything(&api).await;
    let writes = [
        ("POST", "/api/v1/orgs"),
        ("POST", "/api/v1/orgs/acme/integrations"),
        ("POST", "/api/v1/apps"),
        ("POST", "/api/v1/orgs/acme/connections"),
    ];
    for (method, path) in writes {
        let json = br#"{"slug":"new-org"}"#.to_vec();
        for ct in [
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            None,
        ] {
            let a = api
                .send(method, path, Some(&api.admin), ct, json.clone())
                .await;
            assert!(
                refused(&a, 415).contains("Content-Type: application/json"),
                "{path} {ct:?}"
            );
        }
        for broken in [&b"{\"slug\":"[..], b"not json", b"[1,2]", b"\"acme\"", b""] {
            let a = api
                .send(
                    method,
                    path,
                    Some(&api.admin),
                    Some("application/json"),
                    broken.to_vec(),
                )
                .await;
            assert_eq!(
                a.status,
                400,
                "{path} {:?}",
                String::from_utf8_lossy(broken)
            );
            assert!(a.json()["errors"]["body"].is_string(), "{}", a.text());
        }
        // Over 64 KiB, said up front or found while reading.
        let big = format!("{{\"slug\":\"{}\"}}", "a".repeat(70 * 1024)).into_bytes();
        let a = api
            .send(
                method,
                path,
                Some(&api.admin),
                Some("application/json"),
                big,
            )
            .await;
        assert!(refused(&a, 413).contains("65536"), "{path}");
        let (status, answer) = api.send_chunked(path, 70 * 1024);
        assert!(status.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(answer.contains("65536"), "{answer}");
    }
    // JSON with a charset, or a +json type, is JSON.
    for ct in [
        "application/json; charset=utf-8",
        "application/merge-patch+json",
    ] {
        let a = api
            .send(
                "POST",
                "/api/v1/orgs",
                Some(&api.admin),
                Some(ct),
                br#"{"slug":"ok-1"}"#.to_vec(),
            )
            .await;
        assert_eq!(a.status, 201, "{ct}: {}", a.text());
        api.call("DELETE", "/api/v1/orgs/ok-1", None).await;
    }
    // Exactly 64 KiB is read (and refused for what it says, not for its size).
    let mut exact = format!("{{\"slug\":\"x\",\"pad\":\"{}", "a".repeat(64 * 1024)).into_bytes();
    exact.truncate(64 * 1024 - 2);
    exact.extend_from_slice(b"\"}");
    let a = api
        .send(
            "POST",
            "/api/v1/orgs",
            Some(&api.admin),
            Some("application/json"),
            exact,
        )
        .await;
    assert_eq!(a.status, 400, "{}", a.text());
    assert_eq!(a.json()["errors"]["pad"], "unknown field");
    assert_eq!(everything(&api).await, before);
}

#[tokio::test]
async fn unknown_resources_are_404_and_other_methods_405_with_allow() {
    let api = Api::start();
    for (method, path) in [
        ("GET", "/api/v1/orgs/nobody"),
        ("GET", "/api/v1/orgs/99"),
        ("DELETE", "/api/v1/orgs/nobody"),
        ("GET", "/api/v1/orgs/nobody/integrations"),
        ("GET", "/api/v1/orgs/nobody/tokens"),
        ("GET", "/api/v1/integrations/99"),
        ("DELETE", "/api/v1/integrations/99"),
        ("POST", "/api/v1/integrations/99/check"),
        ("GET", "/api/v1/apps/99"),
        ("DELETE", "/api/v1/apps/99"),
        ("DELETE", "/api/v1/tokens/jst_abcdef12"),
        // No such route: ids are digits, and there is nothing else under /api.
        ("GET", "/api/v1/integrations/abc"),
        ("GET", "/api/v1/nothing"),
        ("GET", "/api/v2/orgs"),
        ("GET", "/api"),
        ("GET", "/api/v1/orgs/acme/integrations/1"),
    ] {
        let a = api.call(method, path, None).await;
        let detail = refused(&a, 404);
        assert!(!detail.is_empty(), "{method} {path}");
        assert!(a.json().get("errors").is_none(), "{method} {path}");
    }
    // (a path, its methods as Allow lists them, a method it does not answer)
    for (path, allow, other) in [
        ("/api/v1/orgs", "GET, POST", "PUT"),
        ("/api/v1/orgs/acme", "GET, DELETE", "POST"),
        ("/api/v1/orgs/acme/integrations", "GET, POST", "DELETE"),
        ("/api/v1/orgs/acme/tokens", "GET, POST", "PATCH"),
        ("/api/v1/orgs/acme/connections", "POST", "GET"),
        ("/api/v1/integrations/1", "GET, PATCH, DELETE", "POST"),
        ("/api/v1/integrations/1/credentials", "PUT", "GET"),
        ("/api/v1/integrations/1/check", "POST", "GET"),
        ("/api/v1/tokens/jst_abcdef12", "DELETE", "GET"),
        ("/api/v1/apps", "GET, POST", "DELETE"),
        ("/api/v1/apps/1", "GET, DELETE", "PUT"),
        ("/connect/callback", "GET", "POST"),
        ("/connect/site", "POST", "GET"),
    ] {
        let a = api.call(other, path, None).await;
        assert_eq!(a.status, 405, "{other} {path}: {}", a.text());
        assert_eq!(a.headers["allow"], allow, "{path}");
        assert_eq!(
            a.json()["detail"],
            format!("Method \"{other}\" not allowed."),
            "{path}"
        );
    }
}

/// The CLI's message with its flags named as the API's fields.
fn as_api(cli: &str) -> String {
    let message = cli.trim().trim_start_matches("error: ");
    [
        ("--user", "auth.user"),
        ("--auth", "auth.method"),
        ("--provider", "provider"),
        ("--token-url", "auth.token_url"),
        ("--allow-http", "allow_http"),
    ]
    .iter()
    .fold(message.to_owned(), |m, (flag, field)| {
        m.replace(flag, field)
    })
}

#[tokio::test]
async fn the_cli_and_the_api_word_the_same_mistake_the_same() {
    let api = Api::start();
    let server = [
        "--provider",
        "jira_server",
        "--base-url",
        "https://jira.example.com",
    ];
    let add = |extra: &[&'static str]| {
        let mut args = vec!["integration", "add", "--org", "acme"];
        args.extend_from_slice(&server);
        args.extend_from_slice(extra);
        args
    };
    // (the CLI's arguments, the API's body, the field the API names)
    let cases = [
        (
            add(&["--auth", "pat", "--user", "bob"]),
            json!({"provider": "jira_server", "base_url": "https://jira.example.com",
                   "auth": {"method": "pat", "token": "s", "user": "bob"}}),
            "auth.user",
        ),
        (
            vec![
                "integration",
                "add",
                "--org",
                "acme",
                "--provider",
                "jira",
                "--base-url",
                "https://acme.atlassian.net",
                "--auth",
                "pat",
            ],
            json!({"provider": "jira", "base_url": "https://acme.atlassian.net",
                   "auth": {"method": "pat", "token": "s"}}),
            "auth.method",
        ),
        (
            vec![
                "integration",
                "add",
                "--org",
                "acme",
                "--provider",
                "jira_server",
                "--base-url",
                "http://jira.example.com",
                "--auth",
                "pat",
            ],
            json!({"provider": "jira_server", "base_url": "http://jira.example.com",
                   "auth": {"method": "pat", "token": "s"}}),
            "base_url",
        ),
        (
            add(&["--auth", "oauth2", "--client-id", "c"]),
            json!({"provider": "jira_server", "base_url": "https://jira.example.com",
                   "auth": {"method": "oauth2", "client_id": "c", "client_secret": "s",
                            "refresh_token": "r"}}),
            "auth.token_url",
        ),
        (
            add(&["--auth", "basic"]),
            json!({"provider": "jira_server", "base_url": "https://jira.example.com",
                   "auth": {"method": "basic", "password": "s"}}),
            "auth.user",
        ),
    ];
    for (args, body, field) in cases {
        let out = api.db.cli(&args, "s\n");
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        let a = api
            .call("POST", "/api/v1/orgs/acme/integrations", Some(body))
            .await;
        assert_eq!(
            super::harness::invalid(&a, field),
            as_api(&stderr(&out)),
            "{args:?}"
        );
    }
    // The same slug rule, the same conflict, the same unknown org.
    let out = api.db.cli(&["org", "add", "Bad Slug"], "");
    let a = api
        .call("POST", "/api/v1/orgs", Some(json!({"slug": "Bad Slug"})))
        .await;
    assert_eq!(super::harness::invalid(&a, "slug"), as_api(&stderr(&out)));
    let out = api.db.cli(&["org", "add", "acme"], "");
    let a = api
        .call("POST", "/api/v1/orgs", Some(json!({"slug": "acme"})))
        .await;
    assert_eq!(refused(&a, 409), as_api(&stderr(&out)));
    let out = api.db.cli(&["token", "add", "--org", "nobody"], "");
    let a = api.call("POST", "/api/v1/orgs/nobody/tokens", None).await;
    assert_eq!(refused(&a, 404), as_api(&stderr(&out)));
    let out = api.db.cli(&["token", "revoke", "jst_1"], "");
    let a = api.call("DELETE", "/api/v1/tokens/jst_1", None).await;
    assert_eq!(
        refused(&a, 400),
        format!("invalid input: {}", as_api(&stderr(&out)))
    );
    assert_eq!(
        api.list("/api/v1/orgs/acme/integrations").await.1,
        Vec::<serde_json::Value>::new()
    );
}

/// Schemathesis found these: a field the body does not take was accepted when sent as `null`
/// (`additionalProperties: false` says refuse it). `null` means "not sent" only for a field the
/// body takes.
#[tokio::test(flavor = "multi_thread")]
async fn a_field_the_body_does_not_take_is_refused_even_as_null() {
    let api = Api::start();
    let before = api.list("/api/v1/orgs").await;
    for (path, body, field) in [
        ("/api/v1/orgs", json!({"slug": "nulls", "": null}), ""),
        ("/api/v1/orgs/acme/tokens", json!({"": null}), ""),
        (
            "/api/v1/orgs/acme/integrations",
            json!({"provider": "jira_server", "base_url": "https://jira.example.com",
                   "auth": {"method": "pat", "token": "t", "user": null}}),
            "auth.user",
        ),
        (
            "/api/v1/orgs/acme/integrations",
            json!({"provider": "jira_server", "base_url": "https://jira.example.com",
                   "auth": {"method": "pat", "token": "t", "password": null}}),
            "auth.password",
        ),
        (
            "/api/v1/apps",
            json!({"kind": "atlassian-3lo", "client_id": "c", "client_secret": "s",
                   "base_url": null}),
            "base_url",
        ),
    ] {
        let answer = api.call("POST", path, Some(body.clone())).await;
        super::harness::invalid(&answer, field);
    }
    assert_eq!(api.list("/api/v1/orgs").await, before, "nothing written");
    // A field the body takes, sent as null, is a field not sent.
    let answer = api
        .call(
            "POST",
            "/api/v1/orgs/acme/tokens",
            Some(json!({"name": null})),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text());
}
