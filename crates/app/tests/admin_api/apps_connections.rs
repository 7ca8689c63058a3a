//! Apps (OAuth clients) and starting a connection.

use serde_json::{json, Value};

use super::harness::{
    invalid, is_rfc3339_utc, refused, Api, NOT_RSA_PEM, PRIVATE_PEM, PUBLIC_PEM, PUBLIC_URL,
    RETURN_PREFIX,
};

const JIRA: &str = "https://jira.example.com";

#[tokio::test]
async fn apps_of_each_kind_are_registered_read_and_deleted_without_their_secrets() {
    let api = Api::start();
    let redirect = format!("{PUBLIC_URL}/connect/callback");
    let three_lo = api
        .expect(
            201,
            "POST",
            "/api/v1/apps",
            Some(json!({"kind": "atlassian-3lo", "client_id": "c-3lo", "client_secret": "s3cret-3lo"})),
        )
        .await;
    assert_eq!(three_lo["kind"], "atlassian-3lo");
    assert_eq!(three_lo["client_id"], "c-3lo");
    assert_eq!(three_lo["redirect_uri"], redirect.as_str());
    assert!(is_rfc3339_utc(&three_lo["created_at"]), "{three_lo}");
    assert!(
        three_lo.get("verify_tls").is_none(),
        "3LO always verifies: {three_lo}"
    );
    let dc = api
        .expect(
            201,
            "POST",
            "/api/v1/apps",
            Some(
                json!({"kind": "dc-oauth2", "base_url": JIRA, "client_id": "c-dc",
                        "client_secret": "s3cret-dc"}),
            ),
        )
        .await;
    assert_eq!(dc["base_url"], JIRA);
    assert_eq!(dc["verify_tls"], true, "verified unless told otherwise");
    // A Data Center with a self-signed certificate.
    let dc_no_tls = api
        .expect(
            201,
            "POST",
            "/api/v1/apps",
            Some(
                json!({"kind": "dc-oauth2", "base_url": JIRA, "client_id": "c-dc2",
                        "client_secret": "s3cret-dc2", "verify_tls": false}),
            ),
        )
        .await;
    assert_eq!(dc_no_tls["verify_tls"], false);
    // OAuth 1.0a with the product's key: the answer carries its public key.
    let given = api
        .expect(
            201,
            "POST",
            "/api/v1/apps",
            Some(
                json!({"kind": "server-oauth1", "base_url": JIRA, "consumer_key": "ck",
                        "private_key": PRIVATE_PEM}),
            ),
        )
        .await;
    assert_eq!(given["consumer_key"], "ck");
    assert_eq!(given["verify_tls"], true);
    assert_eq!(
        given["public_key"].as_str().unwrap().trim(),
        PUBLIC_PEM.trim(),
        "the fixture's public key"
    );
    // Without a key: the service makes a pair and answers the public half.
    let generated = api
        .expect(
            201,
            "POST",
            "/api/v1/apps",
            Some(json!({"kind": "server-oauth1", "base_url": JIRA, "consumer_key": "ck2"})),
        )
        .await;
    let public = generated["public_key"].as_str().unwrap();
    assert!(
        public.starts_with("-----BEGIN PUBLIC KEY-----\n")
            && public.trim_end().ends_with("-----END PUBLIC KEY-----"),
        "{public}"
    );
    assert_ne!(public.trim(), PUBLIC_PEM.trim());
    assert!(public.len() > 400, "an RSA 2048 key: {public}");
    assert!(!public.contains("PRIVATE"));

    let secrets = [
        "s3cret-3lo",
        "s3cret-dc",
        PRIVATE_PEM.lines().nth(5).unwrap(),
    ];
    let (raw, list) = api.list("/api/v1/apps").await;
    assert_eq!(
        list,
        vec![
            three_lo.clone(),
            dc.clone(),
            dc_no_tls.clone(),
            given.clone(),
            generated
        ]
    );
    for (answer, what) in [
        (&raw, "the list"),
        (&three_lo.to_string(), "3lo"),
        (&dc.to_string(), "dc"),
        (&given.to_string(), "oauth1"),
    ] {
        for s in secrets {
            assert!(!answer.contains(s), "{what}: {answer}");
        }
        assert!(!answer.contains("PRIVATE KEY"), "{what}: {answer}");
    }
    let id = dc["id"].as_i64().unwrap();
    assert_eq!(
        api.expect(200, "GET", &format!("/api/v1/apps/{id}"), None)
            .await,
        dc
    );
    assert_eq!(
        api.call("DELETE", &format!("/api/v1/apps/{id}"), None)
            .await
            .status,
        204
    );
    let a = api.call("GET", &format!("/api/v1/apps/{id}"), None).await;
    assert_eq!(refused(&a, 404), format!("app {id} does not exist"));
    refused(
        &api.call("DELETE", &format!("/api/v1/apps/{id}"), None)
            .await,
        404,
    );
    assert_eq!(api.list("/api/v1/apps").await.1.len(), 4);
}

#[tokio::test]
async fn app_mistakes_are_400_naming_the_field_and_store_nothing() {
    let api = Api::start();
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"kind": "nope"}), "kind", "unknown app kind"),
        (json!({"client_id": "c"}), "kind", "is required"),
        (json!({"kind": 3}), "kind", "must be a string"),
        (
            json!({"kind": "atlassian-3lo", "client_id": "c", "client_secret": "s", "colour": 1}),
            "colour",
            "unknown field",
        ),
        // Fields of another kind.
        (
            json!({"kind": "atlassian-3lo", "client_id": "c", "client_secret": "s", "base_url": JIRA}),
            "base_url",
            "does not take base_url",
        ),
        (
            json!({"kind": "atlassian-3lo", "client_id": "c", "client_secret": "s",
                   "verify_tls": false}),
            "verify_tls",
            "does not take verify_tls",
        ),
        (
            json!({"kind": "dc-oauth2", "base_url": JIRA, "client_id": "c", "client_secret": "s",
                   "verify_tls": "no"}),
            "verify_tls",
            "must be",
        ),
        (
            json!({"kind": "dc-oauth2", "base_url": JIRA, "client_id": "c", "client_secret": "s",
                   "consumer_key": "k"}),
            "consumer_key",
            "does not take consumer_key",
        ),
        (
            json!({"kind": "server-oauth1", "base_url": JIRA, "consumer_key": "k",
                   "client_secret": "s"}),
            "client_secret",
            "does not take client_secret",
        ),
        (
            json!({"kind": "server-oauth1", "base_url": JIRA, "client_id": "c"}),
            "client_id",
            "does not take client_id",
        ),
        // What the kind needs.
        (
            json!({"kind": "atlassian-3lo", "client_id": "c"}),
            "client_secret",
            "needs client_secret",
        ),
        (
            json!({"kind": "dc-oauth2", "client_id": "c", "client_secret": "s"}),
            "base_url",
            "needs the base URL",
        ),
        (
            json!({"kind": "server-oauth1", "base_url": JIRA}),
            "consumer_key",
            "needs consumer_key",
        ),
        // Bad URLs.
        (
            json!({"kind": "dc-oauth2", "base_url": "http://jira.example.com", "client_id": "c",
                   "client_secret": "s"}),
            "base_url",
            "allow_http",
        ),
        (
            json!({"kind": "server-oauth1", "base_url": "nope", "consumer_key": "k"}),
            "base_url",
            "invalid base URL",
        ),
        // Keys that are garbage, or not RSA.
        (
            json!({"kind": "server-oauth1", "base_url": JIRA, "consumer_key": "k",
                   "private_key": "garbage"}),
            "private_key",
            "PEM",
        ),
        (
            json!({"kind": "server-oauth1", "base_url": JIRA, "consumer_key": "k",
                   "private_key": NOT_RSA_PEM}),
            "private_key",
            "RSA",
        ),
        (
            json!({"kind": "server-oauth1", "base_url": JIRA, "consumer_key": "k",
                   "private_key": 42}),
            "private_key",
            "must be a string",
        ),
    ];
    for (b, field, words) in cases {
        let a = api.call("POST", "/api/v1/apps", Some(b.clone())).await;
        let message = invalid(&a, field);
        assert!(message.contains(words), "{b}: {message:?} lacks {words:?}");
    }
    assert_eq!(
        api.list("/api/v1/apps").await.1,
        Vec::<serde_json::Value>::new()
    );
    refused(&api.call("GET", "/api/v1/apps/1", None).await, 404);
    refused(&api.call("DELETE", "/api/v1/apps/1", None).await, 404);
}

#[tokio::test]
async fn a_connection_starts_for_a_known_app_and_an_allowed_return_url() {
    let api = Api::start();
    let app = api
        .expect(
            201,
            "POST",
            "/api/v1/apps",
            Some(json!({"kind": "atlassian-3lo", "client_id": "c-3lo", "client_secret": "s3cret"})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let path = "/api/v1/orgs/acme/connections";
    let return_url = format!("{RETURN_PREFIX}/jira?tab=1");
    for (b, field, words) in [
        (
            json!({"app": app, "return_url": "https://evil.example.com/settings"}),
            "return_url",
            "CONNECT_RETURN_URLS",
        ),
        (
            json!({"app": app, "return_url": "https://product.example.com/other"}),
            "return_url",
            "CONNECT_RETURN_URLS",
        ),
        (
            json!({"app": 999, "return_url": return_url}),
            "app",
            "app 999 does not exist",
        ),
        (json!({"return_url": return_url}), "app", "is required"),
        (
            json!({"app": "x", "return_url": return_url}),
            "app",
            "positive integer",
        ),
        (json!({"app": app}), "return_url", "is required"),
        (
            json!({"app": app, "return_url": return_url, "org": "acme"}),
            "org",
            "unknown field",
        ),
    ] {
        let a = api.call("POST", path, Some(b.clone())).await;
        let message = invalid(&a, field);
        assert!(message.contains(words), "{b}: {message:?}");
    }
    let a = api
        .call(
            "POST",
            "/api/v1/orgs/nobody/connections",
            Some(json!({"app": app, "return_url": return_url})),
        )
        .await;
    refused(&a, 404);

    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let started = api
        .expect(
            201,
            "POST",
            path,
            Some(json!({"app": app, "return_url": return_url})),
        )
        .await;
    assert_eq!(started.as_object().unwrap().len(), 2, "{started}");
    let authorize = url::Url::parse(started["authorize_url"].as_str().unwrap()).unwrap();
    assert_eq!(
        authorize.host_str(),
        Some("auth.atlassian.com"),
        "{authorize}"
    );
    let q: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], "c-3lo");
    assert_eq!(q["redirect_uri"], format!("{PUBLIC_URL}/connect/callback"));
    assert_eq!(q["state"].len(), 32, "128 random bits");
    assert!(is_rfc3339_utc(&started["expires_at"]), "{started}");
    let expires = time::OffsetDateTime::parse(
        started["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
    .unix_timestamp();
    assert!(
        (before + 590..=before + 610).contains(&expires),
        "ten minutes"
    );
    // The same app by id as a string of digits.
    api.expect(
        201,
        "POST",
        path,
        Some(json!({"app": app.to_string(), "return_url": RETURN_PREFIX})),
    )
    .await;

    // A state the service never gave: a 400 page, no redirect anywhere.
    for query in [
        "state=0123456789abcdef&code=x",
        "code=x",
        "state=&error=access_denied",
    ] {
        let a = crate::common::get(
            &api.service.url(&format!("/connect/callback?{query}")),
            None,
        )
        .await;
        assert_eq!(a.status, 400, "{query}");
        assert!(a.headers.get("location").is_none());
        assert!(a.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(
            a.text().contains("<h1>Connection not found</h1>"),
            "{}",
            a.text()
        );
    }
    let a = super::harness::send(
        &api.service.url("/connect/site"),
        "POST",
        None,
        Some("application/x-www-form-urlencoded"),
        b"state=0123456789abcdef&site=x".to_vec(),
    )
    .await;
    assert_eq!(a.status, 400);
    assert!(a.headers.get("location").is_none());
    assert_eq!(
        api.list("/api/v1/orgs/acme/integrations").await.1,
        Vec::<serde_json::Value>::new()
    );
}

#[tokio::test]
async fn without_public_url_the_connect_routes_are_not_there() {
    let api = Api::start_with(&[]);
    let app = api
        .expect(
            201,
            "POST",
            "/api/v1/apps",
            Some(json!({"kind": "atlassian-3lo", "client_id": "c", "client_secret": "s"})),
        )
        .await;
    assert_eq!(
        app["redirect_uri"],
        Value::Null,
        "no callback to register yet"
    );
    let a = api
        .call(
            "POST",
            "/api/v1/orgs/acme/connections",
            Some(json!({"app": app["id"], "return_url": RETURN_PREFIX})),
        )
        .await;
    assert!(refused(&a, 404).contains("PUBLIC_URL"), "{}", a.text());
    for path in ["/connect/callback?state=x&code=y", "/connect/site"] {
        let a = crate::common::get(&api.service.url(path), None).await;
        assert_eq!(a.status, 404, "{path}");
    }
}
