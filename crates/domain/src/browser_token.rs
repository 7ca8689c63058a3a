//! Browser tokens: short-lived JWTs (HS256) that a product's backend mints for one org,
//! optionally narrowed to some integrations, without calling this service. The key is a
//! per-org signing secret the administration hands out once (`jss_…`), named in the token's
//! header by its public id (`kid`, `jsk_…`). docs/api.md ("Browser tokens") shows the
//! derivation step by step; [`verify`] is its reading, pure: the caller brings the clock
//! (`now`) and the keys ([`crate::keyring::Keyring`] holds them in memory).
//!
//! Every refusal is a [`Rejected`], which the search answers as its one 401: a caller learns
//! nothing from the reason, the logs do.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::model::{IntegrationId, Org, OrgId, OrgRef};
use crate::secret::Secret;

/// Every signing key id starts with this; 12 hex digits follow.
pub const SIGNING_KEY_ID_PREFIX: &str = "jsk_";

/// Every signing secret starts with this (recognisable in a secret scanner); 64 hex digits
/// follow.
pub const SIGNING_SECRET_PREFIX: &str = "jss_";

/// Hex digits of a signing key id after its prefix.
pub const SIGNING_KEY_ID_HEX: usize = 12;

/// Longest lifetime of a token: `exp` at most this far past `iat`, and past now.
pub const MAX_LIFETIME_SECS: i64 = 3600;

/// How far ahead of ours the minting clock may run: `exp` may be at most
/// [`MAX_LIFETIME_SECS`] plus this past now, and `iat` at most this in the future.
pub const CLOCK_SKEW_SECS: i64 = 60;

/// Longest token read (bytes): anything longer is refused before it is decoded.
pub const MAX_TOKEN_LEN: usize = 4096;

/// The only algorithm accepted.
const ALGORITHM: &str = "HS256";

/// A new signing key id from 6 random bytes supplied by the caller (the domain has no RNG).
pub fn signing_key_id_from_random(bytes: &[u8; 6]) -> String {
    format!("{SIGNING_KEY_ID_PREFIX}{}", hex::encode(bytes))
}

/// A new signing secret from 32 random bytes supplied by the caller.
pub fn signing_secret_from_random(bytes: &[u8; 32]) -> Secret {
    Secret::new(format!("{SIGNING_SECRET_PREFIX}{}", hex::encode(bytes)))
}

/// Whether `s` has the shape of a signing key id: `jsk_` and 12 lowercase hex digits.
pub fn is_signing_key_id(s: &str) -> bool {
    s.strip_prefix(SIGNING_KEY_ID_PREFIX).is_some_and(|hex| {
        hex.len() == SIGNING_KEY_ID_HEX
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Whether a bearer token is meant as a browser token (a JWT: three parts joined by dots)
/// rather than a caller token (`jst_…`, which has no dot).
pub fn is_browser_token(token: &str) -> bool {
    token.contains('.')
}

/// A signing key as the verifier uses it: its id, its org, its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// The public id (`kid`).
    pub id: String,
    /// The org whose tokens it signs.
    pub org: Org,
    /// The secret (`jss_…`): its UTF-8 bytes are the HMAC key.
    pub secret: Secret,
}

/// A signing key as the store receives it when it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSigningKey {
    /// The public id.
    pub id: String,
    /// A name the administrator gave it, shown in listings.
    pub name: Option<String>,
    /// The secret; the adapter may seal it at rest.
    pub secret: Secret,
}

/// The randomness a new signing key needs, from a cryptographic generator (the domain has
/// none).
#[derive(Clone)]
pub struct SigningKeyRandom {
    /// The id's bits.
    pub id: [u8; 6],
    /// The secret's bits.
    pub secret: [u8; 32],
}

impl std::fmt::Debug for SigningKeyRandom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKeyRandom(***)")
    }
}

/// A signing key just made: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedSigningKey {
    /// Its public parts.
    pub summary: SigningKeySummary,
    /// The secret (`jss_…`), to give the product's backend.
    pub secret: Secret,
}

/// A signing key as listed: public parts only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeySummary {
    /// The public id.
    pub id: String,
    /// The name given when it was made.
    pub name: Option<String>,
    /// When it was made (RFC 3339, UTC).
    pub created_at: String,
}

/// What a valid token allows: searches of one org, through every integration linked to it
/// or only those listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserGrant {
    /// The signing key's org.
    pub org: Org,
    /// The `integrations` claim, when the token has one (never empty).
    pub integrations: Option<Vec<IntegrationId>>,
}

impl BrowserGrant {
    /// Whether the route's org (by id or slug) is the grant's.
    pub fn names_org(&self, org: &OrgRef) -> bool {
        match org {
            OrgRef::Id(id) => self.org.id == OrgId(*id),
            OrgRef::Slug(slug) => self.org.slug.as_str() == slug,
        }
    }

    /// Whether the grant reaches the route's integration. `None` (an id too long to be any)
    /// is reached only by a grant to every integration, which then finds none.
    pub fn allows(&self, id: Option<IntegrationId>) -> bool {
        match (&self.integrations, id) {
            (None, _) => true,
            (Some(list), Some(id)) => list.contains(&id),
            (Some(_), None) => false,
        }
    }
}

/// Why a token is refused. Each is answered with the same 401; the reason is for the logs
/// (it never contains the token or a secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// Longer than [`MAX_TOKEN_LEN`].
    #[error("the token is longer than {MAX_TOKEN_LEN} bytes")]
    Oversized,
    /// Not three base64url parts, or a header or claims that are not the documented JSON.
    #[error("the token is malformed")]
    Malformed,
    /// The header names another algorithm than HS256 (`none` included).
    #[error("the token's algorithm is not HS256")]
    Algorithm,
    /// No active signing key has the header's `kid`.
    #[error("the token's signing key is unknown or revoked")]
    UnknownKey,
    /// The signature is not the HMAC of the token with the key's secret.
    #[error("the token's signature does not match")]
    Signature,
    /// `exp` is not after now.
    #[error("the token has expired")]
    Expired,
    /// `exp` is more than an hour after now (or after `iat`), or `iat` is in the future.
    #[error("the token lives longer than {MAX_LIFETIME_SECS} seconds")]
    Lifetime,
}

/// The JOSE header.
#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    typ: Option<String>,
    kid: String,
    /// Extensions a verifier must understand: none is, so any refuses the token.
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

/// The claims read; others are ignored.
#[derive(Deserialize)]
struct Claims {
    exp: i64,
    #[serde(default)]
    iat: Option<i64>,
    #[serde(default)]
    integrations: Option<Vec<i64>>,
}

/// Verifies a browser token at `now` (seconds since the Unix epoch) with the key `key_of`
/// gives for its `kid`, in this order: size, shape, header (HS256 only), key, signature
/// (compared in constant time), claims, then time (`exp` after now, at most an hour away).
///
/// # Errors
/// The first [`Rejected`] rule the token breaks.
pub fn verify<K>(token: &str, now: i64, key_of: K) -> Result<BrowserGrant, Rejected>
where
    K: FnOnce(&str) -> Option<SigningKey>,
{
    if token.len() > MAX_TOKEN_LEN {
        return Err(Rejected::Oversized);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Rejected::Malformed);
    };
    let header: Header = decode_json(header)?;
    if header.alg != ALGORITHM {
        return Err(Rejected::Algorithm);
    }
    if header.typ.is_some_and(|t| !t.eq_ignore_ascii_case("JWT")) || header.crit.is_some() {
        return Err(Rejected::Malformed);
    }
    let key = key_of(&header.kid).ok_or(Rejected::UnknownKey)?;
    let signature = decode(signature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key.secret.expose().as_bytes())
        .map_err(|_| Rejected::Signature)?;
    // What was signed: the header and the claims as sent, with the dot between them.
    let signed = &token[..token.len() - signature_len(token)];
    mac.update(signed.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| Rejected::Signature)?;
    let claims: Claims = decode_json(claims)?;
    check_times(&claims, now)?;
    let integrations = match claims.integrations {
        None => None,
        Some(list) if list.is_empty() => return Err(Rejected::Malformed),
        Some(list) => Some(list.into_iter().map(IntegrationId).collect()),
    };
    Ok(BrowserGrant {
        org: key.org,
        integrations,
    })
}

/// `exp` after now and at most an hour (and the skew) away; `exp - iat` at most an hour;
/// `iat` not in the future beyond the skew.
fn check_times(claims: &Claims, now: i64) -> Result<(), Rejected> {
    if claims.exp <= now {
        return Err(Rejected::Expired);
    }
    if claims.exp > now.saturating_add(MAX_LIFETIME_SECS + CLOCK_SKEW_SECS) {
        return Err(Rejected::Lifetime);
    }
    if let Some(iat) = claims.iat {
        if iat > now.saturating_add(CLOCK_SKEW_SECS)
            || claims.exp.saturating_sub(iat) > MAX_LIFETIME_SECS
        {
            return Err(Rejected::Lifetime);
        }
    }
    Ok(())
}

/// Bytes of the signature part and its dot, at the end of a token of three parts.
fn signature_len(token: &str) -> usize {
    token.rsplit('.').next().map_or(0, |s| s.len() + 1)
}

/// A base64url part without padding (canonical: no stray bits, no `=`).
fn decode(part: &str) -> Result<Vec<u8>, Rejected> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| Rejected::Malformed)
}

/// A base64url part holding a JSON object of the shape `T`: an object (serde would also
/// read a struct from an array), each member once (a repeated `exp` is refused, not read
/// as its last value).
fn decode_json<T: for<'de> Deserialize<'de>>(part: &str) -> Result<T, Rejected> {
    let bytes = decode(part)?;
    if bytes.trim_ascii_start().first() != Some(&b'{') {
        return Err(Rejected::Malformed);
    }
    serde_json::from_slice(&bytes).map_err(|_| Rejected::Malformed)
}

#[cfg(test)]
mod tests;
