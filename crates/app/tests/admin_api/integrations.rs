//! Integrations: each auth method, the mistakes of the issue, PATCH, PUT credentials, check.

use jira_sim::Flavor;
use serde_json::{json, Value};

use super::harness::{invalid, is_rfc3339_utc, refused, Api, NOT_RSA_PEM, PRIVATE_PEM};
use crate::common::SERVER_PAT;

const SERVER: &str = "https://jira.example.com";
const CLOUD: &str = "https://acme.atlassian.net";

/// A body of `POST /orgs/{org}/integrations`.
fn body(provider: &str, base_url: &str, auth: Value) -> Value {
    json!({"provider": provider, "base_url": base_url, "auth": auth})
}

/// A line from the middle of the fixture's private key: no answer may carry it.
fn pem_line() -> &'static str {
    PRIVATE_PEM.lines().nth(5).unwrap()
}

#[tokio::test]
async fn every_auth_method_is_registered_and_no_answer_carries_a_secret() {
    let api = Api::start();
    // (provider, base URL, auth, the secrets sent, auth_method and user answered)
    let cases = [
        (
            "jira_server",
            SERVER,
            json!({"method": "pat", "token": "s3cret-pat"}),
            vec!["s3cret-pat"],
            "pat",
            Value::Null,
        ),
        (
            "jira_server",
            SERVER,
            json!({"method": "basic", "user": "bob", "password": "s3cret-password"}),
            vec!["s3cret-password"],
            "basic",
            json!("bob"),
        ),
        (
            "jira",
            CLOUD,
            json!({"method": "basic", "user": "bot@example.com", "api_token": "s3cret-api-token"}),
            vec!["s3cret-api-token"],
            "basic",
            json!("bot@example.com"),
        ),
        (
            "jira_server",
            SERVER,
            json!({"method": "oauth1", "consumer_key": "jira-search", "private_key": PRIVATE_PEM,
                   "access_token": "s3cret-access", "access_token_secret": "s3cret-access-secret"}),
            vec!["s3cret-access", "s3cret-access-secret", pem_line()],
            "oauth1",
            json!("jira-search"),
        ),
        (
            "jira_server",
            SERVER,
            json!({"method": "oauth2", "client_id": "cid", "client_secret": "s3cret-client",
                   "refresh_token": "s3cret-refresh",
                   "token_url": "https://jira.example.com/rest/oauth2/latest/token"}),
            vec!["s3cret-client", "s3cret-refresh"],
            "oauth2",
            Value::Null,
        ),
        (
            "jira",
            CLOUD,
            json!({"method": "oauth2", "client_id": "cid", "client_secret": "s3cret-client-2",
                   "refresh_token": "s3cret-refresh-2"}),
            vec!["s3cret-client-2", "s3cret-refresh-2"],
            "oauth2",
            Value::Null,
        ),
        (
            "jira",
            CLOUD,
            json!({"method": "connect-jwt", "shared_secret": "s3cret-shared", "client_id": "app.key"}),
            vec!["s3cret-shared"],
            "connect-jwt",
            Value::Null,
        ),
    ];
    let mut all_secrets = Vec::new();
    for (i, (provider, base, auth, secrets, method, user)) in cases.into_iter().enumerate() {
        let a = api
            .call(
                "POST",
                "/api/v1/orgs/acme/integrations",
                Some(body(provider, base, auth)),
            )
            .await;
        assert_eq!(a.status, 201, "{provider} {method}: {}", a.text());
        for s in &secrets {
            assert!(!a.text().contains(s), "{method}: {}", a.text());
        }
        let made = a.json();
        assert_eq!(made["id"], i + 1);
        assert_eq!(made["provider"], provider);
        assert_eq!(made["base_url"], base);
        assert_eq!(made["auth_method"], method);
        assert_eq!(made["enabled"], true);
        assert_eq!(made["verify_tls"], true);
        assert_eq!(made["orgs"], json!(["acme"]));
        assert!(is_rfc3339_utc(&made["created_at"]), "{made}");
        if !user.is_null() {
            assert_eq!(made["user"], user, "{made}");
        }
        let got = api
            .expect(200, "GET", &format!("/api/v1/integrations/{}", i + 1), None)
            .await;
        assert_eq!(got, made);
        all_secrets.extend(secrets);
    }
    // A name, plain http with allow_http, no TLS check (Server only).
    let made = api
        .expect(
            201,
            "POST",
            "/api/v1/orgs/1/integrations",
            Some(
                json!({"provider": "jira_server", "base_url": "http://jira.internal:8080",
                        "name": "Internal", "allow_http": true, "verify_tls": false,
                        "auth": {"method": "pat", "token": "s3cret-last"}}),
            ),
        )
        .await;
    assert_eq!(made["name"], "Internal");
    assert_eq!(made["verify_tls"], false);
    all_secrets.push("s3cret-last");
    let (raw, list) = api.list("/api/v1/orgs/acme/integrations").await;
    assert_eq!(list.len(), 8);
    let ids: Vec<i64> = list.iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, (1..=8).collect::<Vec<_>>(), "in creation order");
    for s in &all_secrets {
        assert!(!raw.contains(s), "{s} in {raw}");
    }
    // The CLI lists them too; neither face shows a secret.
    let cli = api.db.ok(&["integration", "list", "--org", "acme"], "");
    assert_eq!(cli.lines().count(), 8);
    for s in &all_secrets {
        assert!(!cli.contains(s));
    }
    // DELETE.
    let a = api.call("DELETE", "/api/v1/integrations/8", None).await;
    assert_eq!(a.status, 204);
    refused(&api.call("GET", "/api/v1/integrations/8", None).await, 404);
    refused(
        &api.call("DELETE", "/api/v1/integrations/8", None).await,
        404,
    );
    assert_eq!(api.list("/api/v1/orgs/acme/integrations").await.1.len(), 7);
}

#[tokio::test]
async fn mistakes_are_400_naming_the_field_and_store_nothing() {
    let api = Api::start();
    let pat = json!({"method": "pat", "token": "s3cret"});
    let with = |extra: Value| {
        let mut b = body("jira_server", SERVER, pat.clone());
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    // (body, the field named in `errors`, words of the message)
    let cases: Vec<(Value, &str, &str)> = vec![
        // Unknown fields, at the top and inside `auth`.
        (with(json!({"colour": "red"})), "colour", "unknown field"),
        (
            body(
                "jira_server",
                SERVER,
                json!({"method": "pat", "token": "s", "scope": "x"}),
            ),
            "auth.scope",
            "does not apply to auth.method pat",
        ),
        // Wrong types.
        (with(json!({"provider": 1})), "provider", "must be a string"),
        (
            with(json!({"allow_http": "yes"})),
            "allow_http",
            "must be true or false",
        ),
        (
            with(json!({"verify_tls": 0})),
            "verify_tls",
            "must be true or false",
        ),
        (with(json!({"name": ["x"]})), "name", "must be a string"),
        (
            with(json!({"auth": "pat"})),
            "auth",
            "must be a JSON object",
        ),
        (
            body(
                "jira_server",
                SERVER,
                json!({"method": "pat", "token": 12345}),
            ),
            "auth.token",
            "must be a string",
        ),
        // Missing fields.
        (
            json!({"provider": "jira_server", "auth": pat}),
            "base_url",
            "is required",
        ),
        (
            json!({"provider": "jira_server", "base_url": SERVER}),
            "auth",
            "is required",
        ),
        (
            body("jira_server", SERVER, json!({"token": "s"})),
            "auth.method",
            "is required",
        ),
        // Unknown values.
        (
            with(json!({"provider": "gitlab"})),
            "provider",
            "unknown provider",
        ),
        (
            body("jira_server", SERVER, json!({"method": "magic"})),
            "auth.method",
            "unknown auth method",
        ),
        // Bad URLs.
        (
            with(json!({"base_url": "not a url"})),
            "base_url",
            "invalid base URL",
        ),
        (
            with(json!({"base_url": "ftp://jira.example.com"})),
            "base_url",
            "invalid base URL",
        ),
        (
            with(json!({"base_url": "http://jira.example.com"})),
            "base_url",
            "allow_http",
        ),
        (
            body(
                "jira_server",
                SERVER,
                json!({"method": "oauth2", "client_id": "c",
                "client_secret": "s", "refresh_token": "r", "token_url": "nope"}),
            ),
            "auth.token_url",
            "invalid auth.token_url",
        ),
        // A missing secret for the method.
        (
            body("jira_server", SERVER, json!({"method": "pat"})),
            "auth.token",
            "needs auth.token",
        ),
        (
            body(
                "jira",
                CLOUD,
                json!({"method": "basic", "user": "a@example.com"}),
            ),
            "auth.api_token",
            "needs auth.api_token",
        ),
        (
            body(
                "jira_server",
                SERVER,
                json!({"method": "oauth2", "client_id": "c",
                "client_secret": "s", "token_url": "https://jira.example.com/t"}),
            ),
            "auth.refresh_token",
            "needs auth.refresh_token",
        ),
        (
            body(
                "jira_server",
                SERVER,
                json!({"method": "pat", "token": "  "}),
            ),
            "auth.token",
            "auth.token",
        ),
        // A field the method does not take (the CLI's flag that does not apply).
        (
            body(
                "jira_server",
                SERVER,
                json!({"method": "pat", "token": "s", "user": "bob"}),
            ),
            "auth.user",
            "auth.user does not apply to auth.method pat",
        ),
        (
            body(
                "jira",
                CLOUD,
                json!({"method": "basic", "user": "a@example.com", "password": "s"}),
            ),
            "auth.password",
            "does not apply to auth.method basic",
        ),
        (
            body(
                "jira_server",
                SERVER,
                json!({"method": "basic", "user": "bob", "api_token": "s"}),
            ),
            "auth.api_token",
            "does not apply to auth.method basic",
        ),
        // What the provider does not offer, and a rule of the provider.
        (
            body("jira", CLOUD, pat.clone()),
            "auth.method",
            "auth.method pat is not available for provider jira",
        ),
        (
            json!({"provider": "jira", "base_url": CLOUD, "verify_tls": false,
                   "auth": {"method": "basic", "user": "a@example.com", "api_token": "s"}}),
            "verify_tls",
            "only for jira_server",
        ),
        (with(json!({"name": ""})), "name", "name"),
        // A private key that is garbage, or not RSA.
        (
            body(
                "jira_server",
                SERVER,
                json!({"method": "oauth1", "consumer_key": "k",
                "private_key": "garbage", "access_token": "a", "access_token_secret": "b"}),
            ),
            "auth.private_key",
            "PEM",
        ),
        (
            body(
                "jira_server",
                SERVER,
                json!({"method": "oauth1", "consumer_key": "k",
                "private_key": NOT_RSA_PEM, "access_token": "a", "access_token_secret": "b"}),
            ),
            "auth.private_key",
            "RSA",
        ),
    ];
    for (b, field, words) in cases {
        let a = api
            .call("POST", "/api/v1/orgs/acme/integrations", Some(b.clone()))
            .await;
        let message = invalid(&a, field);
        assert!(message.contains(words), "{b}: {message:?} lacks {words:?}");
        assert!(!a.text().contains("s3cret"), "{}", a.text());
    }
    // An unknown org: 404, checked with the rest valid.
    let a = api
        .call(
            "POST",
            "/api/v1/orgs/nobody/integrations",
            Some(body("jira_server", SERVER, pat)),
        )
        .await;
    assert_eq!(refused(&a, 404), "organization \"nobody\" does not exist");
    assert_eq!(
        api.list("/api/v1/orgs/acme/integrations").await.1,
        Vec::<serde_json::Value>::new()
    );
    assert_eq!(api.db.ok(&["integration", "list"], ""), "");
}

#[tokio::test]
async fn patch_renames_and_disables_and_the_search_follows() {
    let api = Api::start();
    let sim = crate::common::sim(Flavor::Server).await;
    let made = api
        .expect(
            201,
            "POST",
            "/api/v1/orgs/acme/integrations",
            Some(
                json!({"provider": "jira_server", "base_url": sim.base_url(), "allow_http": true,
                        "auth": {"method": "pat", "token": SERVER_PAT}}),
            ),
        )
        .await;
    let id = made["id"].to_string();
    let path = format!("/api/v1/integrations/{id}");
    assert_eq!(api.search("jira-server", &id, "a").await.status, 200);
    let patched = api
        .expect(
            200,
            "PATCH",
            &path,
            Some(json!({"name": "Renamed", "enabled": false})),
        )
        .await;
    assert_eq!(patched["name"], "Renamed");
    assert_eq!(patched["enabled"], false);
    assert_eq!(patched["id"], made["id"]);
    assert_eq!(api.expect(200, "GET", &path, None).await, patched);
    let a = api.search("jira-server", &id, "a").await;
    assert_eq!(a.status, 404, "a disabled integration is not found");
    // Nothing to change is fine; mistakes change nothing.
    assert_eq!(
        api.expect(200, "PATCH", &path, Some(json!({}))).await,
        patched
    );
    for (b, field) in [
        (json!({"enabled": "yes"}), "enabled"),
        (json!({"name": 3}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"base_url": "https://other.example.com"}), "base_url"),
        (json!({"auth": {"method": "pat", "token": "x"}}), "auth"),
    ] {
        invalid(&api.call("PATCH", &path, Some(b)).await, field);
    }
    assert_eq!(api.expect(200, "GET", &path, None).await, patched);
    let enabled = api
        .expect(200, "PATCH", &path, Some(json!({"enabled": true})))
        .await;
    assert_eq!(enabled["name"], "Renamed");
    assert_eq!(api.search("jira-server", &id, "a").await.status, 200);
    refused(
        &api.call(
            "PATCH",
            "/api/v1/integrations/99",
            Some(json!({"enabled": true})),
        )
        .await,
        404,
    );
}

// Multi-threaded: the CLI's `integration check` blocks this thread while the simulator
// answers it.
#[tokio::test(flavor = "multi_thread")]
async fn put_credentials_keeps_the_id_and_the_search_and_check_use_the_new_ones() {
    let api = Api::start();
    // The simulator accepts SERVER_PAT only: the integration starts with a stale token.
    let sim = crate::common::sim(Flavor::Server).await;
    let made = api
        .expect(
            201,
            "POST",
            "/api/v1/orgs/acme/integrations",
            Some(
                json!({"provider": "jira_server", "base_url": sim.base_url(), "allow_http": true,
                        "auth": {"method": "pat", "token": "stale-pat"}}),
            ),
        )
        .await;
    let id = made["id"].to_string();
    let check = format!("/api/v1/integrations/{id}/check");
    let credentials = format!("/api/v1/integrations/{id}/credentials");
    let failed = api.expect(200, "POST", &check, None).await;
    assert_eq!(failed["ok"], false, "{failed}");
    assert!(!failed["reason"].as_str().unwrap().is_empty(), "{failed}");
    assert_eq!(failed.as_object().unwrap().len(), 2, "{failed}");
    assert_ne!(api.search("jira-server", &id, "a").await.status, 200);

    // Refused rotations change nothing.
    for (b, field) in [
        (json!({"auth": {"method": "pat"}}), "auth.token"),
        (
            json!({"auth": {"method": "pat", "token": SERVER_PAT, "user": "x"}}),
            "auth.user",
        ),
        (
            json!({"auth": {"method": "connect-jwt", "shared_secret": "s"}}),
            "auth.method",
        ),
        (
            json!({"auth": {"method": "pat", "token": SERVER_PAT}, "name": "x"}),
            "name",
        ),
        (json!({}), "auth"),
    ] {
        invalid(&api.call("PUT", &credentials, Some(b)).await, field);
    }
    assert_eq!(api.expect(200, "POST", &check, None).await["ok"], false);

    let a = api
        .call(
            "PUT",
            &credentials,
            Some(json!({"auth": {"method": "pat", "token": SERVER_PAT}})),
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.text());
    assert!(a.body.is_empty());
    let after = api
        .expect(200, "GET", &format!("/api/v1/integrations/{id}"), None)
        .await;
    assert_eq!(after, made, "same id, same everything public");
    let name: String = sim.users()[0].display_name.chars().take(3).collect();
    let a = api.search("jira-server", &id, &name).await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert!(!a.json().as_array().unwrap().is_empty(), "{}", a.text());
    let ok = api.expect(200, "POST", &check, None).await;
    assert_eq!(ok["ok"], true, "{ok}");
    let me = &ok["jira_user"];
    assert!(!me["id"].as_str().unwrap().is_empty(), "{ok}");
    assert!(me["display_name"].is_string(), "{ok}");
    // The CLI's `integration check` agrees.
    let cli = api.db.ok(&["integration", "check", &id], "");
    assert!(cli.starts_with(me["id"].as_str().unwrap()), "{cli} vs {ok}");

    refused(
        &api.call(
            "PUT",
            "/api/v1/integrations/99/credentials",
            Some(json!({"auth": {"method": "pat", "token": "x"}})),
        )
        .await,
        404,
    );
    refused(
        &api.call("POST", "/api/v1/integrations/99/check", None)
            .await,
        404,
    );
}
