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
mod tests;
