//! OAuth 1.0a with RSA-SHA1 (RFC 5849), as Jira Server application links use it.
//!
//! Every request is signed afresh with a new nonce and the current timestamp, so a signed
//! request is never replayed. Only the signature base string is assembled here; RSA and SHA-1
//! come from the `rsa` and `sha1` crates.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use domain::JiraError;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::RsaPrivateKey;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use crate::url::encode;

/// Keys parsed once and kept, by SHA-256 of their PEM: parsing a 2048-bit key per request is
/// slow. Bounded: cleared when it grows past `KeyCache::MAX` (1024) entries. A key evicted or
/// dropped with the cache is wiped from memory (`rsa`'s keys are `ZeroizeOnDrop`).
#[derive(Default)]
pub struct KeyCache {
    keys: Mutex<HashMap<[u8; 32], Arc<SigningKey<Sha1>>>>,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache").finish_non_exhaustive()
    }
}

impl KeyCache {
    const MAX: usize = 1024;

    /// The signing key of this PEM, parsed on first use.
    ///
    /// # Errors
    /// [`JiraError::Config`] saying what is wrong with the key (never the key itself).
    pub fn signing_key(&self, pem: &str) -> Result<Arc<SigningKey<Sha1>>, JiraError> {
        let id: [u8; 32] = Sha256::digest(pem.as_bytes()).into();
        if let Some(key) = self.lock().get(&id) {
            return Ok(key.clone());
        }
        let key = parse_private_key(pem).map_err(|e| {
            JiraError::Config(format!(
                "the stored OAuth 1.0a private key is unusable: {e}"
            ))
        })?;
        let key = Arc::new(SigningKey::<Sha1>::new(key));
        let mut keys = self.lock();
        if keys.len() >= Self::MAX {
            keys.clear();
        }
        keys.insert(id, key.clone());
        Ok(key)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Arc<SigningKey<Sha1>>>> {
        // A panic while holding the lock leaves a usable map: recover it.
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Checks that `pem` is an unencrypted RSA private key, PKCS#8 (`BEGIN PRIVATE KEY`) or
/// PKCS#1 (`BEGIN RSA PRIVATE KEY`), for `integration add --auth oauth1`.
///
/// # Errors
/// A message saying what is wrong (not PEM, encrypted, not RSA, malformed); it never
/// contains the key.
pub fn validate_private_key(pem: &str) -> Result<(), String> {
    parse_private_key(pem).map(|_| ())
}

pub(crate) fn parse_private_key(pem: &str) -> Result<RsaPrivateKey, String> {
    let pem = pem.trim();
    let label = pem
        .lines()
        .next()
        .and_then(|l| l.trim().strip_prefix("-----BEGIN "))
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or_else(|| {
            "not a PEM private key (expected a line like -----BEGIN PRIVATE KEY-----)".to_owned()
        })?;
    match label {
        "PRIVATE KEY" => RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| match e {
            rsa::pkcs8::Error::PublicKey(_) | rsa::pkcs8::Error::KeyMalformed => {
                "the PKCS#8 key is malformed or is not an RSA key".to_owned()
            }
            rsa::pkcs8::Error::Asn1(_) => {
                "the PKCS#8 key is malformed or is not an RSA key (bad ASN.1)".to_owned()
            }
            _ => "the PKCS#8 key is not an RSA key".to_owned(),
        }),
        "RSA PRIVATE KEY" => {
            if pem.contains("Proc-Type: 4,ENCRYPTED") {
                return Err(
                    "the key is encrypted with a passphrase; export it unencrypted (openssl pkey -in KEY -out PLAIN)"
                        .to_owned(),
                );
            }
            RsaPrivateKey::from_pkcs1_pem(pem)
                .map_err(|_| "the PKCS#1 RSA key is malformed".to_owned())
        }
        "ENCRYPTED PRIVATE KEY" => Err(
            "the key is encrypted with a passphrase; export it unencrypted (openssl pkey -in KEY -out PLAIN)"
                .to_owned(),
        ),
        "EC PRIVATE KEY" | "DSA PRIVATE KEY" | "OPENSSH PRIVATE KEY" => Err(format!(
            "not an RSA key ({label}); OAuth 1.0a RSA-SHA1 needs an RSA private key"
        )),
        "PUBLIC KEY" | "RSA PUBLIC KEY" | "CERTIFICATE" => Err(format!(
            "this is a {} not a private key",
            label.to_lowercase()
        )),
        _ => Err("not a PEM private key (unknown PEM label)".to_owned()),
    }
}

/// What one signature covers and carries.
#[derive(Debug, Clone)]
pub struct OAuthParams<'a> {
    /// `oauth_consumer_key`.
    pub consumer_key: &'a str,
    /// `oauth_token`: the access token.
    pub token: &'a str,
    /// `oauth_nonce`: new for every request.
    pub nonce: &'a str,
    /// `oauth_timestamp`: seconds since the epoch.
    pub timestamp: u64,
}

impl OAuthParams<'_> {
    fn pairs(&self) -> Vec<(&'static str, String)> {
        protocol_pairs(
            self.consumer_key,
            self.nonce,
            self.timestamp,
            [("oauth_token", self.token)],
        )
    }
}

/// A request of the three-legged flow at Jira's OAuth servlets (RFC 5849 section 2): a POST
/// with no query and no body, all its parameters in the `Authorization` header.
#[derive(Debug, Clone, Copy)]
pub enum FlowStep<'a> {
    /// Temporary credentials (section 2.1): `oauth_callback`, and no token yet.
    RequestToken {
        /// `oauth_callback`: where Jira sends the browser back (decoded text).
        callback: &'a str,
    },
    /// Token credentials (section 2.3): the authorized request token and `oauth_verifier`.
    AccessToken {
        /// `oauth_token`: the request token.
        token: &'a str,
        /// `oauth_verifier`: what Jira handed the callback.
        verifier: &'a str,
    },
}

/// What one signature of the three-legged flow covers and carries.
#[derive(Debug, Clone, Copy)]
pub struct FlowParams<'a> {
    /// `oauth_consumer_key`.
    pub consumer_key: &'a str,
    /// The step, with its own parameters.
    pub step: FlowStep<'a>,
    /// `oauth_nonce`: new for every request.
    pub nonce: &'a str,
    /// `oauth_timestamp`: seconds since the epoch.
    pub timestamp: u64,
}

impl FlowParams<'_> {
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let (consumer_key, nonce, timestamp) = (self.consumer_key, self.nonce, self.timestamp);
        match self.step {
            FlowStep::RequestToken { callback } => protocol_pairs(
                consumer_key,
                nonce,
                timestamp,
                [("oauth_callback", callback)],
            ),
            FlowStep::AccessToken { token, verifier } => protocol_pairs(
                consumer_key,
                nonce,
                timestamp,
                [("oauth_token", token), ("oauth_verifier", verifier)],
            ),
        }
    }
}

/// The protocol parameters every signed request carries, and `more` (decoded text).
fn protocol_pairs<'a>(
    consumer_key: &str,
    nonce: &str,
    timestamp: u64,
    more: impl IntoIterator<Item = (&'static str, &'a str)>,
) -> Vec<(&'static str, String)> {
    let mut pairs = vec![
        ("oauth_consumer_key", consumer_key.to_owned()),
        ("oauth_nonce", nonce.to_owned()),
        ("oauth_signature_method", "RSA-SHA1".to_owned()),
        ("oauth_timestamp", timestamp.to_string()),
        ("oauth_version", "1.0".to_owned()),
    ];
    pairs.extend(more.into_iter().map(|(k, v)| (k, v.to_owned())));
    pairs
}

/// A fresh nonce: 32 hex characters.
pub fn new_nonce() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// RFC 5849 section 3.4.1.3.2: each name and value encoded, sorted by name then value,
/// `name=value` joined by `&`. The input is decoded text.
pub fn normalized_parameters<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut encoded: Vec<(String, String)> = params
        .into_iter()
        .map(|(k, v)| (encode(k), encode(v)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// RFC 5849 section 3.4.1.2: lower-case scheme and host, the port only if it is not the
/// scheme's default, then the path as sent (already percent-encoded).
///
/// # Errors
/// A message when `base_url` is not a URL.
pub fn base_string_uri(base_url: &str, encoded_path: &str) -> Result<String, String> {
    let url = url::Url::parse(base_url).map_err(|e| format!("invalid base URL: {e}"))?;
    let scheme = url.scheme().to_ascii_lowercase();
    let host = url
        .host_str()
        .ok_or_else(|| "the base URL has no host".to_owned())?
        .to_ascii_lowercase();
    // `Url::port` is `None` for the scheme's default port.
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = if encoded_path.is_empty() {
        "/"
    } else {
        encoded_path
    };
    Ok(format!("{scheme}://{host}{port}{path}"))
}

/// RFC 5849 section 3.4.1.1: `METHOD&enc(base string URI)&enc(normalized parameters)`.
pub fn signature_base_string(method: &str, base_uri: &str, normalized_params: &str) -> String {
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        encode(base_uri),
        encode(normalized_params)
    )
}

/// The `Authorization: OAuth ...` value for one request.
///
/// `base_uri` comes from [`base_string_uri`]; `query` is the request's decoded query.
pub fn authorization_value(
    key: &SigningKey<Sha1>,
    method: &str,
    base_uri: &str,
    query: &[(String, String)],
    oauth: &OAuthParams<'_>,
) -> String {
    signed(key, method, base_uri, query, oauth.pairs())
}

/// The `Authorization: OAuth ...` value of one request of the three-legged flow (a POST with
/// no query and no body to `base_uri`, from [`base_string_uri`]).
pub fn flow_authorization_value(
    key: &SigningKey<Sha1>,
    base_uri: &str,
    params: &FlowParams<'_>,
) -> String {
    signed(key, "POST", base_uri, &[], params.pairs())
}

/// Signs the request's `query` and protocol parameters (`oauth_pairs`, decoded text) and
/// writes the header value: the protocol parameters and the signature, each encoded.
fn signed(
    key: &SigningKey<Sha1>,
    method: &str,
    base_uri: &str,
    query: &[(String, String)],
    oauth_pairs: Vec<(&'static str, String)>,
) -> String {
    let all = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain(oauth_pairs.iter().map(|(k, v)| (*k, v.as_str())));
    let base = signature_base_string(method, base_uri, &normalized_parameters(all));
    let signature =
        base64::engine::general_purpose::STANDARD.encode(key.sign(base.as_bytes()).to_bytes());
    let mut header = String::from("OAuth ");
    let mut fields: Vec<(&str, String)> = oauth_pairs;
    fields.push(("oauth_signature", signature));
    fields.sort();
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            header.push_str(", ");
        }
        header.push_str(&format!("{k}=\"{}\"", encode(v)));
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;

    const PRIVATE: &str = include_str!("../tests/fixtures/oauth1-test-private.pem");
    const PRIVATE_PKCS1: &str = include_str!("../tests/fixtures/oauth1-test-private-pkcs1.pem");
    const PUBLIC: &str = include_str!("../tests/fixtures/oauth1-test-public.pem");
    const NOT_RSA: &str = include_str!("../tests/fixtures/not-rsa.pem");

    #[test]
    fn cached_keys_are_wiped_on_drop() {
        // Compiles only if the bound holds: the cache's keys zeroize their RSA private key
        // when the last Arc to them is dropped.
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<SigningKey<Sha1>>();
        wiped_on_drop::<RsaPrivateKey>();
    }

    #[test]
    fn rfc5849_section_3_4_1_1_example() {
        // The example's query and body parameters, decoded (c2 is empty, a3 appears twice).
        let params = [
            ("b5", "=%3D"),
            ("a3", "a"),
            ("c@", ""),
            ("a2", "r b"),
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
            ("c2", ""),
            ("a3", "2 q"),
        ];
        let normalized = normalized_parameters(params);
        assert_eq!(
            normalized,
            "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201&oauth_token=kkk9d7dh3k39sjv7"
        );
        let uri = base_string_uri("http://EXAMPLE.COM:80", "/request").unwrap();
        assert_eq!(uri, "http://example.com/request");
        assert_eq!(
            signature_base_string("post", &uri, &normalized),
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        );
    }

    #[test]
    fn base_string_uris_keep_context_paths_and_non_default_ports() {
        for (base, path, want) in [
            (
                "https://Jira.Example.com/jira",
                "/jira/rest/api/2/myself",
                "https://jira.example.com/jira/rest/api/2/myself",
            ),
            (
                "https://jira.example.com:443",
                "/x",
                "https://jira.example.com/x",
            ),
            (
                "http://127.0.0.1:8080/ctx",
                "/ctx/a",
                "http://127.0.0.1:8080/ctx/a",
            ),
            (
                "https://jira.example.com:8443",
                "/x",
                "https://jira.example.com:8443/x",
            ),
        ] {
            assert_eq!(base_string_uri(base, path).unwrap(), want);
        }
    }

    #[test]
    fn a_fixed_signature_verifies_with_the_public_key() {
        let cache = KeyCache::default();
        let key = cache.signing_key(PRIVATE).unwrap();
        // The PKCS#1 form is the same key, and the cache returns the parsed key again.
        let key1 = cache.signing_key(PRIVATE_PKCS1).unwrap();
        assert!(Arc::ptr_eq(&key, &cache.signing_key(PRIVATE).unwrap()));
        let oauth = OAuthParams {
            consumer_key: "jira-search",
            token: "access-token",
            nonce: "0123456789abcdef0123456789abcdef",
            timestamp: 1_700_000_000,
        };
        let uri = base_string_uri(
            "https://jira.example.com/jira",
            "/jira/rest/api/2/user/search",
        )
        .unwrap();
        let query = vec![("username".to_owned(), "a b".to_owned())];
        let header = authorization_value(&key, "GET", &uri, &query, &oauth);
        assert_eq!(
            header,
            authorization_value(&key1, "GET", &uri, &query, &oauth),
            "RSA PKCS#1 v1.5 is deterministic"
        );
        assert!(header.starts_with("OAuth oauth_consumer_key=\"jira-search\", oauth_nonce=\"0123456789abcdef0123456789abcdef\", oauth_signature=\""), "{header}");
        assert!(header.ends_with("\", oauth_signature_method=\"RSA-SHA1\", oauth_timestamp=\"1700000000\", oauth_token=\"access-token\", oauth_version=\"1.0\""), "{header}");
        let base = "GET&https%3A%2F%2Fjira.example.com%2Fjira%2Frest%2Fapi%2F2%2Fuser%2Fsearch&oauth_consumer_key%3Djira-search%26oauth_nonce%3D0123456789abcdef0123456789abcdef%26oauth_signature_method%3DRSA-SHA1%26oauth_timestamp%3D1700000000%26oauth_token%3Daccess-token%26oauth_version%3D1.0%26username%3Da%2520b";
        assert_signs(&header, base);
    }

    /// The header's signature verifies over `base` with the public key, and over nothing else.
    fn assert_signs(header: &str, base: &str) {
        let sig = header
            .split("oauth_signature=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let sig = percent_encoding::percent_decode_str(sig)
            .decode_utf8()
            .unwrap();
        let sig = base64::engine::general_purpose::STANDARD
            .decode(sig.as_bytes())
            .unwrap();
        let public = rsa::RsaPublicKey::from_public_key_pem(PUBLIC).unwrap();
        let verifier = VerifyingKey::<Sha1>::new(public);
        let sig = Signature::try_from(sig.as_slice()).unwrap();
        verifier.verify(base.as_bytes(), &sig).unwrap();
        assert!(verifier.verify(b"tampered", &sig).is_err());
    }

    #[test]
    fn flow_steps_sign_their_own_parameters() {
        let key = KeyCache::default().signing_key(PRIVATE).unwrap();
        let uri = base_string_uri(
            "https://jira.example.com/jira/plugins/servlet/oauth/request-token",
            "/jira/plugins/servlet/oauth/request-token",
        )
        .unwrap();
        let params = |step| FlowParams {
            consumer_key: "jira-search",
            step,
            nonce: "n1",
            timestamp: 1_700_000_000,
        };
        // The callback carries a query: encoded once in the header, twice in the base string.
        let callback = "https://search.example.com/connect/callback?state=Zm9v_Y+/=";
        let header =
            flow_authorization_value(&key, &uri, &params(FlowStep::RequestToken { callback }));
        assert!(header.starts_with("OAuth oauth_callback=\"https%3A%2F%2Fsearch.example.com%2Fconnect%2Fcallback%3Fstate%3DZm9v_Y%2B%2F%3D\", oauth_consumer_key=\"jira-search\", oauth_nonce=\"n1\", oauth_signature=\""), "{header}");
        assert!(header.ends_with("\", oauth_signature_method=\"RSA-SHA1\", oauth_timestamp=\"1700000000\", oauth_version=\"1.0\""), "{header}");
        assert_signs(&header, "POST&https%3A%2F%2Fjira.example.com%2Fjira%2Fplugins%2Fservlet%2Foauth%2Frequest-token&oauth_callback%3Dhttps%253A%252F%252Fsearch.example.com%252Fconnect%252Fcallback%253Fstate%253DZm9v_Y%252B%252F%253D%26oauth_consumer_key%3Djira-search%26oauth_nonce%3Dn1%26oauth_signature_method%3DRSA-SHA1%26oauth_timestamp%3D1700000000%26oauth_version%3D1.0");
        let header = flow_authorization_value(
            &key,
            &uri,
            &params(FlowStep::AccessToken {
                token: "req tok",
                verifier: "v/1",
            }),
        );
        assert!(
            header.contains(
                "oauth_token=\"req%20tok\", oauth_verifier=\"v%2F1\", oauth_version=\"1.0\""
            ),
            "{header}"
        );
        assert!(!header.contains("oauth_callback"), "{header}");
        assert_signs(&header, "POST&https%3A%2F%2Fjira.example.com%2Fjira%2Fplugins%2Fservlet%2Foauth%2Frequest-token&oauth_consumer_key%3Djira-search%26oauth_nonce%3Dn1%26oauth_signature_method%3DRSA-SHA1%26oauth_timestamp%3D1700000000%26oauth_token%3Dreq%2520tok%26oauth_verifier%3Dv%252F1%26oauth_version%3D1.0");
    }

    #[test]
    fn nonces_are_fresh() {
        let (a, b) = (new_nonce(), new_nonce());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn key_validation_says_what_is_wrong_without_the_key() {
        assert!(validate_private_key(PRIVATE).is_ok());
        assert!(validate_private_key(PRIVATE_PKCS1).is_ok());
        for (pem, want) in [
            ("hello", "not a PEM"),
            (NOT_RSA, "not an RSA key"),
            (PUBLIC, "not a private key"),
            (
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----",
                "encrypted",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
                "malformed",
            ),
        ] {
            let err = validate_private_key(pem).unwrap_err();
            assert!(err.contains(want), "{err}");
            assert!(!err.contains("MII") && !err.contains("AAAA"), "{err}");
        }
        let err = KeyCache::default().signing_key("junk").unwrap_err();
        assert!(err.to_string().contains("OAuth 1.0a private key"), "{err}");
    }
}
