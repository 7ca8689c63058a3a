//! OAuth 1.0a RSA-SHA1, Atlassian Connect JWT and OAuth 2.0 (rotating refresh tokens), signed
//! here by minimal client-side helpers of the tests' own.

mod common;

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use common::{basic, get_with, send};
use hmac::{Hmac, Mac};
use jira_sim::{start, AuthKind, Flavor, SimConfig, SimHandle};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha1::Sha1;
use sha2::{Digest, Sha256};

const CONSUMER: &str = "jira-search";
const OTHER_CONSUMER: &str = "other-app";
const OAUTH1_TOKEN: &str = "oauth1-access-token-1";
const APP_KEY: &str = "com.example.jira-search";
const APP_SECRET: &str = "connect-shared-secret-0123456789";
const CLIENT_ID: &str = "client-abc";
const CLIENT_SECRET: &str = "client-s3cr3t";
const REFRESH_0: &str = "refresh-initial-0";

const PRIVATE_PEM: &str = include_str!("fixtures/oauth1_private.pem");
const PUBLIC_SPKI_PEM: &str = include_str!("fixtures/oauth1_public.pem");
const OTHER_PRIVATE_PEM: &str = include_str!("fixtures/other_private.pem");
const OTHER_PUBLIC_PKCS1_PEM: &str = include_str!("fixtures/other_public_pkcs1.pem");

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// RFC 3986 unreserved set kept, everything else `%XX`.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            write!(out, "%{b:02X}").unwrap();
        }
    }
    out
}

fn query_string(query: &[(&str, &str)]) -> String {
    query
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn url(base: &str, path: &str, query: &[(&str, &str)]) -> String {
    if query.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{}", query_string(query))
    }
}

// ---- OAuth 1.0a client side -------------------------------------------------------------------

struct OAuth1Signer {
    key: RsaPrivateKey,
    consumer: String,
    token: String,
}

impl OAuth1Signer {
    fn new(pem: &str, consumer: &str, token: &str) -> Self {
        Self {
            key: RsaPrivateKey::from_pkcs8_pem(pem).unwrap(),
            consumer: consumer.into(),
            token: token.into(),
        }
    }

    /// The `Authorization` header for `GET base_uri?query`.
    fn header(
        &self,
        base_uri: &str,
        query: &[(&str, &str)],
        timestamp: i64,
        nonce: &str,
    ) -> String {
        let timestamp = timestamp.to_string();
        let oauth = [
            ("oauth_consumer_key", self.consumer.as_str()),
            ("oauth_token", self.token.as_str()),
            ("oauth_signature_method", "RSA-SHA1"),
            ("oauth_timestamp", timestamp.as_str()),
            ("oauth_nonce", nonce),
            ("oauth_version", "1.0"),
        ];
        let mut params: Vec<(String, String)> = query
            .iter()
            .chain(oauth.iter())
            .map(|(k, v)| (enc(k), enc(v)))
            .collect();
        params.sort();
        let normalized = params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let base = format!("GET&{}&{}", enc(base_uri), enc(&normalized));
        let signer = SigningKey::<Sha1>::new(self.key.clone());
        let signature = base64::engine::general_purpose::STANDARD
            .encode(signer.sign(base.as_bytes()).to_bytes());
        let mut header = String::from("OAuth realm=\"\"");
        for (k, v) in oauth
            .iter()
            .chain([("oauth_signature", signature.as_str())].iter())
        {
            write!(header, ", {k}=\"{}\"", enc(v)).unwrap();
        }
        header
    }
}

async fn oauth1_sim() -> SimHandle {
    start(SimConfig {
        flavor: Flavor::Server,
        context_path: "/jira".into(),
        oauth1_consumers: vec![
            (CONSUMER.into(), PUBLIC_SPKI_PEM.into()),
            (OTHER_CONSUMER.into(), OTHER_PUBLIC_PKCS1_PEM.into()),
        ],
        oauth1_tokens: vec![OAUTH1_TOKEN.into()],
        accept_basic: vec![("jdoe".into(), "pw".into())],
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn assert_server_401(resp: &common::Resp) {
    assert_eq!(resp.status, 401, "{}", resp.body);
    assert_eq!(
        resp.header("x-seraph-loginreason"),
        Some("AUTHENTICATED_FAILED")
    );
    assert!(resp.body.contains("<html"));
}

fn assert_cloud_401(resp: &common::Resp) {
    assert_eq!(resp.status, 401, "{}", resp.body);
    assert_eq!(
        resp.body,
        "Client must be authenticated to access this resource."
    );
}

#[tokio::test]
async fn oauth1_good_signature_is_accepted() {
    let sim = oauth1_sim().await;
    let signer = OAuth1Signer::new(PRIVATE_PEM, CONSUMER, OAUTH1_TOKEN);
    // The base string URI includes the context path.
    let myself = format!("{}/rest/api/2/myself", sim.base_url());
    let header = signer.header(&myself, &[], now(), "nonce-1");
    let resp = get_with(&myself, &[("Authorization", &header)]).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(resp.json()["name"], "oauth-user");

    // Query parameters (with characters needing encoding) are signed too.
    let search_uri = format!("{}/rest/api/2/user/search", sim.base_url());
    let query = [("username", "a b+c/é"), ("maxResults", "5")];
    let header = signer.header(&search_uri, &query, now(), "nonce-2");
    let resp = get_with(&url(&search_uri, "", &query), &[("Authorization", &header)]).await;
    assert_eq!(resp.status, 200, "{}", resp.body);

    // A consumer registered with a PKCS#1 public key.
    let other = OAuth1Signer::new(OTHER_PRIVATE_PEM, OTHER_CONSUMER, OAUTH1_TOKEN);
    let header = other.header(&myself, &[], now(), "nonce-1");
    let resp = get_with(&myself, &[("Authorization", &header)]).await;
    assert_eq!(resp.status, 200, "{}", resp.body);

    // Basic still works next to it.
    let resp = get_with(&myself, &[("Authorization", &basic("jdoe", "pw"))]).await;
    assert_eq!(resp.status, 200);

    // Nothing secret is recorded.
    let recorded = sim.requests();
    assert_eq!(recorded[0].auth, AuthKind::OAuth);
    assert_eq!(recorded[0].auth_user, None);
    let log = serde_json::to_string(&recorded).unwrap();
    assert!(!log.contains("oauth_signature"));
    assert!(!log.contains(OAUTH1_TOKEN));
}

#[tokio::test]
async fn oauth1_refusals() {
    let sim = oauth1_sim().await;
    let signer = OAuth1Signer::new(PRIVATE_PEM, CONSUMER, OAUTH1_TOKEN);
    let search_uri = format!("{}/rest/api/2/user/search", sim.base_url());

    // Tampered query parameter.
    let header = signer.header(&search_uri, &[("username", "alice")], now(), "n-tamper");
    let resp = get_with(
        &url(&search_uri, "", &[("username", "bob")]),
        &[("Authorization", &header)],
    )
    .await;
    assert_server_401(&resp);

    // Signed with the wrong key.
    let wrong = OAuth1Signer::new(OTHER_PRIVATE_PEM, CONSUMER, OAUTH1_TOKEN);
    let myself = format!("{}/rest/api/2/myself", sim.base_url());
    let resp = get_with(
        &myself,
        &[(
            "Authorization",
            &wrong.header(&myself, &[], now(), "n-wrong"),
        )],
    )
    .await;
    assert_server_401(&resp);

    // Stale timestamp.
    let resp = get_with(
        &myself,
        &[(
            "Authorization",
            &signer.header(&myself, &[], now() - 1000, "n-stale"),
        )],
    )
    .await;
    assert_server_401(&resp);

    // Replayed nonce: first accepted, the identical second refused.
    let header = signer.header(&myself, &[], now(), "n-replay");
    let first = get_with(&myself, &[("Authorization", &header)]).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let replay = get_with(&myself, &[("Authorization", &header)]).await;
    assert_server_401(&replay);

    // Unknown access token.
    let unknown = OAuth1Signer::new(PRIVATE_PEM, CONSUMER, "not-a-token");
    let resp = get_with(
        &myself,
        &[(
            "Authorization",
            &unknown.header(&myself, &[], now(), "n-tok"),
        )],
    )
    .await;
    assert_server_401(&resp);

    // Unknown consumer, and a URI signed without the context path.
    let stranger = OAuth1Signer::new(PRIVATE_PEM, "stranger", OAUTH1_TOKEN);
    let resp = get_with(
        &myself,
        &[(
            "Authorization",
            &stranger.header(&myself, &[], now(), "n-str"),
        )],
    )
    .await;
    assert_server_401(&resp);
    let no_context = format!("http://{}/rest/api/2/myself", sim.addr());
    let resp = get_with(
        &myself,
        &[(
            "Authorization",
            &signer.header(&no_context, &[], now(), "n-ctx"),
        )],
    )
    .await;
    assert_server_401(&resp);
}

// ---- Atlassian Connect JWT client side ---------------------------------------------------------

fn qsh(method: &str, path: &str, query: &[(&str, &str)]) -> String {
    let mut sorted: Vec<(&str, &str)> = query.to_vec();
    sorted.sort();
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in sorted {
        match groups.last_mut() {
            Some((name, values)) if name == k => values.push(enc(v)),
            _ => groups.push((k.to_string(), vec![enc(v)])),
        }
    }
    let canonical_query = groups
        .iter()
        .map(|(k, vs)| format!("{}={}", enc(k), vs.join(",")))
        .collect::<Vec<_>>()
        .join("&");
    let canonical = format!("{method}&{path}&{canonical_query}");
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

fn jwt(secret: &str, claims: &Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = b64.encode(serde_json::to_vec(claims).unwrap());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{header}.{payload}").as_bytes());
    let signature = b64.encode(mac.finalize().into_bytes());
    format!("{header}.{payload}.{signature}")
}

fn connect_token(iss: &str, secret: &str, qsh: &str, exp_offset: i64) -> String {
    let now = now();
    jwt(
        secret,
        &json!({ "iss": iss, "iat": now, "exp": now + exp_offset, "qsh": qsh }),
    )
}

async fn jwt_sim() -> SimHandle {
    start(SimConfig {
        flavor: Flavor::Cloud,
        // The qsh leaves the context path out.
        context_path: "/jira".into(),
        connect_apps: vec![(APP_KEY.into(), APP_SECRET.into())],
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

#[test]
fn atlassian_qsh_example() {
    // GET /rest/api/2/search?jql=text ~ "test"
    assert_eq!(
        qsh("GET", "/rest/api/2/search", &[("jql", "text ~ \"test\"")]),
        hex::encode(Sha256::digest(
            b"GET&/rest/api/2/search&jql=text%20~%20%22test%22"
        ))
    );
}

#[tokio::test]
async fn jwt_good_token_is_accepted() {
    let sim = jwt_sim().await;
    let base = sim.base_url();
    let token = connect_token(
        APP_KEY,
        APP_SECRET,
        &qsh("GET", "/rest/api/2/myself", &[]),
        180,
    );
    let resp = get_with(
        &format!("{base}/rest/api/2/myself"),
        &[("Authorization", &format!("JWT {token}"))],
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.body);
    let me = resp.json();
    assert_eq!(me["accountType"], "app");
    assert_eq!(me["displayName"], APP_KEY);

    // Atlassian's own example request.
    let query = [("jql", "text ~ \"test\"")];
    let token = connect_token(
        APP_KEY,
        APP_SECRET,
        &qsh("GET", "/rest/api/2/search/jql", &query),
        180,
    );
    let resp = get_with(
        &url(&base, "/rest/api/2/search/jql", &query),
        &[("Authorization", &format!("JWT {token}"))],
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.body);

    // Repeated parameters, sorted and joined; a trailing slash is not part of the qsh.
    let query = [("query", "b"), ("maxResults", "2"), ("query", "a")];
    let token = connect_token(
        APP_KEY,
        APP_SECRET,
        &qsh("GET", "/rest/api/3/user/search", &query),
        180,
    );
    let resp = get_with(
        &url(&base, "/rest/api/3/user/search/", &query),
        &[("Authorization", &format!("JWT {token}"))],
    )
    .await;
    assert_eq!(resp.status, 200, "{}", resp.body);

    let recorded = sim.requests();
    assert!(recorded.iter().all(|r| r.auth == AuthKind::Jwt));
    assert!(!serde_json::to_string(&recorded).unwrap().contains(&token));
}

#[tokio::test]
async fn jwt_refusals() {
    let sim = jwt_sim().await;
    let base = sim.base_url();
    let search = "/rest/api/3/user/search";
    let query = [("query", "ann")];
    let target = url(&base, search, &query);
    let good_qsh = qsh("GET", search, &query);
    let refused = [
        // Made for another path.
        connect_token(
            APP_KEY,
            APP_SECRET,
            &qsh("GET", "/rest/api/2/myself", &[]),
            180,
        ),
        // Made for another query.
        connect_token(
            APP_KEY,
            APP_SECRET,
            &qsh("GET", search, &[("query", "bob")]),
            180,
        ),
        // Made for another method.
        connect_token(APP_KEY, APP_SECRET, &qsh("POST", search, &query), 180),
        // Wrong secret.
        connect_token(APP_KEY, "not-the-secret", &good_qsh, 180),
        // Expired (beyond the 30 s skew).
        connect_token(APP_KEY, APP_SECRET, &good_qsh, -100),
        // Unknown issuer.
        connect_token("com.example.stranger", APP_SECRET, &good_qsh, 180),
        // Issued in the future.
        jwt(
            APP_SECRET,
            &json!({ "iss": APP_KEY, "iat": now() + 600, "exp": now() + 900, "qsh": good_qsh }),
        ),
        // Not a JWT at all.
        "garbage".to_string(),
    ];
    for (i, token) in refused.iter().enumerate() {
        let resp = get_with(&target, &[("Authorization", &format!("JWT {token}"))]).await;
        assert_eq!(resp.status, 401, "case {i}: {}", resp.body);
        assert_cloud_401(&resp);
    }
    // Within the skew: still accepted.
    let token = connect_token(APP_KEY, APP_SECRET, &good_qsh, -10);
    let resp = get_with(&target, &[("Authorization", &format!("JWT {token}"))]).await;
    assert_eq!(resp.status, 200, "{}", resp.body);
}

// ---- OAuth 2.0 ----------------------------------------------------------------------------------

async fn oauth2_sim() -> SimHandle {
    start(SimConfig {
        flavor: Flavor::Server,
        context_path: "/jira".into(),
        oauth2_clients: vec![(CLIENT_ID.into(), CLIENT_SECRET.into(), REFRESH_0.into())],
        accept_tokens: vec!["static-pat".into()],
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn form(refresh: &str) -> String {
    query_string(&[
        ("grant_type", "refresh_token"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("refresh_token", refresh),
    ])
}

async fn post_form(url: &str, body: &str) -> common::Resp {
    send(
        "POST",
        url,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body,
    )
    .await
    .unwrap()
}

async fn post_json(url: &str, body: &Value) -> common::Resp {
    send(
        "POST",
        url,
        &[("Content-Type", "application/json")],
        &body.to_string(),
    )
    .await
    .unwrap()
}

async fn bearer_myself(sim: &SimHandle, token: &str) -> common::Resp {
    get_with(
        &format!("{}/rest/api/2/myself", sim.base_url()),
        &[("Authorization", &format!("Bearer {token}"))],
    )
    .await
}

#[tokio::test]
async fn oauth2_refresh_rotation_and_reuse() {
    let sim = oauth2_sim().await;
    let dc_endpoint = format!("{}/rest/oauth2/latest/token", sim.base_url());
    let cloud_endpoint = format!("http://{}/oauth/token", sim.addr());

    // Form body at Data Center's path.
    let first = post_form(&dc_endpoint, &form(REFRESH_0)).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let first = first.json();
    assert_eq!(first["token_type"], "Bearer");
    assert_eq!(first["expires_in"], 3600);
    assert_eq!(first["scope"], "read:jira-user read:jira-work");
    let access_1 = first["access_token"].as_str().unwrap().to_string();
    let refresh_1 = first["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(refresh_1, REFRESH_0);
    let me = bearer_myself(&sim, &access_1).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["name"], "oauth2-user");

    // JSON body at Atlassian's path, with the rotated refresh token.
    let second = post_json(
        &cloud_endpoint,
        &json!({
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": refresh_1,
        }),
    )
    .await;
    assert_eq!(second.status, 200, "{}", second.body);
    let second = second.json();
    let access_2 = second["access_token"].as_str().unwrap().to_string();
    let refresh_2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(bearer_myself(&sim, &access_2).await.status, 200);
    assert_eq!(sim.oauth2_refresh_count(), 2);

    // Reuse of an already-rotated refresh token: refused, and the family is revoked.
    let reuse = post_form(&dc_endpoint, &form(REFRESH_0)).await;
    assert_eq!(reuse.status, 403);
    assert_eq!(
        reuse.json(),
        json!({"error":"invalid_grant","error_description":"Unknown or invalid refresh token."})
    );
    assert_server_401(&bearer_myself(&sim, &access_1).await);
    assert_server_401(&bearer_myself(&sim, &access_2).await);
    let after = post_form(&dc_endpoint, &form(&refresh_2)).await;
    assert_eq!(after.status, 403, "{}", after.body);
    assert_eq!(after.json()["error"], "invalid_grant");
    let unknown = post_form(&dc_endpoint, &form("never-issued")).await;
    assert_eq!(unknown.status, 403);
    assert_eq!(sim.oauth2_refresh_count(), 2);
    assert_eq!(sim.oauth2_reuse_rejections(), 1);
    let stats = common::get(&format!("http://{}/_sim/oauth2/stats", sim.addr())).await;
    assert_eq!(stats.json(), json!({"refreshes": 2, "reuse_rejections": 1}));

    // The static bearer token is unaffected.
    assert_eq!(bearer_myself(&sim, "static-pat").await.status, 200);

    // Token endpoint calls are recorded, without secrets.
    let recorded = sim.requests();
    let token_calls: Vec<_> = recorded
        .iter()
        .filter(|r| r.path.ends_with("/token"))
        .collect();
    assert_eq!(token_calls.len(), 5);
    assert!(token_calls.iter().all(|r| r.method == "POST"));
    assert!(token_calls.iter().any(|r| r.path == "/oauth/token"));
    assert!(token_calls
        .iter()
        .any(|r| r.path == "/jira/rest/oauth2/latest/token"));
    let log = serde_json::to_string(&recorded).unwrap();
    for secret in [
        CLIENT_SECRET,
        REFRESH_0,
        &refresh_1,
        &refresh_2,
        &access_1,
        &access_2,
    ] {
        assert!(!log.contains(secret), "{secret} recorded");
    }
}

#[tokio::test]
async fn oauth2_expired_access_token_is_refused() {
    let sim = oauth2_sim().await;
    let endpoint = format!("{}/rest/oauth2/latest/token", sim.base_url());
    let resp = post_form(&endpoint, &form(REFRESH_0)).await.json();
    let access = resp["access_token"].as_str().unwrap().to_string();
    let refresh = resp["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(bearer_myself(&sim, &access).await.status, 200);
    sim.expire_access_tokens();
    assert_server_401(&bearer_myself(&sim, &access).await);

    // The refresh token still works, and so does the control route.
    let resp = post_form(&endpoint, &form(&refresh)).await.json();
    let access = resp["access_token"].as_str().unwrap().to_string();
    assert_eq!(bearer_myself(&sim, &access).await.status, 200);
    let expired = send(
        "POST",
        &format!("http://{}/_sim/oauth2/expire", sim.addr()),
        &[],
        "",
    )
    .await
    .unwrap();
    assert_eq!(expired.status, 200);
    assert_server_401(&bearer_myself(&sim, &access).await);
    // Control routes are not recorded.
    assert!(sim.requests().iter().all(|r| !r.path.starts_with("/_sim")));
}

#[tokio::test]
async fn oauth2_client_and_grant_errors() {
    let sim = oauth2_sim().await;
    let endpoint = format!("http://{}/oauth/token", sim.addr());
    let wrong_secret = post_form(
        &endpoint,
        &query_string(&[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", "wrong"),
            ("refresh_token", REFRESH_0),
        ]),
    )
    .await;
    assert_eq!(wrong_secret.status, 401);
    assert_eq!(wrong_secret.json()["error"], "invalid_client");
    assert!(wrong_secret.json()["error_description"].is_string());

    let bad_grant = post_json(
        &endpoint,
        &json!({
            "grant_type": "password",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }),
    )
    .await;
    assert_eq!(bad_grant.status, 400);
    assert_eq!(bad_grant.json()["error"], "unsupported_grant_type");

    // Nothing was rotated: the initial refresh token still works.
    let ok = post_form(&endpoint, &form(REFRESH_0)).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(sim.oauth2_refresh_count(), 1);
    assert_eq!(sim.oauth2_reuse_rejections(), 0);

    // An unknown bearer token gets the ordinary 401.
    assert_server_401(&bearer_myself(&sim, "sim-at-made-up").await);
}

#[tokio::test]
async fn cloud_flavour_refuses_a_bad_oauth1_header_with_its_text_401() {
    let sim = start(SimConfig {
        flavor: Flavor::Cloud,
        oauth1_consumers: vec![(CONSUMER.into(), PUBLIC_SPKI_PEM.into())],
        oauth1_tokens: vec![OAUTH1_TOKEN.into()],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let myself = format!("{}/rest/api/2/myself", sim.base_url());
    let resp = get_with(
        &myself,
        &[("Authorization", "OAuth oauth_consumer_key=\"jira-search\"")],
    )
    .await;
    assert_cloud_401(&resp);
    assert!(start(SimConfig {
        oauth1_consumers: vec![(CONSUMER.into(), "not a pem".into())],
        ..SimConfig::default()
    })
    .await
    .is_err());
}
