//! `ConsentClient`'s OAuth 1.0a calls (request token, access token) against a server of the
//! test's own that records the exact request. The signature is checked here as Jira checks
//! it, from what the server received (method, `Host`, path, the `Authorization` parameters),
//! with a signature base string built by this test from RFC 5849 section 3.4.1, not by the
//! crate, and the consumer's public key.

mod common;

use std::time::Duration;

use base64::Engine;
use common::fake_server::{answer, closed_port, FakeServer, Received};
use domain::ports::{ConsentApi, ConsentError, OAuth1Consumer, OAuth1Token};
use domain::Secret;
use jira_http::{ConsentClient, JiraHttpConfig};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use sha1::Sha1;

const PRIVATE_PEM: &str = include_str!("fixtures/oauth1-test-private.pem");
const PUBLIC_PEM: &str = include_str!("fixtures/oauth1-test-public.pem");
const CONSUMER: &str = "jira-search-consumer";
/// The callback carries the state in its query: it must be encoded once in the header and
/// twice in the signature base string.
const CALLBACK: &str = "https://search.example.com/connect/callback?state=k7Qx-_9Z";
const REQUEST_TOKEN: &str = "request-token-4e1f";
const REQUEST_SECRET: &str = "request-secret-8a2c";
const VERIFIER: &str = "verifier-3kd9";
const FORM: &str = "application/x-www-form-urlencoded";

fn client() -> ConsentClient {
    ConsentClient::new(JiraHttpConfig {
        timeout: Duration::from_secs(5),
        ..JiraHttpConfig::default()
    })
    .unwrap()
}

fn consumer(base_url: String) -> OAuth1Consumer {
    OAuth1Consumer {
        base_url,
        consumer_key: CONSUMER.into(),
        private_key_pem: Secret::new(PRIVATE_PEM),
        verify_tls: true,
    }
}

fn request_token() -> OAuth1Token {
    OAuth1Token {
        token: Secret::new(REQUEST_TOKEN),
        secret: Secret::new(REQUEST_SECRET),
    }
}

/// RFC 3986 unreserved characters stay; everything else is percent-encoded (RFC 5849 3.6).
const RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn enc(s: &str) -> String {
    utf8_percent_encode(s, RESERVED).to_string()
}

fn dec(s: &str) -> String {
    percent_decode_str(s).decode_utf8().unwrap().into_owned()
}

/// The `Authorization: OAuth` parameters of a request, decoded (RFC 5849 3.5.1).
fn oauth_params(req: &Received) -> Vec<(String, String)> {
    let header = req
        .header("authorization")
        .expect("an Authorization header");
    header
        .strip_prefix("OAuth ")
        .expect("the OAuth scheme")
        .split(',')
        .map(|part| {
            let (k, v) = part.trim().split_once('=').unwrap();
            let v = v.strip_prefix('"').unwrap().strip_suffix('"').unwrap();
            (dec(k), dec(v))
        })
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut found = params.iter().filter(|(k, _)| k == name);
    let value = found.next().map(|(_, v)| v.as_str());
    assert!(found.next().is_none(), "{name} twice");
    value
}

/// The signature verifies with the consumer's public key over the base string of what was
/// received (a POST with no query and no body: the header's parameters alone).
fn assert_signed(req: &Received, params: &[(String, String)]) {
    let base_uri = format!("http://{}{}", req.header("host").unwrap(), req.path);
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "oauth_signature" && k != "realm")
        .map(|(k, v)| (enc(k), enc(v)))
        .collect();
    pairs.sort();
    let normalized: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let base = format!("POST&{}&{}", enc(&base_uri), enc(&normalized.join("&")));
    let signature = base64::engine::general_purpose::STANDARD
        .decode(param(params, "oauth_signature").expect("a signature"))
        .unwrap();
    let key =
        VerifyingKey::<Sha1>::new(rsa::RsaPublicKey::from_public_key_pem(PUBLIC_PEM).unwrap());
    let signature = Signature::try_from(signature.as_slice()).unwrap();
    key.verify(base.as_bytes(), &signature)
        .unwrap_or_else(|e| panic!("the signature does not verify over {base}: {e}"));
}

/// What every signed request of the flow carries, and that it has no query and no body.
fn assert_protocol(req: &Received, params: &[(String, String)]) {
    assert_eq!(req.method, "POST");
    assert_eq!(req.query, None);
    assert!(req.body.is_empty());
    assert_eq!(req.header("content-type"), None);
    assert_eq!(param(params, "oauth_consumer_key"), Some(CONSUMER));
    assert_eq!(param(params, "oauth_signature_method"), Some("RSA-SHA1"));
    assert_eq!(param(params, "oauth_version"), Some("1.0"));
    assert!(param(params, "oauth_nonce").is_some_and(|n| n.len() >= 16));
    let timestamp: u64 = param(params, "oauth_timestamp").unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(now.abs_diff(timestamp) < 60, "{timestamp} vs {now}");
    assert_signed(req, params);
}

#[tokio::test]
async fn the_request_token_call_is_signed_with_the_callback() {
    let server = FakeServer::start(answer(
        200,
        FORM,
        format!("oauth_token={REQUEST_TOKEN}&oauth_token_secret={REQUEST_SECRET}&oauth_callback_confirmed=true"),
    ))
    .await;
    // A context path, with a trailing slash that is not doubled.
    let token = client()
        .oauth1_request_token(&consumer(format!("{}/jira/", server.url())), CALLBACK)
        .await
        .unwrap();
    assert_eq!(token, request_token());
    let req = server.only_request();
    assert_eq!(req.path, "/jira/plugins/servlet/oauth/request-token");
    let params = oauth_params(&req);
    assert_protocol(&req, &params);
    assert_eq!(param(&params, "oauth_callback"), Some(CALLBACK));
    assert_eq!(param(&params, "oauth_token"), None);
    assert_eq!(param(&params, "oauth_verifier"), None);
    // Encoded once in the header (RFC 5849 3.5.1, 3.6).
    assert!(req.header("authorization").unwrap().contains(
        r#"oauth_callback="https%3A%2F%2Fsearch.example.com%2Fconnect%2Fcallback%3Fstate%3Dk7Qx-_9Z""#
    ));
}

#[tokio::test]
async fn the_access_token_call_is_signed_with_the_request_token_and_verifier() {
    let server = FakeServer::start(answer(
        200,
        FORM,
        "oauth_token=access%2Btoken&oauth_token_secret=access-secret&oauth_expires_in=157680000",
    ))
    .await;
    let consent = client();
    let base_url = server.url();
    let verifier = Secret::new(VERIFIER);
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let token = consent
            .oauth1_access_token(&consumer(base_url.clone()), &request_token(), &verifier)
            .await
            .unwrap();
        assert_eq!(token.token.expose(), "access+token");
        assert_eq!(token.secret.expose(), "access-secret");
        let req = server.only_request();
        assert_eq!(req.path, "/plugins/servlet/oauth/access-token");
        let params = oauth_params(&req);
        assert_protocol(&req, &params);
        assert_eq!(param(&params, "oauth_token"), Some(REQUEST_TOKEN));
        assert_eq!(param(&params, "oauth_verifier"), Some(VERIFIER));
        assert_eq!(param(&params, "oauth_callback"), None);
        nonces.push(param(&params, "oauth_nonce").unwrap().to_owned());
    }
    assert_ne!(nonces[0], nonces[1], "a fresh nonce for every request");
}

#[tokio::test]
async fn oauth1_failures_map_without_secrets() {
    let server = FakeServer::start(answer(200, FORM, "")).await;
    let consent = client();
    let at = consumer(server.url());
    let cases = [
        (
            answer(
                401,
                FORM,
                "oauth_problem=token_rejected&oauth_problem_advice=The%20token%20is%20not%20valid",
            ),
            ConsentError::Refused {
                status: 401,
                detail: "token_rejected".into(),
            },
        ),
        (
            answer(401, "text/html", "<html>Unauthorized</html>"),
            ConsentError::Refused {
                status: 401,
                detail: "Unauthorized".into(),
            },
        ),
        // A problem that quotes the request token is withheld.
        (
            answer(400, FORM, format!("oauth_problem={REQUEST_TOKEN}")),
            ConsentError::Refused {
                status: 400,
                detail: "an error code that repeats a secret (withheld)".into(),
            },
        ),
        (
            answer(200, "text/html", "<html>garbage</html>"),
            ConsentError::InvalidBody("the answer has no oauth_token".into()),
        ),
        (
            answer(200, FORM, "oauth_token=t"),
            ConsentError::InvalidBody("the answer has no oauth_token_secret".into()),
        ),
        (
            answer(200, FORM, format!("oauth_token={}", "t".repeat(100 * 1024))),
            ConsentError::InvalidBody("127.0.0.1 answered with more than 64 KiB".into()),
        ),
    ];
    for (canned, want) in cases {
        server.answer_with(canned);
        let err = consent
            .oauth1_access_token(&at, &request_token(), &Secret::new(VERIFIER))
            .await
            .unwrap_err();
        assert_eq!(err, want);
        assert_no_secret(&err);
        server.take();
    }

    let closed = consumer(format!("http://127.0.0.1:{}", closed_port()));
    let err = consent
        .oauth1_request_token(&closed, CALLBACK)
        .await
        .unwrap_err();
    assert!(matches!(&err, ConsentError::Unreachable(_)), "{err:?}");

    // An unusable private key is said without the key.
    let mut bad_key = consumer(server.url());
    bad_key.private_key_pem =
        Secret::new("-----BEGIN PRIVATE KEY-----\nQUJDREVG\n-----END PRIVATE KEY-----");
    let err = consent
        .oauth1_request_token(&bad_key, CALLBACK)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("private key is unusable"), "{err}");
    assert!(!format!("{err} {err:?}").contains("QUJDREVG"), "{err}");
    assert!(server.take().is_empty(), "nothing is sent unsigned");
}

fn assert_no_secret(err: &ConsentError) {
    let text = format!("{err} {err:?}");
    for secret in [REQUEST_TOKEN, REQUEST_SECRET, VERIFIER, "MII"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}
