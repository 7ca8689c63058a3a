//! Caller API tokens: how they look and how they are stored (as a SHA-256 hash only).

use sha2::{Digest, Sha256};

/// Every caller token starts with this, so a leaked one is recognisable in a secret scanner.
pub const TOKEN_PREFIX: &str = "jst_";

/// Every admin token starts with this: the prefix alone tells the two kinds apart.
pub const ADMIN_TOKEN_PREFIX: &str = "jsa_";

/// How many leading characters of a token are kept in clear to name it (`token revoke`).
pub const TOKEN_ID_LEN: usize = 12;

/// Shortest prefix `token revoke` accepts, so a typo cannot revoke many tokens at once.
pub const MIN_REVOKE_PREFIX: usize = 8;

/// Builds a token from 32 random bytes supplied by the caller (the domain has no RNG).
pub fn token_from_random(bytes: &[u8; 32]) -> String {
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// Builds an admin token from 32 random bytes supplied by the caller.
pub fn admin_token_from_random(bytes: &[u8; 32]) -> String {
    format!("{ADMIN_TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// Whether a token (or a prefix of one, as `token revoke` takes) names an admin token.
pub fn is_admin_token(token: &str) -> bool {
    token.starts_with(ADMIN_TOKEN_PREFIX)
}

/// The SHA-256 of the token, hex-encoded: the only form in which a token is stored.
pub fn hash_token(token: &str) -> String {
    let mut hash = String::with_capacity(64);
    crate::cache_key::push_hex(&mut hash, &Sha256::digest(token.as_bytes()));
    hash
}

/// The public part of a token that names it in listings and in `token revoke`.
pub fn token_id(token: &str) -> &str {
    let end = token
        .char_indices()
        .nth(TOKEN_ID_LEN)
        .map_or(token.len(), |(i, _)| i);
    &token[..end]
}

/// A caller token as the store keeps it: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    /// [`hash_token`] of the token.
    pub hash: String,
    /// [`token_id`] of the token: its public name in listings and revocations.
    pub id: String,
    /// A name the administrator gave it, shown in listings.
    pub name: Option<String>,
}

/// A caller token as listed: its public parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSummary {
    /// [`token_id`] of the token.
    pub prefix: String,
    /// The name given when it was made.
    pub name: Option<String>,
    /// When it was made (RFC 3339, UTC).
    pub created_at: String,
}

impl StoredToken {
    /// What the store keeps of `token`.
    pub fn of(token: &str) -> Self {
        Self {
            hash: hash_token(token),
            id: token_id(token).to_owned(),
            name: None,
        }
    }

    /// What the store keeps of `token`, named.
    pub fn named(token: &str, name: Option<String>) -> Self {
        Self {
            name,
            ..Self::of(token)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_look_alike_and_hash_stably() {
        let t = token_from_random(&[7u8; 32]);
        assert!(t.starts_with("jst_"));
        assert_eq!(t.len(), 4 + 64);
        // SHA-256 of "abc" (FIPS 180-2's example), hex.
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(hash_token(&t), hash_token(&token_from_random(&[8u8; 32])));
        assert_eq!(token_id(&t), "jst_07070707");
        assert_eq!(token_id("ab"), "ab");
        let stored = StoredToken::of(&t);
        assert_eq!(stored.id, "jst_07070707");
        assert_eq!(stored.hash, hash_token(&t));
        assert_ne!(stored.hash, t);
    }
}
