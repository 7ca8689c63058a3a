//! The OAuth 2.0 authorization servers, clicked through by hand over HTTP: Atlassian's 3LO
//! (consent page, code exchange, accessible resources, the API gateway) and Jira Data Center's
//! (PKCE).

mod common;

use base64::Engine as _;
use common::browser::{
    assert_consent_page, assert_error_page, hidden_inputs, post_form, redirected, submit, value,
    FORM,
};
use common::{get, get_with, send, Resp};
use jira_sim::{start, Flavor, SimConfig, SimHandle, SimSite, SimUser, DEFAULT_CLOUD_ID};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const CLIENT_ID: &str = "demo-client";
const CLIENT_SECRET: &str = "demo-secret";
const REDIRECT: &str = "http://127.0.0.1:9/connect/jira/callback";
const SCOPE: &str = "read:jira-user read:jira-work offline_access";
const LOGIN: &str = "alice@example.com";
/// A verifier of RFC 7636's alphabet and length.
const VERIFIER: &str = "M25iVXpKU3puUjFaYWg3T1NDTDQtcW1ROUY5YXlwalNoc0hhakxifmZHag";

fn alice() -> SimUser {
    SimUser {
        name: "alice".into(),
        key: "JIRAUSER90001".into(),
        account_id: "5b10a2844c20165700ede21g".into(),
        display_name: "Alice Example".into(),
        email: Some(LOGIN.into()),
        active: true,
        projects: Vec::new(),
    }
}

fn config(flavor: Flavor) -> SimConfig {
    SimConfig {
        flavor,
        oauth2_clients: vec![(CLIENT_ID.into(), CLIENT_SECRET.into(), String::new())],
        extra_users: vec![alice()],
        ..SimConfig::default()
    }
}

async fn cloud_sim() -> SimHandle {
    start(config(Flavor::Cloud)).await.unwrap()
}

fn root(sim: &SimHandle) -> String {
    format!("http://{}", sim.addr())
}

/// The 3LO authorization URL the service sends the browser to.
fn authorize_url(sim: &SimHandle, pairs: &[(&str, &str)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{}/authorize?{query}", root(sim))
}

fn atlassian_params(state: &str) -> Vec<(&'static str, String)> {
    vec![
        ("audience", "api.atlassian.com".into()),
        ("client_id", CLIENT_ID.into()),
        ("scope", SCOPE.into()),
        ("redirect_uri", REDIRECT.into()),
        ("state", state.into()),
        ("response_type", "code".into()),
        ("prompt", "consent".into()),
    ]
}

fn borrowed<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// GETs the 3LO consent page, allows as `LOGIN`, returns the code.
async fn consent_code(sim: &SimHandle, state: &str) -> String {
    let page = get(&authorize_url(sim, &borrowed(&atlassian_params(state)))).await;
    assert_consent_page(&page, "/authorize");
    let answer = submit(&format!("{}/authorize", root(sim)), &page, LOGIN, "allow").await;
    let (_, pairs) = redirected(&answer);
    assert_eq!(value(&pairs, "state"), Some(state));
    value(&pairs, "code").expect("a code").to_string()
}

async fn post_json(url: &str, body: &Value) -> Resp {
    send(
        "POST",
        url,
        &[("Content-Type", "application/json")],
        &body.to_string(),
    )
    .await
    .unwrap()
}

async fn exchange(sim: &SimHandle, code: &str, redirect_uri: &str) -> Resp {
    post_json(
        &format!("{}/oauth/token", root(sim)),
        &json!({
            "grant_type": "authorization_code",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "code": code,
            "redirect_uri": redirect_uri,
        }),
    )
    .await
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn assert_invalid_grant(resp: &Resp) {
    assert_eq!(resp.status, 400, "{}", resp.body);
    assert_eq!(resp.json()["error"], "invalid_grant", "{}", resp.body);
    assert!(resp.json()["error_description"].is_string());
}

#[tokio::test]
async fn atlassian_3lo_happy_path() {
    let sim = cloud_sim().await;
    let page = get(&authorize_url(&sim, &borrowed(&atlassian_params("st-1")))).await;
    assert_consent_page(&page, "/authorize");
    assert!(page.body.contains(CLIENT_ID));
    for scope in SCOPE.split(' ') {
        assert!(page.body.contains(&format!("<li>{scope}</li>")), "{scope}");
    }
    let hidden = hidden_inputs(&page.body);
    let expected: Vec<(String, String)> = atlassian_params("st-1")
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(hidden, expected);

    let answer = submit(&format!("{}/authorize", root(&sim)), &page, LOGIN, "allow").await;
    let (location, pairs) = redirected(&answer);
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=")),
        "{location}"
    );
    assert_eq!(value(&pairs, "state"), Some("st-1"));
    let code = value(&pairs, "code").unwrap();

    let tokens = exchange(&sim, code, REDIRECT).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let tokens = tokens.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], SCOPE);
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();

    // api.atlassian.com: the sites, then the site's REST API through the gateway.
    let sites = get_with(
        &format!("{}/oauth/token/accessible-resources", root(&sim)),
        &[("Authorization", &bearer(&access))],
    )
    .await;
    assert_eq!(sites.status, 200, "{}", sites.body);
    assert_eq!(
        sites.json(),
        json!([{
            "id": DEFAULT_CLOUD_ID,
            "url": "https://jira-sim.atlassian.net",
            "name": "jira-sim",
            "scopes": ["read:jira-user", "read:jira-work"],
            "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png",
        }])
    );
    let site_api = format!("{}/ex/jira/{DEFAULT_CLOUD_ID}", root(&sim));
    let me = get_with(
        &format!("{site_api}/rest/api/3/myself"),
        &[("Authorization", &bearer(&access))],
    )
    .await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["accountId"], alice().account_id);
    assert_eq!(me.json()["emailAddress"], LOGIN);
    let projects = get_with(
        &format!("{site_api}/rest/api/3/project/search?maxResults=2"),
        &[("Authorization", &bearer(&access))],
    )
    .await;
    assert_eq!(projects.status, 200, "{}", projects.body);
    assert_eq!(projects.json()["values"].as_array().unwrap().len(), 2);

    // The gateway requests are recorded with their path as received, found by the REST path.
    let calls = sim.requests_to("/rest/api/3/myself");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].cloud_id(), Some(DEFAULT_CLOUD_ID));
    assert_eq!(
        calls[0].path,
        format!("/ex/jira/{DEFAULT_CLOUD_ID}/rest/api/3/myself")
    );

    // The refresh token works with the rotating refresh grant; the family stays Alice's.
    let refreshed = post_json(
        &format!("{}/oauth/token", root(&sim)),
        &json!({
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": refresh,
        }),
    )
    .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    assert_eq!(refreshed.json()["scope"], SCOPE);
    let access_2 = refreshed.json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(refreshed.json()["refresh_token"], refresh.as_str());
    let me = get_with(
        &format!("{site_api}/rest/api/2/myself"),
        &[("Authorization", &bearer(&access_2))],
    )
    .await;
    assert_eq!(me.json()["displayName"], "Alice Example");

    let stats = sim.authorization_stats();
    assert_eq!(
        (
            stats.consents_allowed,
            stats.consents_denied,
            stats.codes_redeemed
        ),
        (1, 0, 1)
    );
    assert_eq!(sim.oauth2_refresh_count(), 1);
    let over_http = get(&format!("{}/_sim/authorization/stats", root(&sim))).await;
    assert_eq!(over_http.json()["codes_redeemed"], 1);

    // Secrets stay out of the log; the consent page's query (no secret) is kept.
    let log = serde_json::to_string(&sim.requests()).unwrap();
    for secret in [CLIENT_SECRET, code, &access, &refresh] {
        assert!(!log.contains(secret), "{secret} recorded");
    }
    let page_request = &sim.requests_to("/authorize")[0];
    assert_eq!(page_request.param("audience"), Some("api.atlassian.com"));
}

#[tokio::test]
async fn atlassian_3lo_deny_redirects_with_access_denied() {
    let sim = cloud_sim().await;
    let page = get(&authorize_url(
        &sim,
        &borrowed(&atlassian_params("st-deny")),
    ))
    .await;
    // Denying needs no login.
    let answer = submit(&format!("{}/authorize", root(&sim)), &page, "", "deny").await;
    let (location, pairs) = redirected(&answer);
    assert!(location.starts_with(&format!("{REDIRECT}?error=access_denied")));
    assert_eq!(value(&pairs, "error"), Some("access_denied"));
    assert!(value(&pairs, "error_description").is_some_and(|d| !d.is_empty()));
    assert_eq!(value(&pairs, "state"), Some("st-deny"));
    assert_eq!(value(&pairs, "code"), None);
    let stats = sim.authorization_stats();
    assert_eq!((stats.consents_allowed, stats.consents_denied), (0, 1));
}

#[tokio::test]
async fn allow_without_a_login_shows_the_page_again() {
    let sim = cloud_sim().await;
    let page = get(&authorize_url(&sim, &borrowed(&atlassian_params("st")))).await;
    let again = submit(&format!("{}/authorize", root(&sim)), &page, "  ", "allow").await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert_eq!(again.header("location"), None);
    assert!(again.body.contains("id=\"error\""), "{}", again.body);
    assert!(again.body.contains("id=\"allow\""));
    assert_eq!(hidden_inputs(&again.body), hidden_inputs(&page.body));
    // A redirect URI in the query of the callback keeps it, the new pairs appended with `&`.
    let mut params = atlassian_params("st-2");
    params[3].1 = format!("{REDIRECT}?tenant=t1");
    let page = get(&authorize_url(&sim, &borrowed(&params))).await;
    let answer = submit(&format!("{}/authorize", root(&sim)), &page, LOGIN, "allow").await;
    let (location, pairs) = redirected(&answer);
    assert!(location.starts_with(&format!("{REDIRECT}?tenant=t1&code=")));
    assert_eq!(value(&pairs, "state"), Some("st-2"));
}

#[tokio::test]
async fn code_reuse_wrong_redirect_and_wrong_secret() {
    let sim = cloud_sim().await;
    let code = consent_code(&sim, "s").await;
    assert_eq!(exchange(&sim, &code, REDIRECT).await.status, 200);
    assert_invalid_grant(&exchange(&sim, &code, REDIRECT).await);

    // A wrong secret fails client authentication and leaves the code alone.
    let code = consent_code(&sim, "s").await;
    let wrong_secret = post_json(
        &format!("{}/oauth/token", root(&sim)),
        &json!({
            "grant_type": "authorization_code",
            "client_id": CLIENT_ID,
            "client_secret": "not-the-secret",
            "code": code,
            "redirect_uri": REDIRECT,
        }),
    )
    .await;
    assert_eq!(wrong_secret.status, 401, "{}", wrong_secret.body);
    assert_eq!(wrong_secret.json()["error"], "invalid_client");
    // Another redirect URI than the authorization request's: refused, and the code is spent.
    assert_invalid_grant(&exchange(&sim, &code, "http://127.0.0.1:9/elsewhere").await);
    assert_invalid_grant(&exchange(&sim, &code, REDIRECT).await);
    assert_invalid_grant(&exchange(&sim, "never-issued", REDIRECT).await);
    let stats = sim.authorization_stats();
    assert_eq!((stats.codes_redeemed, stats.codes_refused), (1, 4));
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let sim = start(SimConfig {
        oauth_code_ttl_secs: 0,
        ..config(Flavor::Cloud)
    })
    .await
    .unwrap();
    let code = consent_code(&sim, "s").await;
    let answer = exchange(&sim, &code, REDIRECT).await;
    assert_invalid_grant(&answer);
    assert!(answer.json()["error_description"]
        .as_str()
        .unwrap()
        .contains("expired"));
}

#[tokio::test]
async fn untrusted_authorization_requests_get_an_error_page() {
    let sim = start(SimConfig {
        oauth2_redirect_uris: vec![REDIRECT.into(), "http://127.0.0.1:9/a b".into()],
        ..config(Flavor::Cloud)
    })
    .await
    .unwrap();
    let cases: Vec<(&str, Option<&str>)> = vec![
        ("client_id", Some("unknown-client")),
        ("redirect_uri", None),
        ("redirect_uri", Some("http://127.0.0.1:9/not-registered")),
        ("redirect_uri", Some("not a uri")),
        (
            "redirect_uri",
            Some("http://127.0.0.1:9/connect/jira/callback#top"),
        ),
        ("redirect_uri", Some("http://127.0.0.1:9/a b")),
        ("response_type", Some("token")),
        ("audience", Some("api.example.com")),
        ("audience", None),
    ];
    for (name, replacement) in cases {
        let params: Vec<(&'static str, String)> = atlassian_params("s")
            .into_iter()
            .filter_map(|(k, v)| match (k == name, replacement) {
                (true, Some(r)) => Some((k, r.to_string())),
                (true, None) => None,
                (false, _) => Some((k, v)),
            })
            .collect();
        let page = get(&authorize_url(&sim, &borrowed(&params))).await;
        assert_error_page(&page);
    }
    // A repeated parameter.
    let mut params = atlassian_params("s");
    params.push(("client_id", CLIENT_ID.into()));
    assert_error_page(&get(&authorize_url(&sim, &borrowed(&params))).await);

    // Hidden fields are checked again: a tampered redirect_uri is not trusted.
    let page = get(&authorize_url(&sim, &borrowed(&atlassian_params("s")))).await;
    let mut fields = hidden_inputs(&page.body);
    for (k, v) in &mut fields {
        if k == "redirect_uri" {
            *v = "http://evil.example/steal".into();
        }
    }
    fields.push(("login".into(), LOGIN.into()));
    fields.push(("decision".into(), "allow".into()));
    assert_error_page(&post_form(&format!("{}/authorize", root(&sim)), &fields).await);
    assert_eq!(sim.authorization_stats().consents_allowed, 0);
}

#[tokio::test]
async fn a_hostile_state_is_escaped_on_the_page_and_kept_in_the_redirect() {
    let sim = cloud_sim().await;
    let hostile = "\"><script>alert('pwned')</script><input name=\"x";
    let page = get(&authorize_url(&sim, &borrowed(&atlassian_params(hostile)))).await;
    assert_consent_page(&page, "/authorize");
    assert!(!page.body.contains("<script>"), "{}", page.body);
    assert!(!page.body.contains("alert('pwned')"), "{}", page.body);
    assert!(page.body.contains("&lt;script&gt;alert(&#39;pwned&#39;)"));
    assert_eq!(
        common::browser::value(&hidden_inputs(&page.body), "state"),
        Some(hostile)
    );
    let answer = submit(&format!("{}/authorize", root(&sim)), &page, LOGIN, "allow").await;
    let (location, pairs) = redirected(&answer);
    assert!(
        !location.contains('<') && !location.contains('"'),
        "{location}"
    );
    assert_eq!(value(&pairs, "state"), Some(hostile));
}

#[tokio::test]
async fn the_gateway_refuses_unknown_sites_and_bad_tokens() {
    let sim = start(SimConfig {
        cloud_sites: vec![
            SimSite::new("site-1", "acme"),
            SimSite {
                id: "site-2".into(),
                name: "beta".into(),
                url: "https://beta.example.net".into(),
            },
        ],
        ..config(Flavor::Cloud)
    })
    .await
    .unwrap();
    let code = consent_code(&sim, "s").await;
    let access = exchange(&sim, &code, REDIRECT).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let resources = format!("{}/oauth/token/accessible-resources", root(&sim));
    let sites = get_with(&resources, &[("Authorization", &bearer(&access))]).await;
    assert_eq!(sites.field("id"), vec!["site-1", "site-2"]);
    assert_eq!(
        sites.field("url"),
        vec!["https://acme.atlassian.net", "https://beta.example.net"]
    );
    for auth in [
        None,
        Some("Bearer sim-at-made-up"),
        Some("Basic Zm9vOmJhcg=="),
    ] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
        let refused = get_with(&resources, &headers).await;
        assert_eq!(refused.status, 401, "{auth:?}: {}", refused.body);
        assert_eq!(refused.json()["code"], 401);
    }

    let unknown = get_with(
        &format!("{}/ex/jira/no-such-site/rest/api/3/myself", root(&sim)),
        &[("Authorization", &bearer(&access))],
    )
    .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert_eq!(unknown.json()["code"], 404);
    let ok = get_with(
        &format!("{}/ex/jira/site-2/rest/api/3/myself", root(&sim)),
        &[("Authorization", &bearer(&access))],
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let bad_token = get_with(
        &format!("{}/ex/jira/site-1/rest/api/3/myself", root(&sim)),
        &[("Authorization", "Bearer sim-at-made-up")],
    )
    .await;
    assert_eq!(bad_token.status, 401);
    sim.expire_access_tokens();
    let expired = get_with(&resources, &[("Authorization", &bearer(&access))]).await;
    assert_eq!(expired.status, 401);

    // No site configured: a grant covers none.
    let bare = start(SimConfig {
        cloud_sites: Vec::new(),
        ..config(Flavor::Cloud)
    })
    .await
    .unwrap();
    let code = consent_code(&bare, "s").await;
    let access = exchange(&bare, &code, REDIRECT).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let none = get_with(
        &format!("{}/oauth/token/accessible-resources", root(&bare)),
        &[("Authorization", &bearer(&access))],
    )
    .await;
    assert_eq!(none.json(), json!([]));
    let gone = get_with(
        &format!(
            "{}/ex/jira/{DEFAULT_CLOUD_ID}/rest/api/3/myself",
            root(&bare)
        ),
        &[("Authorization", &bearer(&access))],
    )
    .await;
    assert_eq!(gone.status, 404);
    // A cloud site id that cannot be a path segment is refused at start.
    assert!(start(SimConfig {
        cloud_sites: vec![SimSite::new("a/b", "x")],
        ..SimConfig::default()
    })
    .await
    .is_err());
}

// ---- Jira Data Center, OAuth 2.0 with PKCE ----------------------------------------------------

fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

async fn dc_sim() -> SimHandle {
    start(SimConfig {
        context_path: "/jira".into(),
        ..config(Flavor::Server)
    })
    .await
    .unwrap()
}

fn dc_authorize_url(sim: &SimHandle, state: &str, method: Option<&str>) -> String {
    let challenge = challenge(VERIFIER);
    let mut pairs = vec![
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("state", state),
        ("scope", "READ"),
        ("code_challenge", challenge.as_str()),
    ];
    if let Some(method) = method {
        pairs.push(("code_challenge_method", method));
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    format!("{}/rest/oauth2/latest/authorize?{query}", sim.base_url())
}

async fn dc_code(sim: &SimHandle, state: &str) -> String {
    let page = get(&dc_authorize_url(sim, state, Some("S256"))).await;
    assert_consent_page(&page, "/jira/rest/oauth2/latest/authorize");
    let answer = submit(
        &format!("{}/rest/oauth2/latest/authorize", sim.base_url()),
        &page,
        "alice",
        "allow",
    )
    .await;
    let (_, pairs) = redirected(&answer);
    assert_eq!(value(&pairs, "state"), Some(state));
    value(&pairs, "code").unwrap().to_string()
}

async fn dc_exchange(sim: &SimHandle, code: &str, verifier: Option<&str>) -> Resp {
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ];
    if let Some(verifier) = verifier {
        pairs.push(("code_verifier", verifier));
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    send(
        "POST",
        &format!("{}/rest/oauth2/latest/token", sim.base_url()),
        &[FORM],
        &body,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn datacenter_pkce_happy_path() {
    let sim = dc_sim().await;
    let page = get(&dc_authorize_url(&sim, "dc-1", Some("S256"))).await;
    assert_consent_page(&page, "/jira/rest/oauth2/latest/authorize");
    assert!(page.body.contains("<li>READ</li>"));
    assert_eq!(
        value(&hidden_inputs(&page.body), "code_challenge"),
        Some(challenge(VERIFIER).as_str())
    );
    let answer = submit(
        &format!("{}/rest/oauth2/latest/authorize", sim.base_url()),
        &page,
        "alice",
        "allow",
    )
    .await;
    let (location, pairs) = redirected(&answer);
    assert!(location.starts_with(&format!("{REDIRECT}?code=")));
    assert_eq!(value(&pairs, "state"), Some("dc-1"));
    let code = value(&pairs, "code").unwrap();

    let tokens = dc_exchange(&sim, code, Some(VERIFIER)).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let tokens = tokens.json();
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 3600);
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let me = get_with(
        &format!("{}/rest/api/2/myself", sim.base_url()),
        &[("Authorization", &bearer(access))],
    )
    .await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["name"], "alice");

    // The refresh grant, at Data Center's endpoint.
    let body = format!(
        "grant_type=refresh_token&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}&refresh_token={refresh}"
    );
    let refreshed = send(
        "POST",
        &format!("{}/rest/oauth2/latest/token", sim.base_url()),
        &[FORM],
        &body,
    )
    .await
    .unwrap();
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    let again = send(
        "POST",
        &format!("{}/rest/oauth2/latest/token", sim.base_url()),
        &[FORM],
        &body,
    )
    .await
    .unwrap();
    assert_eq!(again.status, 403, "a rotated refresh token is refused");
    assert_eq!(sim.oauth2_reuse_rejections(), 1);
}

#[tokio::test]
async fn datacenter_pkce_refusals() {
    let sim = dc_sim().await;
    // Wrong, then missing verifier.
    let code = dc_code(&sim, "s").await;
    assert_invalid_grant(&dc_exchange(&sim, &code, Some(&"x".repeat(50))).await);
    let code = dc_code(&sim, "s").await;
    assert_invalid_grant(&dc_exchange(&sim, &code, None).await);
    // Reuse after a success.
    let code = dc_code(&sim, "s").await;
    assert_eq!(dc_exchange(&sim, &code, Some(VERIFIER)).await.status, 200);
    assert_invalid_grant(&dc_exchange(&sim, &code, Some(VERIFIER)).await);
    // A Data Center code is not Atlassian's.
    let code = dc_code(&sim, "s").await;
    assert_invalid_grant(&exchange(&sim, &code, REDIRECT).await);

    // Only S256.
    for method in [Some("plain"), None] {
        assert_error_page(&get(&dc_authorize_url(&sim, "s", method)).await);
    }
    let unknown_client = format!(
        "{}/rest/oauth2/latest/authorize?client_id=nobody&redirect_uri={}&response_type=code",
        sim.base_url(),
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    );
    assert_error_page(&get(&unknown_client).await);

    // Deny: access_denied and the state, no description.
    let page = get(&dc_authorize_url(&sim, "dc-deny", Some("S256"))).await;
    let answer = submit(
        &format!("{}/rest/oauth2/latest/authorize", sim.base_url()),
        &page,
        "",
        "deny",
    )
    .await;
    let (location, pairs) = redirected(&answer);
    assert_eq!(
        location,
        format!("{REDIRECT}?error=access_denied&state=dc-deny")
    );
    assert_eq!(value(&pairs, "code"), None);
    let stats = sim.authorization_stats();
    assert_eq!((stats.consents_allowed, stats.consents_denied), (4, 1));
    assert_eq!((stats.codes_redeemed, stats.codes_refused), (1, 4));
}
