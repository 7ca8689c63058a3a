//! OAuth 1.0a RSA-SHA1 (RFC 5849), as Jira Server application links use it: signed REST calls,
//! and the request-token and access-token endpoints of the three legs.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine as _;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use sha1::Sha1;

use super::oauth1_tokens::{IssuedToken, OAuth1Tokens};
use crate::sync::lock;
use crate::text::{percent_decode, rfc3986};

/// How far a timestamp may be from now, in seconds.
const TIMESTAMP_WINDOW: i64 = 300;
/// How long a nonce is remembered, in seconds.
const NONCE_TTL: i64 = 600;

/// The parameters of an `Authorization: OAuth ...` header (the part after the scheme), names
/// and values percent-decoded. `None` when a part is not `name="value"`.
pub(crate) fn parse_oauth_header(rest: &str) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    for part in rest.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, value) = part.split_once('=')?;
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        params.push((percent_decode(name.trim()), percent_decode(value)));
    }
    Some(params)
}

/// RFC 5849 3.4.1.2: lower-case scheme and host, the port only when not the default, the path
/// as received.
pub(crate) fn base_string_uri(scheme: &str, host: &str, path: &str) -> String {
    let scheme = scheme.to_ascii_lowercase();
    let host = host.to_ascii_lowercase();
    let host = match host.rsplit_once(':') {
        Some((h, port))
            if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") =>
        {
            h.to_string()
        }
        _ => host,
    };
    let path = if path.is_empty() { "/" } else { path };
    format!("{scheme}://{host}{path}")
}

/// RFC 5849 3.4.1: the signature base string from the method, the base string URI and the
/// decoded request parameters (query, body and header parameters, without `oauth_signature`
/// and `realm`).
pub(crate) fn signature_base_string(
    method: &str,
    base_uri: &str,
    params: &[(String, String)],
) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (rfc3986(k), rfc3986(v)))
        .collect();
    encoded.sort();
    let normalized = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        rfc3986(base_uri),
        rfc3986(&normalized)
    )
}

/// Reads an RSA public key: SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`).
fn parse_public_key(pem: &str) -> Result<RsaPublicKey, String> {
    let pem = pem.trim();
    RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
        .map_err(|e| format!("not an RSA public key PEM: {e}"))
}

/// Why a signed request was refused: the `oauth_problem` Jira reports (the names of the OAuth
/// Problem Reporting extension) and a reason for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) problem: &'static str,
    pub(crate) reason: &'static str,
}

const fn problem(problem: &'static str, reason: &'static str) -> Problem {
    Problem { problem, reason }
}

/// Who the configured access tokens (`oauth1_tokens`) act as.
const STATIC_TOKEN_LOGIN: &str = "oauth-user";

/// The value of parameter `name`: from the `Authorization` header, else the query or body.
fn param<'a>(
    header: &'a [(String, String)],
    params: &'a [(String, String)],
    name: &str,
) -> Option<&'a str> {
    header
        .iter()
        .chain(params)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A signed request: its method, base string URI, query and form-body parameters, and the
/// parameters of its `Authorization: OAuth` header.
pub(crate) struct Signed<'a> {
    pub(crate) method: &'a str,
    pub(crate) base_uri: &'a str,
    pub(crate) params: &'a [(String, String)],
    pub(crate) header: &'a [(String, String)],
}

/// OAuth 1.0a RSA-SHA1 verifier: consumers, accepted access tokens (configured, or issued by
/// the three legs) and the nonces seen.
pub(crate) struct OAuth1 {
    consumers: HashMap<String, VerifyingKey<Sha1>>,
    tokens: Vec<String>,
    issued: OAuth1Tokens,
    /// `(consumer key, nonce)` -> the request's timestamp.
    nonces: Mutex<HashMap<(String, String), i64>>,
}

impl OAuth1 {
    /// `consumers` are `(consumer key, public key PEM)`, `tokens` the access tokens accepted
    /// from any consumer; request tokens live `request_token_ttl` seconds.
    pub(crate) fn new(
        consumers: &[(String, String)],
        tokens: &[String],
        request_token_ttl: u64,
    ) -> Result<Self, String> {
        let mut map = HashMap::new();
        for (key, pem) in consumers {
            let public = parse_public_key(pem).map_err(|e| format!("consumer '{key}': {e}"))?;
            map.insert(key.clone(), VerifyingKey::<Sha1>::new(public));
        }
        Ok(Self {
            consumers: map,
            tokens: tokens.to_vec(),
            issued: OAuth1Tokens::new(request_token_ttl),
            nonces: Mutex::new(HashMap::new()),
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.consumers.is_empty()
    }

    /// The request tokens waiting for the user, and the access tokens issued for them.
    pub(crate) fn tokens(&self) -> &OAuth1Tokens {
        &self.issued
    }

    /// Verifies one REST request; `Ok` carries the login the access token acts as, `Err` why
    /// it was refused.
    pub(crate) fn verify(
        &self,
        method: &str,
        base_uri: &str,
        query: &[(String, String)],
        header: &[(String, String)],
        now: i64,
    ) -> Result<String, Problem> {
        let request = Signed {
            method,
            base_uri,
            params: query,
            header,
        };
        self.check(&request, now, |consumer, token| {
            let token = token.ok_or(problem("parameter_absent", "no token"))?;
            if self.tokens.iter().any(|t| t == token) {
                return Ok(STATIC_TOKEN_LOGIN.to_string());
            }
            self.issued
                .access_login(consumer, token)
                .ok_or(problem("token_rejected", "unknown token"))
        })
    }

    /// The request-token endpoint: a new request token of the signing consumer, whose user
    /// comes back to `oauth_callback` (an absolute URL, or `oob`).
    pub(crate) fn request_token(
        &self,
        request: &Signed<'_>,
        now: i64,
    ) -> Result<IssuedToken, Problem> {
        let consumer = self.check(request, now, |consumer, _token| Ok(consumer.to_string()))?;
        let callback = param(request.header, request.params, "oauth_callback")
            .ok_or(problem("parameter_absent", "no oauth_callback"))?;
        // Printable ASCII only: it goes back out in a `Location` header as sent.
        let printable = callback.bytes().all(|b| b.is_ascii_graphic());
        if callback != "oob" && (!printable || url::Url::parse(callback).is_err()) {
            return Err(problem("parameter_rejected", "oauth_callback is not a URL"));
        }
        Ok(self.issued.issue_request_token(&consumer, callback))
    }

    /// The access-token endpoint: exchanges an authorized request token of the signing
    /// consumer and its `oauth_verifier` for an access token.
    pub(crate) fn access_token(
        &self,
        request: &Signed<'_>,
        now: i64,
    ) -> Result<IssuedToken, Problem> {
        let (consumer, token) = self.check(request, now, |consumer, token| {
            let token = token
                .filter(|t| !t.is_empty())
                .ok_or(problem("parameter_absent", "no oauth_token"))?;
            Ok((consumer.to_string(), token.to_string()))
        })?;
        let verifier = param(request.header, request.params, "oauth_verifier")
            .ok_or(problem("parameter_absent", "no oauth_verifier"))?;
        self.issued
            .exchange(&consumer, &token, verifier)
            .map_err(|name| problem(name, "the request token cannot be exchanged"))
    }

    /// Checks a signed request: signature method, consumer, `token_ok` (given the consumer key
    /// and the `oauth_token`, if any), timestamp, nonce and signature, in that order.
    fn check<T>(
        &self,
        request: &Signed<'_>,
        now: i64,
        token_ok: impl FnOnce(&str, Option<&str>) -> Result<T, Problem>,
    ) -> Result<T, Problem> {
        let header = request.header;
        let get = |name: &str| {
            header
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if get("oauth_signature_method") != Some("RSA-SHA1") {
            return Err(problem(
                "signature_method_rejected",
                "signature method is not RSA-SHA1",
            ));
        }
        if get("oauth_version").is_some_and(|v| v != "1.0") {
            return Err(problem("version_rejected", "unsupported oauth_version"));
        }
        let consumer =
            get("oauth_consumer_key").ok_or(problem("parameter_absent", "no consumer key"))?;
        let key = self
            .consumers
            .get(consumer)
            .ok_or(problem("consumer_key_unknown", "unknown consumer"))?;
        let accepted = token_ok(consumer, get("oauth_token"))?;
        let timestamp: i64 = get("oauth_timestamp")
            .and_then(|t| t.parse().ok())
            .ok_or(problem("parameter_rejected", "bad timestamp"))?;
        // Compared without subtracting: a timestamp near i64::MIN must not overflow.
        if now.abs_diff(timestamp) > TIMESTAMP_WINDOW.unsigned_abs() {
            return Err(problem("timestamp_refused", "timestamp out of window"));
        }
        let nonce = get("oauth_nonce")
            .filter(|n| !n.is_empty())
            .ok_or(problem("parameter_absent", "no nonce"))?;
        let bad_signature = |reason| problem("signature_invalid", reason);
        let signature =
            get("oauth_signature").ok_or(problem("parameter_absent", "no signature"))?;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(signature)
            .map_err(|_| bad_signature("signature is not base64"))?;
        let signature = Signature::try_from(signature.as_slice())
            .map_err(|_| bad_signature("bad signature"))?;
        let mut params: Vec<(String, String)> = request.params.to_vec();
        params.extend(
            header
                .iter()
                .filter(|(k, _)| k != "oauth_signature" && k != "realm")
                .cloned(),
        );
        let base = signature_base_string(request.method, request.base_uri, &params);
        key.verify(base.as_bytes(), &signature)
            .map_err(|_| bad_signature("signature does not verify"))?;
        let mut nonces = lock(&self.nonces);
        nonces.retain(|_, ts| *ts >= now - NONCE_TTL);
        let entry = (consumer.to_string(), nonce.to_string());
        if nonces.contains_key(&entry) {
            return Err(problem("nonce_used", "nonce replayed"));
        }
        nonces.insert(entry, timestamp);
        Ok(accepted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 512-bit RSA public key (fuzz/keys/oauth1-fuzz-public.pem).
    const PUBLIC: &str = "-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMFeHySlwlmzfhXlTVEzgXE38stSkA4D\nKF0kNEE9NrGhAPbWALdDnAzgQ80piLHun7LQvCq3N6LSOb/Kv2RshakCAwEAAQ==\n-----END PUBLIC KEY-----";

    #[test]
    fn a_timestamp_far_from_now_is_refused_without_overflow() {
        // Found while fuzzing (fuzz/, sim_oauth, seed raw-timestamp-min): `now - timestamp`
        // overflowed for a timestamp near i64::MIN and panicked the request's task.
        let oauth = OAuth1::new(&[("ck".into(), PUBLIC.into())], &["tok".into()], 60).unwrap();
        let now = 1_700_000_000;
        for timestamp in [i64::MIN, i64::MIN + 1, -1, now - 301, now + 301, i64::MAX] {
            let header: Vec<(String, String)> = [
                ("oauth_signature_method", "RSA-SHA1"),
                ("oauth_consumer_key", "ck"),
                ("oauth_token", "tok"),
                ("oauth_timestamp", &timestamp.to_string()),
                ("oauth_nonce", "n"),
                ("oauth_signature", "c2ln"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            assert_eq!(
                oauth
                    .verify("GET", "http://h/", &[], &header, now)
                    .map_err(|p| p.reason),
                Err("timestamp out of window"),
                "{timestamp}"
            );
        }
    }

    #[test]
    fn rfc5849_base_string_uri_examples() {
        // RFC 5849 3.4.1.2
        assert_eq!(
            base_string_uri("HTTP", "EXAMPLE.COM:80", "/r%20v/X"),
            "http://example.com/r%20v/X"
        );
        assert_eq!(
            base_string_uri("https", "www.example.net:8080", "/"),
            "https://www.example.net:8080/"
        );
        assert_eq!(
            base_string_uri("http", "127.0.0.1:8080", "/jira/rest/api/2/myself"),
            "http://127.0.0.1:8080/jira/rest/api/2/myself"
        );
    }

    #[test]
    fn rfc5849_signature_base_string_example() {
        // RFC 5849 3.4.1.1: POST /request?b5=%3D%253D&a3=a&c%40=&a2=r%20b, body c2&a3=2+q.
        let mut params = crate::text::parse_query(Some("b5=%3D%253D&a3=a&c%40=&a2=r%20b"));
        params.extend(crate::text::parse_query(Some("c2&a3=2+q")));
        let header = parse_oauth_header(
            "realm=\"Example\", oauth_consumer_key=\"9djdj82h48djs9d2\", oauth_token=\"kkk9d7dh3k39sjv7\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"137131201\", oauth_nonce=\"7d8f3e4a\", oauth_signature=\"bYT5CMsGcbgUdFHObYMEfcx6bsw%3D\"",
        )
        .unwrap();
        assert!(header.contains(&("realm".to_string(), "Example".to_string())));
        params.extend(
            header
                .into_iter()
                .filter(|(k, _)| k != "oauth_signature" && k != "realm"),
        );
        let uri = base_string_uri("http", "example.com", "/request");
        assert_eq!(
            signature_base_string("post", &uri, &params),
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q\
             %26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_\
             key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m\
             ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk\
             9d7dh3k39sjv7"
        );
    }
}
