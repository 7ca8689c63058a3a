//! Caller API tokens: how they look and how they are stored (as a SHA-256 hash only).

use sha2::{Digest, Sha256};

/// Every token starts with this, so a leaked one is recognisable in a secret scanner.
pub const TOKEN_PREFIX: &str = "jst_";

/// How many leading characters of a token are kept in clear to name it (`token revoke`).
pub const TOKEN_ID_LEN: usize = 12;

/// Shortest prefix `token revoke` accepts, so a typo cannot revoke many tokens at once.
pub const MIN_REVOKE_PREFIX: usize = 8;

/// Builds a token from 32 random bytes supplied by the caller (the domain has no RNG).
pub fn token_from_random(bytes: &[u8; 32]) -> String {
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// The SHA-256 of the token, hex-encoded: the only form in which a token is stored.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The public part of a token that names it in listings and in `token revoke`.
pub fn token_id(token: &str) -> &str {
    let end = token
        .char_indices()
        .nth(TOKEN_ID_LEN)
        .map_or(token.len(), |(i, _)| i);
    &token[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_look_alike_and_hash_stably() {
        let t = token_from_random(&[7u8; 32]);
        assert!(t.starts_with("jst_"));
        assert_eq!(t.len(), 4 + 64);
        assert_eq!(hash_token(&t), hash_token(&t));
        assert_ne!(hash_token(&t), hash_token(&token_from_random(&[8u8; 32])));
        assert_eq!(token_id(&t), "jst_07070707");
        assert_eq!(token_id("ab"), "ab");
    }
}
