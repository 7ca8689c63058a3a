//! Cache keys: versioned, scoped to one integration, bounded in length.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::model::IntegrationId;

/// Bumped whenever the format of a cached value changes, so a new build never reads an old
/// entry (Redis outlives deployments).
pub const CACHE_FORMAT_VERSION: u32 = 1;

/// The key of one cached answer: `jira-search:v1:<integration>:<kind>:<sha256 of parts>`.
///
/// The integration id is part of the key, so two integrations on the same Jira with
/// different credentials never see each other's answers. The parts (a query a user typed,
/// a project key) are hashed: the key stays short and holds no user text.
pub fn cache_key(integration: IntegrationId, kind: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    let mut key = String::with_capacity(KEY_PREFIX.len() + 24 + kind.len() + 2 * 32);
    key.push_str(KEY_PREFIX);
    // Writing to a String cannot fail.
    let _ = write!(key, "{}:{kind}:", integration.0);
    push_hex(&mut key, &h.finalize());
    key
}

/// What every key starts with: the project and [`CACHE_FORMAT_VERSION`].
const KEY_PREFIX: &str = "jira-search:v1:";

/// Appends `bytes` in lower-case hex: one allocation-free pass (the hot path writes a
/// SHA-256 this way on every search).
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_integration_kind_and_parts() {
        let a = cache_key(IntegrationId(1), "users", &["HSP", "bob"]);
        // The documented derivation, computed independently: SHA-256 over each part's length
        // (8 bytes, big endian) and bytes.
        assert_eq!(
            a,
            "jira-search:v1:1:users:5f521b0f6d5863ad12ca5226b8290e7e90566e09558cf015e3185919d6574481"
        );
        assert_ne!(a, cache_key(IntegrationId(2), "users", &["HSP", "bob"]));
        assert_ne!(a, cache_key(IntegrationId(1), "project", &["HSP", "bob"]));
        // Length-prefixing keeps ("ab","c") and ("a","bc") apart.
        assert_ne!(
            cache_key(IntegrationId(1), "users", &["ab", "c"]),
            cache_key(IntegrationId(1), "users", &["a", "bc"])
        );
        assert!(!cache_key(IntegrationId(1), "users", &["secret query"]).contains("secret"));
        assert!(KEY_PREFIX.ends_with(&format!(":v{CACHE_FORMAT_VERSION}:")));
    }

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        let mut s = String::from("x");
        push_hex(&mut s, &[0x00, 0x0f, 0xa5, 0xff]);
        assert_eq!(s, "x000fa5ff");
        let bytes: Vec<u8> = (0..=255).collect();
        let mut all = String::new();
        push_hex(&mut all, &bytes);
        assert_eq!(all, hex::encode(&bytes));
    }
}
