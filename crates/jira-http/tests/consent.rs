//! `ConsentClient`'s OAuth 2.0 calls (the authorization-code exchange, Atlassian's
//! accessible-resources) against a server of the test's own that records the exact request
//! and answers what each test chooses: what is sent (JSON or form, the PKCE verifier only
//! when given, the Bearer token), what is read, and how each failure maps, never naming a
//! secret. The OAuth 1.0a calls are in consent_oauth1.rs.

mod common;

use std::time::{Duration, Instant};

use common::fake_server::{answer, closed_port, Canned, FakeServer};
use domain::model::CloudSite;
use domain::ports::{CodeExchange, ConsentApi, ConsentError, TokenStyle};
use domain::Secret;
use jira_http::{ConsentClient, JiraHttpConfig};

const CLIENT_SECRET: &str = "client-secret-5f3a9c";
const CODE: &str = "authorization-code-81c2e7";
const VERIFIER: &str = "pkce-verifier-0a9d4b7e1f";
const ACCESS: &str = "access-token-77d1";
const REFRESH: &str = "refresh-token-99b2";
const REDIRECT_URI: &str = "https://search.example.com/connect/callback";
const JSON: &str = "application/json";

fn client(timeout: Duration) -> ConsentClient {
    ConsentClient::new(JiraHttpConfig {
        timeout,
        ..JiraHttpConfig::default()
    })
    .unwrap()
}

fn exchange(token_url: String, style: TokenStyle, verifier: Option<&str>) -> CodeExchange {
    CodeExchange {
        token_url,
        style,
        client_id: "client-id-1".into(),
        client_secret: Secret::new(CLIENT_SECRET),
        code: Secret::new(CODE),
        redirect_uri: REDIRECT_URI.into(),
        code_verifier: verifier.map(Secret::new),
        verify_tls: true,
    }
}

fn granted() -> Canned {
    let body = serde_json::json!({
        "access_token": ACCESS, "expires_in": 3600, "scope": "read:jira-work offline_access",
        "refresh_token": REFRESH, "token_type": "Bearer",
    });
    answer(200, JSON, body.to_string())
}

/// Neither the error's `Display` nor its `Debug` names a secret.
fn assert_no_secret(err: &ConsentError) {
    let text = format!("{err} {err:?}");
    for secret in [CLIENT_SECRET, CODE, VERIFIER, ACCESS, REFRESH] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[tokio::test]
async fn atlassian_exchanges_the_code_with_a_json_body() {
    let server = FakeServer::start(granted()).await;
    let consent = client(Duration::from_secs(5));
    let grant = consent
        .exchange_code(&exchange(
            format!("{}/oauth/token", server.url()),
            TokenStyle::Json,
            None,
        ))
        .await
        .unwrap();
    assert_eq!(grant.access_token.expose(), ACCESS);
    assert_eq!(grant.refresh_token.expose(), REFRESH);
    assert_eq!(grant.expires_in, Some(3600));
    let req = server.only_request();
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/oauth/token")
    );
    assert_eq!(req.query, None);
    assert_eq!(req.header("content-type"), Some(JSON));
    assert_eq!(req.header("accept"), Some(JSON));
    assert_eq!(req.header("authorization"), None);
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "grant_type": "authorization_code", "client_id": "client-id-1",
            "client_secret": CLIENT_SECRET, "code": CODE, "redirect_uri": REDIRECT_URI,
        }),
        "exactly these fields, no code_verifier"
    );
}

#[tokio::test]
async fn data_center_exchanges_the_code_with_a_form_and_the_verifier_only_when_given() {
    let server = FakeServer::start(granted()).await;
    let consent = client(Duration::from_secs(5));
    let token_url = format!("{}/jira/rest/oauth2/latest/token", server.url());
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let want = pairs(&[
        ("grant_type", "authorization_code"),
        ("client_id", "client-id-1"),
        ("client_secret", CLIENT_SECRET),
        ("code", CODE),
        ("redirect_uri", REDIRECT_URI),
    ]);
    for verifier in [Some(VERIFIER), None] {
        let x = exchange(token_url.clone(), TokenStyle::Form, verifier);
        let grant = consent.exchange_code(&x).await.unwrap();
        assert_eq!(grant.refresh_token.expose(), REFRESH);
        let req = server.only_request();
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, "/jira/rest/oauth2/latest/token");
        assert_eq!(
            req.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        let mut want = want.clone();
        if let Some(verifier) = verifier {
            want.push(("code_verifier".into(), verifier.into()));
        }
        assert_eq!(req.form(), want, "verifier {verifier:?}");
    }
}

#[tokio::test]
async fn token_endpoint_failures_map_without_secrets() {
    let server = FakeServer::start(granted()).await;
    let consent = client(Duration::from_secs(5));
    let x = exchange(
        format!("{}/oauth/token", server.url()),
        TokenStyle::Json,
        None,
    );
    /// What the error must be.
    type Expected = fn(&ConsentError) -> bool;
    let cases: Vec<(Canned, Expected)> = vec![
        // The server's error code, not its description (which here quotes the code).
        (
            answer(
                400,
                JSON,
                format!(r#"{{"error":"invalid_grant","error_description":"code {CODE} is used"}}"#),
            ),
            |e| {
                *e == ConsentError::Refused {
                    status: 400,
                    detail: "invalid_grant".into(),
                }
            },
        ),
        // An error code that quotes a secret is withheld.
        (
            answer(401, JSON, format!(r#"{{"error":"{CLIENT_SECRET}"}}"#)),
            |e| matches!(e, ConsentError::Refused { status: 401, detail } if detail.contains("withheld")),
        ),
        // No code: the status says.
        (answer(500, "text/html", "<html>oops</html>"), |e| {
            *e == ConsentError::Refused {
                status: 500,
                detail: "Internal Server Error".into(),
            }
        }),
        (
            answer(200, "text/html", "<html>garbage</html>"),
            |e| matches!(e, ConsentError::InvalidBody(why) if why.contains("not a JSON object")),
        ),
        (
            answer(200, JSON, r#"{"access_token":"#),
            |e| matches!(e, ConsentError::InvalidBody(why) if why.contains("not JSON")),
        ),
        // offline_access was asked for: a grant without a refresh token is no integration.
        (
            answer(
                200,
                JSON,
                format!(r#"{{"access_token":"{ACCESS}","expires_in":60}}"#),
            ),
            |e| matches!(e, ConsentError::InvalidBody(why) if why.contains("refresh_token")),
        ),
        (
            answer(
                200,
                JSON,
                format!(r#"{{"access_token":"{ACCESS}","refresh_token":""}}"#),
            ),
            |e| matches!(e, ConsentError::InvalidBody(why) if why.contains("refresh_token")),
        ),
        (
            answer(
                200,
                JSON,
                format!(r#"{{"access_token":"","refresh_token":"{REFRESH}"}}"#),
            ),
            |e| matches!(e, ConsentError::InvalidBody(why) if why.contains("access_token")),
        ),
        // Larger than the 64 KiB cap: not read to the end.
        (
            answer(
                200,
                JSON,
                format!(r#"{{"access_token":"{}"}}"#, "a".repeat(100 * 1024)),
            ),
            |e| matches!(e, ConsentError::InvalidBody(why) if why.contains("64 KiB")),
        ),
    ];
    for (canned, expected) in cases {
        server.answer_with(canned.clone());
        let err = consent.exchange_code(&x).await.unwrap_err();
        assert!(expected(&err), "{canned:?}: {err:?}");
        assert_no_secret(&err);
        server.take();
    }
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let elsewhere = FakeServer::start(granted()).await;
    let server = FakeServer::start(Canned::Redirect {
        status: 307,
        location: format!("{}/oauth/token", elsewhere.url()),
    })
    .await;
    let x = exchange(
        format!("{}/oauth/token", server.url()),
        TokenStyle::Json,
        None,
    );
    let err = client(Duration::from_secs(5))
        .exchange_code(&x)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ConsentError::Refused {
            status: 307,
            detail: "a redirect, which is not followed".into()
        }
    );
    assert_eq!(server.take().len(), 1);
    assert!(elsewhere.take().is_empty(), "the redirect was followed");
}

#[tokio::test]
async fn an_unreachable_or_silent_server_fails_within_the_deadline() {
    let consent = client(Duration::from_millis(500));
    let x = exchange(
        format!("http://127.0.0.1:{}/oauth/token", closed_port()),
        TokenStyle::Json,
        None,
    );
    let err = consent.exchange_code(&x).await.unwrap_err();
    assert!(
        matches!(&err, ConsentError::Unreachable(why) if why.starts_with("127.0.0.1: connection failed")),
        "{err:?}"
    );
    assert_no_secret(&err);

    let server = FakeServer::start(Canned::Hang).await;
    let x = exchange(
        format!("{}/oauth/token", server.url()),
        TokenStyle::Form,
        Some(VERIFIER),
    );
    let started = Instant::now();
    let err = consent.exchange_code(&x).await.unwrap_err();
    assert!(
        matches!(&err, ConsentError::Unreachable(why) if why.contains("no answer within 0.5 s")),
        "{err:?}"
    );
    // A behaviour check, not a benchmark: the bound is generous.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_no_secret(&err);

    for bad in ["not a url", "ftp://auth.example.com/token"] {
        let err = consent
            .exchange_code(&exchange(bad.into(), TokenStyle::Json, None))
            .await
            .unwrap_err();
        assert_eq!(
            err,
            ConsentError::Unreachable("the token URL is not an http(s) URL".into())
        );
    }
}

#[tokio::test]
async fn accessible_resources_lists_the_sites_the_token_covers() {
    let body = serde_json::json!([
        {"id": "1324a887-45db-1bf4-1e99-ef0ff456d421", "url": "https://acme.atlassian.net",
         "name": "acme", "scopes": ["read:jira-work", "read:jira-user"],
         "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png"},
        {"id": "7e1b2c3d-0000-4000-8000-000000000002", "url": "https://beta.atlassian.net"},
        {"url": "https://no-id.atlassian.net", "name": "dropped: no id"},
        {"id": "7e1b2c3d-0000-4000-8000-000000000003", "name": "dropped: no url"},
    ]);
    let server = FakeServer::start(answer(200, JSON, body.to_string())).await;
    let consent = client(Duration::from_secs(5));
    // A trailing slash on the API URL is not doubled.
    let sites = consent
        .accessible_resources(&format!("{}/", server.url()), &Secret::new(ACCESS))
        .await
        .unwrap();
    assert_eq!(
        sites,
        [
            CloudSite {
                id: "1324a887-45db-1bf4-1e99-ef0ff456d421".into(),
                url: "https://acme.atlassian.net".into(),
                name: "acme".into(),
            },
            CloudSite {
                id: "7e1b2c3d-0000-4000-8000-000000000002".into(),
                url: "https://beta.atlassian.net".into(),
                name: "https://beta.atlassian.net".into(),
            },
        ]
    );
    let req = server.only_request();
    assert_eq!(req.method, "GET");
    assert_eq!(req.path, "/oauth/token/accessible-resources");
    assert_eq!(
        req.header("authorization"),
        Some(format!("Bearer {ACCESS}").as_str())
    );
    assert_eq!(req.header("accept"), Some(JSON));
    assert!(req.body.is_empty());

    // No site at all is an empty list: the caller says `no_jira_site`.
    server.answer_with(answer(200, JSON, "[]"));
    let sites = consent
        .accessible_resources(&server.url(), &Secret::new(ACCESS))
        .await
        .unwrap();
    assert!(sites.is_empty());

    for (canned, want) in [
        (
            answer(401, JSON, r#"{"code":401,"message":"Unauthorized"}"#),
            ConsentError::Refused {
                status: 401,
                detail: "Unauthorized".into(),
            },
        ),
        (
            answer(200, JSON, r#"{"id":"x","url":"https://a.atlassian.net"}"#),
            ConsentError::InvalidBody("the answer is not a JSON list".into()),
        ),
        (
            answer(200, "text/html", "<html>"),
            ConsentError::InvalidBody("the answer is not a JSON list".into()),
        ),
    ] {
        server.answer_with(canned);
        let err = consent
            .accessible_resources(&server.url(), &Secret::new(ACCESS))
            .await
            .unwrap_err();
        assert_eq!(err, want);
        assert_no_secret(&err);
    }
}
