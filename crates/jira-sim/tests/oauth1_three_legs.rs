//! OAuth 1.0a's three legs as Jira's application links play them (RFC 5849 2): request token,
//! the user's consent in the browser, access token; every request signed RSA-SHA1 by a client
//! of the tests' own.

mod common;

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use common::browser::{
    assert_consent_page, assert_error_page, hidden_inputs, redirected, submit, value, FORM,
};
use common::{get, get_with, send, Resp};
use jira_sim::{start, Flavor, SimConfig, SimHandle};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use sha1::Sha1;

const CONSUMER: &str = "jira-search";
const OTHER_CONSUMER: &str = "other-app";
const CALLBACK: &str = "http://127.0.0.1:9/connect/jira/callback?state=st-1";
const PRIVATE_PEM: &str = include_str!("fixtures/oauth1_private.pem");
const PUBLIC_SPKI_PEM: &str = include_str!("fixtures/oauth1_public.pem");
const OTHER_PRIVATE_PEM: &str = include_str!("fixtures/other_private.pem");
const OTHER_PUBLIC_PKCS1_PEM: &str = include_str!("fixtures/other_public_pkcs1.pem");

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

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A consumer signing with its private key.
struct Consumer {
    key: RsaPrivateKey,
    name: String,
}

impl Consumer {
    fn new(pem: &str, name: &str) -> Self {
        Self {
            key: RsaPrivateKey::from_pkcs8_pem(pem).unwrap(),
            name: name.into(),
        }
    }

    /// The `Authorization` header for `method url` (no query) with these extra OAuth
    /// parameters (`oauth_token`, `oauth_callback`, `oauth_verifier`).
    fn header(&self, method: &str, url: &str, extra: &[(&str, &str)]) -> String {
        let timestamp = now().to_string();
        let nonce = format!("n-{}", rand_suffix());
        let mut oauth: Vec<(&str, &str)> = vec![
            ("oauth_consumer_key", &self.name),
            ("oauth_signature_method", "RSA-SHA1"),
            ("oauth_timestamp", &timestamp),
            ("oauth_nonce", &nonce),
            ("oauth_version", "1.0"),
        ];
        oauth.extend_from_slice(extra);
        let mut params: Vec<(String, String)> =
            oauth.iter().map(|(k, v)| (enc(k), enc(v))).collect();
        params.sort();
        let normalized = params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let base = format!("{method}&{}&{}", enc(url), enc(&normalized));
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

    async fn post(&self, url: &str, extra: &[(&str, &str)]) -> Resp {
        let header = self.header("POST", url, extra);
        send("POST", url, &[("Authorization", &header), FORM], "")
            .await
            .unwrap()
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// The pairs of a form-encoded body.
fn form_pairs(body: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

async fn sim(ttl: u64) -> SimHandle {
    start(SimConfig {
        flavor: Flavor::Server,
        context_path: "/jira".into(),
        oauth1_consumers: vec![
            (CONSUMER.into(), PUBLIC_SPKI_PEM.into()),
            (OTHER_CONSUMER.into(), OTHER_PUBLIC_PKCS1_PEM.into()),
        ],
        oauth_code_ttl_secs: ttl,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn servlet(sim: &SimHandle, name: &str) -> String {
    format!("{}/plugins/servlet/oauth/{name}", sim.base_url())
}

/// Leg one: a request token for `CALLBACK`.
async fn request_token(sim: &SimHandle, consumer: &Consumer) -> (String, String) {
    let answer = consumer
        .post(
            &servlet(sim, "request-token"),
            &[("oauth_callback", CALLBACK)],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain;charset=UTF-8")
    );
    let pairs = form_pairs(&answer.body);
    assert_eq!(value(&pairs, "oauth_callback_confirmed"), Some("true"));
    (
        value(&pairs, "oauth_token").unwrap().to_string(),
        value(&pairs, "oauth_token_secret").unwrap().to_string(),
    )
}

/// Leg two: the user decides on the consent page; the verifier sent to the callback.
async fn consent(sim: &SimHandle, token: &str, decision: &str) -> String {
    let page = get(&format!(
        "{}?oauth_token={token}",
        servlet(sim, "authorize")
    ))
    .await;
    assert_consent_page(&page, "/jira/plugins/servlet/oauth/authorize");
    let answer = submit(&servlet(sim, "authorize"), &page, "alice", decision).await;
    let (location, pairs) = redirected(&answer);
    // The callback's own query is kept, the pairs appended with `&`.
    assert!(
        location.starts_with(&format!("{CALLBACK}&oauth_token=")),
        "{location}"
    );
    assert_eq!(value(&pairs, "state"), Some("st-1"));
    assert_eq!(value(&pairs, "oauth_token"), Some(token));
    value(&pairs, "oauth_verifier").unwrap().to_string()
}

/// Leg three: the access token.
async fn access_token(sim: &SimHandle, consumer: &Consumer, token: &str, verifier: &str) -> Resp {
    consumer
        .post(
            &servlet(sim, "access-token"),
            &[("oauth_token", token), ("oauth_verifier", verifier)],
        )
        .await
}

fn assert_problem(resp: &Resp, problem: &str) {
    assert_eq!(resp.status, 401, "{}", resp.body);
    assert_eq!(
        value(&form_pairs(&resp.body), "oauth_problem"),
        Some(problem),
        "{}",
        resp.body
    );
    assert!(resp
        .header("www-authenticate")
        .is_some_and(|h| h.contains(&format!("oauth_problem=\"{problem}\""))));
}

async fn myself(sim: &SimHandle, consumer: &Consumer, token: &str) -> Resp {
    let url = format!("{}/rest/api/2/myself", sim.base_url());
    let header = consumer.header("GET", &url, &[("oauth_token", token)]);
    get_with(&url, &[("Authorization", &header)]).await
}

#[tokio::test]
async fn oauth1_three_legs_happy_path() {
    let sim = sim(300).await;
    let consumer = Consumer::new(PRIVATE_PEM, CONSUMER);
    let (token, secret) = request_token(&sim, &consumer).await;
    assert!(!secret.is_empty());

    let page = get(&format!(
        "{}?oauth_token={token}",
        servlet(&sim, "authorize")
    ))
    .await;
    assert_consent_page(&page, "/jira/plugins/servlet/oauth/authorize");
    assert!(page.body.contains(CONSUMER));
    assert_eq!(
        hidden_inputs(&page.body),
        vec![("oauth_token".to_string(), token.clone())]
    );
    let verifier = consent(&sim, &token, "allow").await;
    assert_ne!(verifier, "denied");

    let answer = access_token(&sim, &consumer, &token, &verifier).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let pairs = form_pairs(&answer.body);
    let access = value(&pairs, "oauth_token").unwrap().to_string();
    assert!(value(&pairs, "oauth_token_secret").is_some_and(|s| !s.is_empty()));
    assert_eq!(value(&pairs, "oauth_callback_confirmed"), None);

    // The access token signs REST calls, as the user who consented.
    let me = myself(&sim, &consumer, &access).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["name"], "alice");
    // Bound to its consumer.
    let other = Consumer::new(OTHER_PRIVATE_PEM, OTHER_CONSUMER);
    assert_eq!(myself(&sim, &other, &access).await.status, 401);

    let stats = sim.authorization_stats();
    assert_eq!((stats.consents_allowed, stats.oauth1_access_tokens), (1, 1));
    // The servlets' calls are recorded without their tokens; the consent page with its query.
    assert_eq!(sim.requests_to("/plugins/servlet/oauth/").len(), 5);
    let log = serde_json::to_string(&sim.requests()).unwrap();
    assert!(!log.contains(&verifier));
    assert!(!log.contains(&access));
}

#[tokio::test]
async fn oauth1_refusals() {
    let sim = sim(300).await;
    let consumer = Consumer::new(PRIVATE_PEM, CONSUMER);
    let request_token_url = servlet(&sim, "request-token");

    // Unsigned, unknown consumer, bad signature, no callback.
    let unsigned = send("POST", &request_token_url, &[FORM], "").await.unwrap();
    assert_problem(&unsigned, "parameter_absent");
    let stranger = Consumer::new(PRIVATE_PEM, "stranger");
    assert_problem(
        &stranger
            .post(&request_token_url, &[("oauth_callback", CALLBACK)])
            .await,
        "consumer_key_unknown",
    );
    let forger = Consumer::new(OTHER_PRIVATE_PEM, CONSUMER);
    assert_problem(
        &forger
            .post(&request_token_url, &[("oauth_callback", CALLBACK)])
            .await,
        "signature_invalid",
    );
    assert_problem(
        &consumer.post(&request_token_url, &[]).await,
        "parameter_absent",
    );
    // Signed for another URL (without the context path).
    let elsewhere = consumer.header(
        "POST",
        &format!("http://{}/plugins/servlet/oauth/request-token", sim.addr()),
        &[("oauth_callback", CALLBACK)],
    );
    let resp = send(
        "POST",
        &request_token_url,
        &[("Authorization", &elsewhere), FORM],
        "",
    )
    .await
    .unwrap();
    assert_problem(&resp, "signature_invalid");

    // A wrong verifier: refused, and the request token is spent.
    let (token, _) = request_token(&sim, &consumer).await;
    let verifier = consent(&sim, &token, "allow").await;
    assert_problem(
        &access_token(&sim, &consumer, &token, "guessed").await,
        "token_rejected",
    );
    assert_problem(
        &access_token(&sim, &consumer, &token, &verifier).await,
        "token_rejected",
    );

    // Replay of a request token after its exchange.
    let (token, _) = request_token(&sim, &consumer).await;
    let verifier = consent(&sim, &token, "allow").await;
    assert_eq!(
        access_token(&sim, &consumer, &token, &verifier)
            .await
            .status,
        200
    );
    assert_problem(
        &access_token(&sim, &consumer, &token, &verifier).await,
        "token_rejected",
    );

    // Another consumer's request token.
    let (token, _) = request_token(&sim, &consumer).await;
    let verifier = consent(&sim, &token, "allow").await;
    let other = Consumer::new(OTHER_PRIVATE_PEM, OTHER_CONSUMER);
    assert_problem(
        &access_token(&sim, &other, &token, &verifier).await,
        "token_rejected",
    );

    // Not yet authorized.
    let (token, _) = request_token(&sim, &consumer).await;
    assert_problem(
        &access_token(&sim, &consumer, &token, "anything").await,
        "permission_unknown",
    );

    // Denied: the callback gets `oauth_verifier=denied`, the exchange is refused.
    let (token, _) = request_token(&sim, &consumer).await;
    assert_eq!(consent(&sim, &token, "deny").await, "denied");
    assert_problem(
        &access_token(&sim, &consumer, &token, "denied").await,
        "permission_denied",
    );

    // The consent page of an unknown, or already decided, request token.
    for token in ["no-such-token", token.as_str()] {
        let page = get(&format!(
            "{}?oauth_token={token}",
            servlet(&sim, "authorize")
        ))
        .await;
        assert_error_page(&page);
    }
    assert_error_page(&get(&servlet(&sim, "authorize")).await);
    let stats = sim.authorization_stats();
    assert_eq!((stats.consents_allowed, stats.consents_denied), (3, 1));
    assert_eq!(stats.oauth1_access_tokens, 1);
}

#[tokio::test]
async fn an_expired_request_token_is_refused() {
    let sim = sim(0).await;
    let consumer = Consumer::new(PRIVATE_PEM, CONSUMER);
    let (token, _) = request_token(&sim, &consumer).await;
    let page = get(&format!(
        "{}?oauth_token={token}",
        servlet(&sim, "authorize")
    ))
    .await;
    assert_error_page(&page);
    assert_problem(
        &access_token(&sim, &consumer, &token, "v").await,
        "token_expired",
    );
}

#[tokio::test]
async fn an_oob_callback_shows_the_verifier() {
    let sim = sim(300).await;
    let consumer = Consumer::new(PRIVATE_PEM, CONSUMER);
    let answer = consumer
        .post(
            &servlet(&sim, "request-token"),
            &[("oauth_callback", "oob")],
        )
        .await;
    let token = value(&form_pairs(&answer.body), "oauth_token")
        .unwrap()
        .to_string();
    let page = get(&format!(
        "{}?oauth_token={token}",
        servlet(&sim, "authorize")
    ))
    .await;
    let shown = submit(&servlet(&sim, "authorize"), &page, "alice", "allow").await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let start = shown.body.find("&#39;").unwrap() + 5;
    let end = shown.body[start..].find("&#39;").unwrap() + start;
    let verifier = &shown.body[start..end];
    let answer = access_token(&sim, &consumer, &token, verifier).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}
