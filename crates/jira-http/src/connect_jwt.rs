//! Atlassian Connect: an HS256 JWT with a query-string hash (`qsh`) claim, signed with the
//! app's shared secret and sent as `Authorization: JWT <token>`.
//!
//! Hand-rolled (HMAC-SHA256 and base64url) so no JWT crate, and no second crypto library,
//! comes into the build.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::url::encode;

/// Lifetime of a token: Atlassian's examples use three minutes; five is the usual maximum.
pub const TOKEN_LIFETIME_SECS: u64 = 300;

/// The canonical request: `METHOD&canonical-path&canonical-query`.
///
/// `relative_path` is the request path relative to the base URL (without its context path),
/// as sent (percent-encoded); `query` is the decoded query.
pub fn canonical_request(method: &str, relative_path: &str, query: &[(String, String)]) -> String {
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        canonical_path(relative_path),
        canonical_query(query)
    )
}

fn canonical_path(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    let p = if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    };
    p.replace('&', "%26")
}

fn canonical_query(query: &[(String, String)]) -> String {
    let mut grouped: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (k, v) in query {
        if k == "jwt" {
            continue;
        }
        grouped.entry(encode(k)).or_default().push(encode(v));
    }
    grouped
        .into_iter()
        .map(|(k, mut values)| {
            values.sort();
            format!("{k}={}", values.join(","))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// `hex(SHA-256(canonical request))`.
pub fn query_string_hash(canonical_request: &str) -> String {
    hex::encode(Sha256::digest(canonical_request.as_bytes()))
}

/// The signed token: `base64url(header).base64url(claims).base64url(HMAC-SHA256)`.
pub fn token(issuer: &str, shared_secret: &[u8], qsh: &str, issued_at: u64) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "iss": issuer,
        "iat": issued_at,
        "exp": issued_at + TOKEN_LIFETIME_SECS,
        "qsh": qsh,
    });
    let claims = b64.encode(claims.to_string().as_bytes());
    let signing_input = format!("{header}.{claims}");
    let signature = b64.encode(hmac_sha256(shared_secret, signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// The `Authorization` value for one request.
pub fn authorization_value(
    issuer: &str,
    shared_secret: &[u8],
    method: &str,
    relative_path: &str,
    query: &[(String, String)],
    now: u64,
) -> String {
    let qsh = query_string_hash(&canonical_request(method, relative_path, query));
    format!("JWT {}", token(issuer, shared_secret, &qsh, now))
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atlassians_example_canonicalises() {
        let q = vec![("jql".to_owned(), "text ~ \"test\"".to_owned())];
        assert_eq!(
            canonical_request("get", "/rest/api/2/search", &q),
            "GET&/rest/api/2/search&jql=text%20~%20%22test%22"
        );
    }

    #[test]
    fn paths_and_queries_are_canonical() {
        let q: Vec<(String, String)> = [
            ("b", "2"),
            ("a", "z"),
            ("jwt", "ignored"),
            ("a", "y x"),
            ("c", ""),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(
            canonical_request("GET", "/rest/a&b/", &q),
            "GET&/rest/a%26b&a=y%20x,z&b=2&c="
        );
        assert_eq!(canonical_request("GET", "", &[]), "GET&/&");
    }

    #[test]
    fn the_token_carries_the_claims_and_verifies_with_the_secret() {
        let q = vec![("query".to_owned(), "a b".to_owned())];
        let value = authorization_value(
            "com.example.app",
            b"shh",
            "GET",
            "/rest/api/2/user/search",
            &q,
            1_700_000_000,
        );
        let token = value.strip_prefix("JWT ").unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert!(!token.contains('='), "no padding");
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header: serde_json::Value =
            serde_json::from_slice(&b64.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "HS256");
        let claims: serde_json::Value =
            serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "com.example.app");
        assert_eq!(claims["iat"], 1_700_000_000);
        assert_eq!(claims["exp"], 1_700_000_300);
        assert_eq!(
            claims["qsh"],
            query_string_hash("GET&/rest/api/2/user/search&query=a%20b")
        );
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"shh").unwrap();
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        mac.verify_slice(&b64.decode(parts[2]).unwrap()).unwrap();
        let mut wrong = <Hmac<Sha256> as Mac>::new_from_slice(b"other").unwrap();
        wrong.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        assert!(wrong.verify_slice(&b64.decode(parts[2]).unwrap()).is_err());
    }
}
