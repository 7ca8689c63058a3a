//! Verification of the schemes beyond Basic and static Bearer tokens: OAuth 1.0a RSA-SHA1
//! (RFC 5849, Jira Server application links), Atlassian Connect JWT (HS256 with a `qsh` claim)
//! and OAuth 2.0 with rotating refresh tokens (the token endpoint and the access tokens it
//! issues).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::Rng as _;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use serde_json::{json, Value};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::server::lock;

/// OAuth 1.0a: how far a timestamp may be from now, in seconds.
const OAUTH1_TIMESTAMP_WINDOW: i64 = 300;
/// OAuth 1.0a: how long a nonce is remembered, in seconds.
const OAUTH1_NONCE_TTL: i64 = 600;
/// Connect JWT: allowed clock skew on `exp` and `iat`, in seconds.
const JWT_SKEW: i64 = 30;
/// The scope the token endpoint reports.
const OAUTH2_SCOPE: &str = "read:jira-user read:jira-work";

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// RFC 3986 percent-encoding: `A-Za-z0-9-._~` kept, every other byte `%XX` upper-case.
pub(crate) fn rfc3986(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

// ---- OAuth 1.0a ------------------------------------------------------------------------------

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

/// OAuth 1.0a RSA-SHA1 verifier: consumers, accepted access tokens and the nonces seen.
pub(crate) struct OAuth1 {
    consumers: HashMap<String, VerifyingKey<Sha1>>,
    tokens: Vec<String>,
    /// `(consumer key, nonce)` -> the request's timestamp.
    nonces: Mutex<HashMap<(String, String), i64>>,
}

impl OAuth1 {
    pub(crate) fn new(consumers: &[(String, String)], tokens: &[String]) -> Result<Self, String> {
        let mut map = HashMap::new();
        for (key, pem) in consumers {
            let public = parse_public_key(pem).map_err(|e| format!("consumer '{key}': {e}"))?;
            map.insert(key.clone(), VerifyingKey::<Sha1>::new(public));
        }
        Ok(Self {
            consumers: map,
            tokens: tokens.to_vec(),
            nonces: Mutex::new(HashMap::new()),
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.consumers.is_empty()
    }

    /// Verifies one request; `Ok` carries the consumer key, `Err` why it was refused.
    pub(crate) fn verify(
        &self,
        method: &str,
        base_uri: &str,
        query: &[(String, String)],
        header: &[(String, String)],
        now: i64,
    ) -> Result<String, &'static str> {
        let get = |name: &str| {
            header
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if get("oauth_signature_method") != Some("RSA-SHA1") {
            return Err("signature method is not RSA-SHA1");
        }
        if get("oauth_version").is_some_and(|v| v != "1.0") {
            return Err("unsupported oauth_version");
        }
        let consumer = get("oauth_consumer_key").ok_or("no consumer key")?;
        let key = self.consumers.get(consumer).ok_or("unknown consumer")?;
        let token = get("oauth_token").ok_or("no token")?;
        if !self.tokens.iter().any(|t| t == token) {
            return Err("unknown token");
        }
        let timestamp: i64 = get("oauth_timestamp")
            .and_then(|t| t.parse().ok())
            .ok_or("bad timestamp")?;
        if (now - timestamp).abs() > OAUTH1_TIMESTAMP_WINDOW {
            return Err("timestamp out of window");
        }
        let nonce = get("oauth_nonce")
            .filter(|n| !n.is_empty())
            .ok_or("no nonce")?;
        let signature = get("oauth_signature").ok_or("no signature")?;
        let signature = base64::engine::general_purpose::STANDARD
            .decode(signature)
            .map_err(|_| "signature is not base64")?;
        let signature = Signature::try_from(signature.as_slice()).map_err(|_| "bad signature")?;
        let mut params: Vec<(String, String)> = query.to_vec();
        params.extend(
            header
                .iter()
                .filter(|(k, _)| k != "oauth_signature" && k != "realm")
                .cloned(),
        );
        let base = signature_base_string(method, base_uri, &params);
        key.verify(base.as_bytes(), &signature)
            .map_err(|_| "signature does not verify")?;
        let mut nonces = lock(&self.nonces);
        nonces.retain(|_, ts| *ts >= now - OAUTH1_NONCE_TTL);
        let entry = (consumer.to_string(), nonce.to_string());
        if nonces.contains_key(&entry) {
            return Err("nonce replayed");
        }
        nonces.insert(entry, timestamp);
        Ok(consumer.to_string())
    }
}

// ---- Atlassian Connect JWT -------------------------------------------------------------------

/// Atlassian's canonical request: `METHOD&canonical-path&canonical-query`. `jira_path` is the
/// path without the context path, still percent-encoded as received.
pub(crate) fn canonical_request(
    method: &str,
    jira_path: &str,
    query: &[(String, String)],
) -> String {
    let mut path = jira_path.to_string();
    while path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    if path.is_empty() {
        path.push('/');
    }
    let path = path.replace('&', "%26");
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, v) in query {
        if k != "jwt" {
            groups.entry(k.as_str()).or_default().push(v.as_str());
        }
    }
    let canonical_query = groups
        .into_iter()
        .map(|(name, mut values)| {
            values.sort_unstable();
            let values: Vec<String> = values.into_iter().map(rfc3986).collect();
            format!("{}={}", rfc3986(name), values.join(","))
        })
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        path,
        canonical_query
    )
}

/// The `qsh` claim: hex SHA-256 of the canonical request.
pub(crate) fn query_string_hash(
    method: &str,
    jira_path: &str,
    query: &[(String, String)],
) -> String {
    hex::encode(Sha256::digest(
        canonical_request(method, jira_path, query).as_bytes(),
    ))
}

fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .ok()
}

fn claim_int(claims: &Value, name: &str) -> Option<i64> {
    let v = claims.get(name)?;
    v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
}

/// Connect JWT verifier: `iss` (app key) -> shared secret.
pub(crate) struct ConnectJwt {
    apps: HashMap<String, String>,
}

impl ConnectJwt {
    pub(crate) fn new(apps: &[(String, String)]) -> Self {
        Self {
            apps: apps.iter().cloned().collect(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.apps.is_empty()
    }

    /// Verifies a token for a request; `Ok` carries the issuer.
    pub(crate) fn verify(
        &self,
        token: &str,
        method: &str,
        jira_path: &str,
        query: &[(String, String)],
        now: i64,
    ) -> Result<String, &'static str> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("not a JWS compact token");
        };
        let header: Value = b64url_decode(h)
            .and_then(|raw| serde_json::from_slice(&raw).ok())
            .ok_or("bad header")?;
        if header.get("alg").and_then(Value::as_str) != Some("HS256") {
            return Err("alg is not HS256");
        }
        let claims: Value = b64url_decode(p)
            .and_then(|raw| serde_json::from_slice(&raw).ok())
            .ok_or("bad claims")?;
        let iss = claims.get("iss").and_then(Value::as_str).ok_or("no iss")?;
        let secret = self.apps.get(iss).ok_or("unknown issuer")?;
        let signature = b64url_decode(s).ok_or("bad signature encoding")?;
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| "unusable secret")?;
        mac.update(h.as_bytes());
        mac.update(b".");
        mac.update(p.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| "signature does not verify")?;
        let exp = claim_int(&claims, "exp").ok_or("no exp")?;
        if now > exp.saturating_add(JWT_SKEW) {
            return Err("expired");
        }
        let iat = claim_int(&claims, "iat").ok_or("no iat")?;
        if iat > now.saturating_add(JWT_SKEW) {
            return Err("issued in the future");
        }
        let qsh = claims.get("qsh").and_then(Value::as_str).ok_or("no qsh")?;
        if qsh != query_string_hash(method, jira_path, query) {
            return Err("qsh does not match the request");
        }
        Ok(iss.to_string())
    }
}

// ---- OAuth 2.0 ---------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RefreshState {
    /// The family's live refresh token.
    Current,
    /// Already exchanged: presenting it again is reuse.
    Rotated,
    /// Its family was revoked.
    Revoked,
}

struct RefreshEntry {
    client_id: String,
    family: u64,
    state: RefreshState,
}

struct AccessEntry {
    family: u64,
    expires: Instant,
}

#[derive(Default)]
struct OAuth2State {
    refresh: HashMap<String, RefreshEntry>,
    access: HashMap<String, AccessEntry>,
}

/// The token endpoint's state: clients, refresh token families and issued access tokens.
pub(crate) struct OAuth2 {
    clients: Vec<(String, String)>,
    ttl: u64,
    state: Mutex<OAuth2State>,
    refreshes: AtomicU64,
    reuse_rejections: AtomicU64,
}

/// What a token request carried.
#[derive(Default)]
pub(crate) struct TokenRequest {
    pub(crate) grant_type: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<String>,
    pub(crate) refresh_token: Option<String>,
}

impl TokenRequest {
    /// Reads a form or JSON body; `Basic` client credentials fill in a missing id and secret.
    pub(crate) fn parse(
        content_type: Option<&str>,
        body: &[u8],
        basic: Option<(String, String)>,
    ) -> Result<Self, String> {
        let is_json = content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
        let mut fields: HashMap<String, String> = HashMap::new();
        if is_json {
            let value: Value =
                serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
            let Value::Object(map) = value else {
                return Err("body is not a JSON object".into());
            };
            for (k, v) in map {
                if let Value::String(s) = v {
                    fields.insert(k, s);
                }
            }
        } else {
            for (k, v) in url::form_urlencoded::parse(body) {
                fields.insert(k.into_owned(), v.into_owned());
            }
        }
        let mut req = TokenRequest {
            grant_type: fields.remove("grant_type"),
            client_id: fields.remove("client_id"),
            client_secret: fields.remove("client_secret"),
            refresh_token: fields.remove("refresh_token"),
        };
        if let (None, None, Some((id, secret))) = (&req.client_id, &req.client_secret, basic) {
            req.client_id = Some(id);
            req.client_secret = Some(secret);
        }
        Ok(req)
    }
}

fn oauth_error(status: u16, error: &str, description: &str) -> (u16, Value) {
    (
        status,
        json!({ "error": error, "error_description": description }),
    )
}

fn random_token(prefix: &str) -> String {
    let bytes: [u8; 24] = rand::rng().random();
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

impl OAuth2 {
    pub(crate) fn new(clients: &[(String, String, String)], ttl: u64) -> Self {
        let mut state = OAuth2State::default();
        for (family, (id, _, refresh)) in (1u64..).zip(clients) {
            state.refresh.insert(
                refresh.clone(),
                RefreshEntry {
                    client_id: id.clone(),
                    family,
                    state: RefreshState::Current,
                },
            );
        }
        Self {
            clients: clients
                .iter()
                .map(|(id, secret, _)| (id.clone(), secret.clone()))
                .collect(),
            ttl,
            state: Mutex::new(state),
            refreshes: AtomicU64::new(0),
            reuse_rejections: AtomicU64::new(0),
        }
    }

    /// Whether an issued access token is still valid.
    pub(crate) fn access_ok(&self, token: &str) -> bool {
        lock(&self.state)
            .access
            .get(token)
            .is_some_and(|a| a.expires > Instant::now())
    }

    /// Expires every issued access token; returns how many there were.
    pub(crate) fn expire_all(&self) -> usize {
        let now = Instant::now();
        let mut state = lock(&self.state);
        for a in state.access.values_mut() {
            a.expires = now;
        }
        state.access.len()
    }

    pub(crate) fn refreshes(&self) -> u64 {
        self.refreshes.load(Ordering::Relaxed)
    }

    pub(crate) fn reuse_rejections(&self) -> u64 {
        self.reuse_rejections.load(Ordering::Relaxed)
    }

    /// Answers a token request: status and JSON body.
    pub(crate) fn token(&self, req: &TokenRequest) -> (u16, Value) {
        match req.grant_type.as_deref() {
            Some("refresh_token") => {}
            None => return oauth_error(400, "invalid_request", "Missing grant_type."),
            Some(_) => {
                return oauth_error(
                    400,
                    "unsupported_grant_type",
                    "Only the refresh_token grant is supported.",
                )
            }
        }
        let client_ok = match (&req.client_id, &req.client_secret) {
            (Some(id), Some(secret)) => self.clients.iter().any(|(i, s)| i == id && s == secret),
            _ => false,
        };
        let Some(client_id) = req.client_id.as_deref().filter(|_| client_ok) else {
            return oauth_error(401, "invalid_client", "Client authentication failed.");
        };
        let Some(refresh) = req.refresh_token.as_deref() else {
            return oauth_error(400, "invalid_request", "Missing refresh_token.");
        };
        let invalid_grant =
            || oauth_error(403, "invalid_grant", "Unknown or invalid refresh token.");
        let mut state = lock(&self.state);
        let Some(entry) = state.refresh.get_mut(refresh) else {
            return invalid_grant();
        };
        if entry.client_id != client_id {
            return invalid_grant();
        }
        match entry.state {
            RefreshState::Revoked => invalid_grant(),
            RefreshState::Rotated => {
                // Reuse detection: revoke the whole family.
                let family = entry.family;
                for r in state.refresh.values_mut() {
                    if r.family == family {
                        r.state = RefreshState::Revoked;
                    }
                }
                state.access.retain(|_, a| a.family != family);
                self.reuse_rejections.fetch_add(1, Ordering::Relaxed);
                invalid_grant()
            }
            RefreshState::Current => {
                entry.state = RefreshState::Rotated;
                let family = entry.family;
                let access = random_token("sim-at-");
                let new_refresh = random_token("sim-rt-");
                state.access.insert(
                    access.clone(),
                    AccessEntry {
                        family,
                        expires: Instant::now() + Duration::from_secs(self.ttl),
                    },
                );
                state.refresh.insert(
                    new_refresh.clone(),
                    RefreshEntry {
                        client_id: client_id.to_string(),
                        family,
                        state: RefreshState::Current,
                    },
                );
                self.refreshes.fetch_add(1, Ordering::Relaxed);
                (
                    200,
                    json!({
                        "access_token": access,
                        "token_type": "Bearer",
                        "expires_in": self.ttl,
                        "refresh_token": new_refresh,
                        "scope": OAUTH2_SCOPE,
                    }),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn rfc3986_keeps_only_unreserved() {
        assert_eq!(rfc3986("a-b._~ Z9"), "a-b._~%20Z9");
        assert_eq!(rfc3986("=%&+*é"), "%3D%25%26%2B%2A%C3%A9");
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

    #[test]
    fn atlassian_qsh_example() {
        let query = pairs(&[("jql", "text ~ \"test\"")]);
        assert_eq!(
            canonical_request("get", "/rest/api/2/search", &query),
            "GET&/rest/api/2/search&jql=text%20~%20%22test%22"
        );
        assert_eq!(
            query_string_hash("GET", "/rest/api/2/search", &query),
            hex::encode(Sha256::digest(
                b"GET&/rest/api/2/search&jql=text%20~%20%22test%22"
            ))
        );
    }

    #[test]
    fn canonical_request_rules() {
        let query = pairs(&[
            ("b", "2"),
            ("a", "z y"),
            ("jwt", "ignored"),
            ("b", "1"),
            ("c", ""),
        ]);
        assert_eq!(
            canonical_request("GET", "/rest/a&b/", &query),
            "GET&/rest/a%26b&a=z%20y&b=1,2&c="
        );
        assert_eq!(canonical_request("POST", "", &[]), "POST&/&");
        assert_eq!(canonical_request("GET", "/", &[]), "GET&/&");
    }

    #[test]
    fn oauth2_rotation_and_reuse() {
        let o = OAuth2::new(&[("cid".into(), "sec".into(), "rt0".into())], 60);
        let req = |rt: &str| TokenRequest {
            grant_type: Some("refresh_token".into()),
            client_id: Some("cid".into()),
            client_secret: Some("sec".into()),
            refresh_token: Some(rt.into()),
        };
        let (status, body) = o.token(&req("rt0"));
        assert_eq!(status, 200);
        let access = body["access_token"].as_str().unwrap().to_string();
        let rt1 = body["refresh_token"].as_str().unwrap().to_string();
        assert!(o.access_ok(&access));
        assert_eq!(o.token(&req("rt0")).0, 403);
        assert!(!o.access_ok(&access));
        assert_eq!(o.token(&req(&rt1)).0, 403);
        assert_eq!((o.refreshes(), o.reuse_rejections()), (1, 1));
    }
}
