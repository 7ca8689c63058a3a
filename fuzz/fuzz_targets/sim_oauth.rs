//! jira-sim's OAuth parsers: the `Authorization` header (every scheme, OAuth 1.0a's
//! parameters above all) and RSA-SHA1 verification of a whole request, and the OAuth 2.0
//! token endpoint's form or JSON body.
//!
//! Input: a mode on the first line, then
//! - `raw`: `METHOD TARGET`, then the `Authorization` value, then the clock (seconds since
//!   the Unix epoch; 2023-11-14T22:13:20Z without one). Checks: OAuth 1.0a parameters written
//!   back read the same; a request is accepted only from the known consumer and token, within
//!   the timestamp window.
//! - `client`: the clock's offset in seconds from the signature's timestamp, the path's
//!   segments below `rest/api/2` separated by `/`, then one `name=value` query pair per line,
//!   signed by jira-http (`oauth1::authorization_value`). Checks: jira-sim accepts every such
//!   request exactly while its timestamp is within the window.
//! - `token`: the `Content-Type` (`-` for none), the `Authorization` value (`-` for none),
//!   then the body. Checks: the status is one of the endpoint's; new tokens only on 200; the
//!   client secret and the refresh token are never in an answer.
#![no_main]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use jira_http::oauth1;
use jira_sim::fuzzing::{
    oauth1_parameters, Verifiers, OAUTH1_CONSUMER, OAUTH1_TOKEN, OAUTH2_CLIENT_SECRET,
    OAUTH2_REFRESH_TOKEN,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// 2023-11-14T22:13:20Z.
const NOW: i64 = 1_700_000_000;
/// jira-sim's timestamp window, in seconds either way.
const WINDOW: i64 = 300;
/// Where the client's requests go.
const BASE: &str = "http://jira.example.com";
const HOST: &str = "jira.example.com";
/// A 512-bit key: signing with it is fast, and the verifier does not mind its size.
const PRIVATE_KEY: &str = include_str!("../keys/oauth1-fuzz-private.pem");

fn verifiers() -> &'static Verifiers {
    static VERIFIERS: OnceLock<Verifiers> = OnceLock::new();
    VERIFIERS.get_or_init(|| {
        Verifiers::new(include_str!("../keys/oauth1-fuzz-public.pem")).expect("the test key")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n');
    match lines.next() {
        Some("raw") => raw(lines),
        Some("client") => client(lines),
        Some("token") => token(text.splitn(4, '\n').skip(1)),
        _ => {}
    }
});

fn raw<'a>(mut lines: impl Iterator<Item = &'a str>) {
    let (Some(request), Some(authorization)) = (lines.next(), lines.next()) else {
        return;
    };
    let Some((method, target)) = request.split_once(' ') else {
        return;
    };
    let now = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(NOW);
    let params = oauth1_parameters(authorization.as_bytes());
    if let Some(params) = &params {
        // Written back (each name and value percent-encoded and quoted), read the same.
        let written: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}=\"{}\"", rfc3986(k), rfc3986(v)))
            .collect();
        let again = oauth1_parameters(format!("OAuth {}", written.join(", ")).as_bytes());
        assert_eq!(again.as_ref(), Some(params), "written back");
    }
    let result =
        verifiers().authenticate(method, target, HOST, Some(authorization.as_bytes()), now);
    if result.as_deref() == Ok("OAuth1") {
        let params = params.expect("accepted OAuth 1.0a parameters parse");
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("oauth_consumer_key"), Some(OAUTH1_CONSUMER));
        assert_eq!(get("oauth_token"), Some(OAUTH1_TOKEN));
        assert_eq!(get("oauth_signature_method"), Some("RSA-SHA1"));
        let timestamp: i64 = get("oauth_timestamp")
            .and_then(|t| t.parse().ok())
            .expect("a timestamp");
        assert!(
            now.abs_diff(timestamp) <= WINDOW as u64,
            "timestamp {timestamp} at {now}"
        );
    }
}

fn client<'a>(lines: impl Iterator<Item = &'a str>) {
    static NONCES: AtomicU64 = AtomicU64::new(0);
    static KEYS: OnceLock<oauth1::KeyCache> = OnceLock::new();
    let Some((now, request, target)) = jira_search_fuzz::signed_request_input(lines, NOW, BASE)
    else {
        return;
    };
    let target = target.as_str();
    // Cannot overflow: `now` is NOW plus the offset.
    let offset = now - NOW;
    let key = KEYS
        .get_or_init(oauth1::KeyCache::default)
        .signing_key(PRIVATE_KEY)
        .expect("the test key");
    let base_uri = oauth1::base_string_uri(BASE, &jira_http::url::relative_path(&request))
        .expect("a base string URI");
    // A new nonce every time: jira-sim refuses a nonce it saw.
    let nonce = format!("n{}", NONCES.fetch_add(1, Ordering::Relaxed));
    let authorization = oauth1::authorization_value(
        &key,
        "GET",
        &base_uri,
        request.query(),
        &oauth1::OAuthParams {
            consumer_key: OAUTH1_CONSUMER,
            token: OAUTH1_TOKEN,
            nonce: &nonce,
            timestamp: NOW as u64,
        },
    );
    let result = verifiers().authenticate("GET", target, HOST, Some(authorization.as_bytes()), now);
    let in_window = offset.abs() <= WINDOW;
    assert_eq!(
        result.is_ok(),
        in_window,
        "jira-sim {result:?} for GET {target} signed {offset:+} s ago"
    );
}

fn token<'a>(mut lines: impl Iterator<Item = &'a str>) {
    let (Some(content_type), Some(authorization)) = (lines.next(), lines.next()) else {
        return;
    };
    let body = lines.next().unwrap_or("");
    let content_type = Some(content_type).filter(|c| *c != "-");
    let authorization = Some(authorization).filter(|a| *a != "-");
    let (status, answer) = verifiers().token_endpoint(
        content_type,
        body.as_bytes(),
        authorization.map(str::as_bytes),
    );
    assert!(matches!(status, 200 | 400 | 401 | 403), "{status}");
    let text = answer.to_string();
    for secret in [OAUTH2_CLIENT_SECRET, OAUTH2_REFRESH_TOKEN] {
        assert!(!text.contains(secret), "{secret} in the answer: {text}");
    }
    match status {
        200 => {
            let token = |name: &str| answer.get(name).and_then(Value::as_str).unwrap_or("");
            assert!(token("access_token").starts_with("sim-at-"), "{text}");
            assert!(token("refresh_token").starts_with("sim-rt-"), "{text}");
        }
        _ => assert!(answer.get("error").is_some_and(Value::is_string), "{text}"),
    }
}

/// RFC 3986 percent-encoding: unreserved characters kept, every other byte `%XX`.
fn rfc3986(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
