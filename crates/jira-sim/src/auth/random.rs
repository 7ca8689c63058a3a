//! Random tokens: access and refresh tokens, authorization codes, OAuth 1.0a tokens, secrets
//! and verifiers.

use base64::Engine as _;
use rand::Rng as _;

/// `prefix` followed by 24 random bytes, base64url without padding.
pub(crate) fn random_token(prefix: &str) -> String {
    let bytes: [u8; 24] = rand::rng().random();
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}
