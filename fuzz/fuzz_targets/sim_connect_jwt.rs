//! jira-sim's Atlassian Connect JWT verification (`Authorization: JWT ...`, HS256 with a
//! `qsh` claim), through its authentication of a whole request.
//!
//! Input: a mode on the first line, then
//! - `raw`: `METHOD TARGET`, then the `Authorization` value, then the clock (seconds since
//!   the Unix epoch; 2023-11-14T22:13:20Z without one). Checks: a token is accepted only
//!   when its signature is the app's and its `qsh` is the request's as jira-http computes it.
//! - `signed`: `METHOD TARGET`, then the JOSE header's JSON, then the claims' JSON, signed
//!   here with the app's secret. Checks: accepted exactly when the header says HS256 and the
//!   claims name the app, are in date and carry the request's `qsh` (as jira-http computes it).
//! - `client`: the clock's offset in seconds from the token's issue, the path's segments
//!   below `rest/api/2` separated by `/`, then one `name=value` query pair per line, sent by
//!   jira-http's signer (`connect_jwt::authorization_value`). Checks: jira-sim accepts every
//!   such request exactly while the token is in date.
#![no_main]

use std::sync::OnceLock;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use jira_http::connect_jwt;
use jira_sim::fuzzing::{Verifiers, JWT_ISSUER, JWT_SECRET};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sha2::Sha256;

/// 2023-11-14T22:13:20Z.
const NOW: i64 = 1_700_000_000;
/// jira-sim's allowed clock skew, in seconds.
const SKEW: i64 = 30;
/// Where the client's requests go.
const BASE: &str = "http://jira.example.com";
const HOST: &str = "jira.example.com";

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
        Some("signed") => signed(lines),
        Some("client") => client(lines),
        _ => {}
    }
});

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The `qsh` of a request as jira-http computes it (from the decoded query of `target`);
/// `None` for a target without a Jira path (`*`) or that no server would pass on.
fn qsh_of(method: &str, target: &str) -> Option<String> {
    let uri: hyper::Uri = target.parse().ok()?;
    let path = uri.path();
    if !path.starts_with('/') {
        return None;
    }
    let query: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let canonical = connect_jwt::canonical_request(method, path, &query);
    Some(connect_jwt::query_string_hash(&canonical))
}

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
    let result =
        verifiers().authenticate(method, target, HOST, Some(authorization.as_bytes()), now);
    if result.as_deref() != Ok(&format!("Jwt({JWT_ISSUER:?})")) {
        return;
    }
    // Accepted: the app's signature, and the request's qsh.
    let token = authorization.trim()[3..].trim();
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, s] = parts.as_slice() else {
        panic!("accepted a token that is not three parts: {token}");
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(JWT_SECRET.as_bytes()).expect("a key");
    mac.update(format!("{h}.{p}").as_bytes());
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .expect("an accepted signature decodes");
    mac.verify_slice(&signature).expect("the app's signature");
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(p.trim_end_matches('='))
            .expect("claims decode"),
    )
    .expect("claims are JSON");
    if let Some(want) = qsh_of(method, target) {
        assert_eq!(claims["qsh"].as_str(), Some(want.as_str()), "qsh");
    }
}

fn signed<'a>(mut lines: impl Iterator<Item = &'a str>) {
    let (Some(request), Some(header), Some(claims)) = (lines.next(), lines.next(), lines.next())
    else {
        return;
    };
    let Some((method, target)) = request.split_once(' ') else {
        return;
    };
    let (h, p) = (b64url(header.as_bytes()), b64url(claims.as_bytes()));
    let mut mac = Hmac::<Sha256>::new_from_slice(JWT_SECRET.as_bytes()).expect("a key");
    mac.update(format!("{h}.{p}").as_bytes());
    let s = b64url(&mac.finalize().into_bytes());
    let authorization = format!("JWT {h}.{p}.{s}");
    let result =
        verifiers().authenticate(method, target, HOST, Some(authorization.as_bytes()), NOW);
    let header: Option<Value> = serde_json::from_str(header).ok();
    let claims: Option<Value> = serde_json::from_str(claims).ok();
    let int = |v: &Value, name: &str| {
        let v = v.get(name)?;
        v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
    };
    let want = header.is_some_and(|h| h.get("alg").and_then(Value::as_str) == Some("HS256"))
        && claims.as_ref().is_some_and(|c| {
            c.get("iss").and_then(Value::as_str) == Some(JWT_ISSUER)
                && int(c, "exp").is_some_and(|exp| NOW <= exp.saturating_add(SKEW))
                && int(c, "iat").is_some_and(|iat| iat <= NOW + SKEW)
                && c.get("qsh").and_then(Value::as_str).is_some()
        });
    let qsh = claims
        .as_ref()
        .and_then(|c| c.get("qsh"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    // A target without a Jira path is left to the other checks.
    if let Some(expected) = qsh_of(method, target) {
        let want = want && qsh.as_deref() == Some(expected.as_str());
        assert_eq!(result.is_ok(), want, "{result:?}");
    }
}

fn client<'a>(lines: impl Iterator<Item = &'a str>) {
    let Some((now, request, target)) = jira_search_fuzz::signed_request_input(lines, NOW, BASE)
    else {
        return;
    };
    let target = target.as_str();
    // Cannot overflow: `now` is NOW plus the offset.
    let offset = now - NOW;
    let authorization = connect_jwt::authorization_value(
        JWT_ISSUER,
        JWT_SECRET.as_bytes(),
        "GET",
        &jira_http::url::relative_path(&request),
        request.query(),
        NOW as u64,
    );
    let result = verifiers().authenticate("GET", target, HOST, Some(authorization.as_bytes()), now);
    let in_date = now <= NOW + connect_jwt::TOKEN_LIFETIME_SECS as i64 + SKEW && NOW <= now + SKEW;
    assert_eq!(
        result.is_ok(),
        in_date,
        "jira-sim {result:?} for GET {target} at issue {offset:+} s"
    );
}
