//! Cache keys: versioned, scoped to one integration, bounded in length.

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
    format!(
        "jira-search:v{CACHE_FORMAT_VERSION}:{}:{kind}:{}",
        integration.0,
        hex::encode(h.finalize())
    )
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
    }
}
