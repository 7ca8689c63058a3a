//! The cache contract: what every [`SearchCache`] adapter does, as runnable checks.
//!
//! - [`the_cache_contract`]: a cache that answers. A missing key is a miss; a value set is
//!   read back exactly (empty, large, any text); a set replaces; keys are independent; an
//!   entry expires after its TTL while a longer-lived one stays; `ping` answers; `kind` is a
//!   short label; `stats` counts hits and misses.
//! - [`the_down_cache_contract`]: a cache that cannot be reached. `get`, `set` and `ping`
//!   fail quickly (an error, never a hang, never an invented value).
//!
//! Every adapter we ship runs both (crates/cache/tests/adapters.rs), and so does
//! [`crate::testing::InMemoryCache`] (the tests at the end of this file). Your own adapter
//! runs them from one `#[tokio::test]` each (tokio's `time` feature is needed; the domain's
//! `testing` feature enables it):
//!
//! ```no_run
//! use domain::testing::contract::cache::{the_cache_contract, the_down_cache_contract};
//! use domain::testing::InMemoryCache; // your adapter instead
//!
//! async fn my_cache_keeps_the_contract() {
//!     let cache = InMemoryCache::new();
//!     // A namespace no other run uses: every key the contract writes starts with it.
//!     the_cache_contract(&cache, "my-cache-test:1234:").await;
//! }
//!
//! async fn my_cache_degrades_when_down() {
//!     let cache = InMemoryCache::new();
//!     cache.set_down(true); // yours: pointed at an address where nothing listens
//!     the_down_cache_contract(&cache).await;
//! }
//! ```
//!
//! What the checks assume, so that a shared cache (one Redis for many test runs) works:
//!
//! - every key the contract writes starts with `namespace`, and lives at most
//!   [`LONGEST_TTL`]: nothing needs deleting afterwards;
//! - TTLs are whole seconds (an adapter may round a TTL to seconds, as Redis's `EX` does);
//! - nothing else writes under `namespace` while the contract runs;
//! - the runtime's clock is not paused (`#[tokio::test]` without `start_paused`): the expiry
//!   check sleeps 1.3 s of real time.
//!
//! `stats` must count: each read that finds a value adds one hit, each read that finds nothing
//! one miss, and a healthy cache adds no error. One exception, for an adapter that keeps both
//! defaults of the port (`kind()` is `"custom"` and `stats()` always all zero): it counts
//! nothing, which is allowed. Every adapter we ship names itself and counts.
//!
//! A failed check panics with a message that starts with the check's name.

use std::time::Duration;

use crate::ports::{CacheError, CacheStats, SearchCache};

/// The longest TTL the contract sets: its entries are gone from a shared cache after this.
pub const LONGEST_TTL: Duration = Duration::from_secs(60);

/// The TTL of the entry that must expire.
const SHORT_TTL: Duration = Duration::from_secs(1);

/// How long the expiry check waits after setting the short-lived entry: its TTL and a
/// margin for an adapter that writes on a task of its own.
const WAIT_FOR_EXPIRY: Duration = Duration::from_millis(1300);

/// What `kind()` returns when an adapter keeps the port's default.
const DEFAULT_KIND: &str = "custom";

/// The most a call to a down cache may take before the down contract calls it a hang. Not a
/// benchmark: our adapters answer in milliseconds (Redis: 500 ms at most, once).
pub const DOWN_CACHE_CALL_LIMIT: Duration = Duration::from_secs(2);

/// How many times the down contract calls `get`, `set` and `ping` in a row: the first call may
/// find out the cache is down, the later ones must stay quick too.
const DOWN_CACHE_ROUNDS: usize = 3;

/// Runs every check on a cache that answers. Keys start with `namespace`.
///
/// # Panics
/// When a check fails; the message starts with the check's name.
pub async fn the_cache_contract<C: SearchCache>(cache: &C, namespace: &str) {
    a_missing_key_is_a_miss(cache, namespace).await;
    a_value_set_is_read_back(cache, namespace).await;
    a_set_replaces_the_value(cache, namespace).await;
    keys_are_independent(cache, namespace).await;
    any_text_is_a_key(cache, namespace).await;
    an_empty_value_round_trips(cache, namespace).await;
    a_large_unicode_value_round_trips(cache, namespace).await;
    an_entry_expires_after_its_ttl_and_a_longer_one_stays(cache, namespace).await;
    ping_answers(cache).await;
    kind_is_a_short_label(cache);
    stats_count_a_hit_and_a_miss(cache, namespace).await;
}

/// Runs every check on a cache that cannot be reached (nothing listens at its address, or it
/// was told to be down): `get`, `set` and `ping` return an error within
/// [`DOWN_CACHE_CALL_LIMIT`], several times in a row; `stats` counts each failed `get` and
/// `set` as an error (`ping` is neither a read nor a write), unless the adapter counts nothing
/// (see the module's documentation).
///
/// A write-behind adapter, whose `set` returns before the value reaches the cache (like
/// `RedisCache::with_near_cache` in crates/cache/src/redis_cache.rs), does not fit this
/// check: run it on the adapter without its write-behind layer.
///
/// # Panics
/// When a check fails; the message starts with the check's name.
pub async fn the_down_cache_contract<C: SearchCache>(cache: &C) {
    const CHECK: &str = "a down cache fails quickly";
    let key = "cache-contract:down";
    let before = cache.stats();
    for round in 1..=DOWN_CACHE_ROUNDS {
        match within_the_limit(CHECK, "get", round, cache.get(key)).await {
            Ok(found) => panic!(
                "{CHECK}: get #{round} returned Ok({found:?}); a cache that cannot be reached \
                 must return an error (a miss would hide that it is down)"
            ),
            Err(_expected) => {}
        }
        match within_the_limit(CHECK, "set", round, cache.set(key, "v", SHORT_TTL)).await {
            Ok(()) => panic!(
                "{CHECK}: set #{round} returned Ok(()); a cache that cannot be reached must \
                 return an error"
            ),
            Err(_expected) => {}
        }
        match within_the_limit(CHECK, "ping", round, cache.ping()).await {
            Ok(()) => panic!(
                "{CHECK}: ping #{round} returned Ok(()); a cache that cannot be reached must \
                 not report itself healthy"
            ),
            Err(_expected) => {}
        }
    }
    let after = cache.stats();
    if counts_nothing(cache, before, after) {
        return;
    }
    let failed_reads_and_writes = 2 * DOWN_CACHE_ROUNDS as u64;
    assert_eq!(
        (
            after.errors - before.errors,
            after.hits - before.hits,
            after.misses - before.misses,
        ),
        (failed_reads_and_writes, 0, 0),
        "{CHECK}: stats must count each failed get and set as one error, and no hit or miss \
         (errors, hits, misses added; before {before:?}, after {after:?})"
    );
}

/// Awaits one call to a down cache, panicking when it takes longer than
/// [`DOWN_CACHE_CALL_LIMIT`].
async fn within_the_limit<T>(
    check: &str,
    call: &str,
    round: usize,
    future: impl std::future::Future<Output = Result<T, CacheError>>,
) -> Result<T, CacheError> {
    match tokio::time::timeout(DOWN_CACHE_CALL_LIMIT, future).await {
        Ok(outcome) => outcome,
        Err(_elapsed) => panic!(
            "{check}: {call} #{round} did not return within {DOWN_CACHE_CALL_LIMIT:?}; a cache \
             that cannot be reached must fail quickly, not hang"
        ),
    }
}

async fn a_missing_key_is_a_miss<C: SearchCache>(cache: &C, namespace: &str) {
    const CHECK: &str = "a missing key is a miss";
    let key = format!("{namespace}missing");
    let found = ok(CHECK, "get", cache.get(&key).await);
    assert_eq!(found, None, "{CHECK}: get of a key never set");
}

async fn a_value_set_is_read_back<C: SearchCache>(cache: &C, namespace: &str) {
    const CHECK: &str = "a value set is read back";
    let key = format!("{namespace}read-back");
    ok(CHECK, "set", cache.set(&key, "[]", LONGEST_TTL).await);
    let found = ok(CHECK, "get", cache.get(&key).await);
    assert_eq!(found.as_deref(), Some("[]"), "{CHECK}: get after set");
}

async fn a_set_replaces_the_value<C: SearchCache>(cache: &C, namespace: &str) {
    const CHECK: &str = "a set replaces the value";
    let key = format!("{namespace}replaced");
    ok(
        CHECK,
        "first set",
        cache.set(&key, "first", LONGEST_TTL).await,
    );
    ok(
        CHECK,
        "second set",
        cache.set(&key, "second", LONGEST_TTL).await,
    );
    let found = ok(CHECK, "get", cache.get(&key).await);
    assert_eq!(
        found.as_deref(),
        Some("second"),
        "{CHECK}: get after two sets of one key"
    );
}

async fn keys_are_independent<C: SearchCache>(cache: &C, namespace: &str) {
    const CHECK: &str = "keys are independent";
    // `a` is a prefix of `ab`: an adapter must not match keys by prefix.
    let a = format!("{namespace}independent:a");
    let ab = format!("{namespace}independent:ab");
    let never_set = format!("{namespace}independent:b");
    ok(CHECK, "set a", cache.set(&a, "A", LONGEST_TTL).await);
    ok(CHECK, "set ab", cache.set(&ab, "AB", LONGEST_TTL).await);
    ok(CHECK, "set a again", cache.set(&a, "A2", LONGEST_TTL).await);
    let found_a = ok(CHECK, "get a", cache.get(&a).await);
    let found_ab = ok(CHECK, "get ab", cache.get(&ab).await);
    let found_never_set = ok(CHECK, "get b", cache.get(&never_set).await);
    assert_eq!(found_a.as_deref(), Some("A2"), "{CHECK}: key {a}");
    assert_eq!(
        found_ab.as_deref(),
        Some("AB"),
        "{CHECK}: key {ab} after {a} was set again"
    );
    assert_eq!(
        found_never_set, None,
        "{CHECK}: key {never_set}, never set, while its neighbours hold values"
    );
}

async fn any_text_is_a_key<C: SearchCache>(cache: &C, namespace: &str) {
    const CHECK: &str = "any text is a key";
    let keys = [
        format!("{namespace}key with spaces"),
        format!("{namespace}key:with:colons"),
        format!("{namespace}clé – 東京 – ✓"),
    ];
    for (i, key) in keys.iter().enumerate() {
        let value = format!("value {i}");
        ok(CHECK, "set", cache.set(key, &value, LONGEST_TTL).await);
        let found = ok(CHECK, "get", cache.get(key).await);
        assert_eq!(found, Some(value), "{CHECK}: key {key:?}");
    }
}

async fn an_empty_value_round_trips<C: SearchCache>(cache: &C, namespace: &str) {
    const CHECK: &str = "an empty value round-trips";
    let key = format!("{namespace}empty");
    ok(CHECK, "set", cache.set(&key, "", LONGEST_TTL).await);
    let found = ok(CHECK, "get", cache.get(&key).await);
    assert_eq!(
        found.as_deref(),
        Some(""),
        "{CHECK}: an empty value is a value (Some(\"\")), not a miss"
    );
}

async fn a_large_unicode_value_round_trips<C: SearchCache>(cache: &C, namespace: &str) {
    const CHECK: &str = "a 256 KiB unicode value round-trips";
    let key = format!("{namespace}large");
    // One to four bytes per character, JSON's escapes and line ends.
    let unit = "Zoë – 東京 – ✓ 🦀 \"quoted\" back\\slash\ttab\r\nline ";
    let large = unit.repeat(256 * 1024 / unit.len() + 1);
    ok(CHECK, "set", cache.set(&key, &large, LONGEST_TTL).await);
    let found = ok(CHECK, "get", cache.get(&key).await);
    let Some(found) = found else {
        panic!("{CHECK}: get returned None for a value just set");
    };
    if found != large {
        let first_difference = found
            .bytes()
            .zip(large.bytes())
            .position(|(got, set)| got != set);
        panic!(
            "{CHECK}: got {} bytes back for {} set; first differing byte at {first_difference:?}",
            found.len(),
            large.len()
        );
    }
}

async fn an_entry_expires_after_its_ttl_and_a_longer_one_stays<C: SearchCache>(
    cache: &C,
    namespace: &str,
) {
    const CHECK: &str = "an entry expires after its TTL and a longer one stays";
    let short = format!("{namespace}expiry:short");
    let long = format!("{namespace}expiry:long");
    ok(
        CHECK,
        "set short",
        cache.set(&short, "short", SHORT_TTL).await,
    );
    ok(
        CHECK,
        "set long",
        cache.set(&long, "long", LONGEST_TTL).await,
    );
    let found_short = ok(CHECK, "get short", cache.get(&short).await);
    assert_eq!(
        found_short.as_deref(),
        Some("short"),
        "{CHECK}: get of the short-lived entry before its TTL"
    );
    tokio::time::sleep(WAIT_FOR_EXPIRY).await;
    let found_short = ok(CHECK, "get short", cache.get(&short).await);
    let found_long = ok(CHECK, "get long", cache.get(&long).await);
    assert_eq!(
        found_short, None,
        "{CHECK}: the entry set for {SHORT_TTL:?} is still there after {WAIT_FOR_EXPIRY:?}"
    );
    assert_eq!(
        found_long.as_deref(),
        Some("long"),
        "{CHECK}: the entry set for {LONGEST_TTL:?} is gone after {WAIT_FOR_EXPIRY:?}"
    );
}

async fn ping_answers<C: SearchCache>(cache: &C) {
    const CHECK: &str = "ping answers";
    ok(CHECK, "ping", cache.ping().await);
}

fn kind_is_a_short_label<C: SearchCache>(cache: &C) {
    const CHECK: &str = "kind is a short label";
    let kind = cache.kind();
    let label_chars = kind
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    assert!(
        !kind.is_empty() && kind.len() <= 32 && label_chars,
        "{CHECK}: {kind:?} must be 1 to 32 characters of a-z, 0-9, - and _ (it is a metric label)"
    );
}

async fn stats_count_a_hit_and_a_miss<C: SearchCache>(cache: &C, namespace: &str) {
    const CHECK: &str = "stats count a hit and a miss";
    let key = format!("{namespace}counted");
    let never_set = format!("{namespace}counted:never-set");
    ok(CHECK, "set", cache.set(&key, "v", LONGEST_TTL).await);
    let before = cache.stats();
    let hit = ok(CHECK, "get of a key set", cache.get(&key).await);
    let miss = ok(CHECK, "get of a key never set", cache.get(&never_set).await);
    let after = cache.stats();
    assert_eq!(
        (hit.as_deref(), miss.as_deref()),
        (Some("v"), None),
        "{CHECK}: the reads counted"
    );
    if counts_nothing(cache, before, after) {
        return;
    }
    assert_eq!(
        (
            after.hits - before.hits,
            after.misses - before.misses,
            after.errors - before.errors,
        ),
        (1, 1, 0),
        "{CHECK}: one hit and one miss must add 1 to hits and to misses and nothing to \
         errors (hits, misses, errors added; before {before:?}, after {after:?})"
    );
    assert!(
        !after.breaker_open,
        "{CHECK}: a cache that answers reports its breaker open"
    );
}

/// Whether the adapter keeps both defaults of the port: it names no kind and counts nothing.
fn counts_nothing<C: SearchCache>(cache: &C, before: CacheStats, after: CacheStats) -> bool {
    cache.kind() == DEFAULT_KIND
        && before == CacheStats::default()
        && after == CacheStats::default()
}

/// The value of an `Ok`; on an `Err`, panics naming the check, the call and the error with
/// its sources.
fn ok<T>(check: &str, call: &str, outcome: Result<T, CacheError>) -> T {
    match outcome {
        Ok(value) => value,
        Err(error) => panic!(
            "{check}: {call} failed on a cache that answers: {}",
            crate::ports::error_chain(&error)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::InMemoryCache;

    #[tokio::test]
    async fn the_in_memory_fake_keeps_the_cache_contract() {
        the_cache_contract(&InMemoryCache::new(), "fake:").await;
    }

    #[tokio::test]
    async fn the_in_memory_fake_keeps_the_down_cache_contract() {
        let cache = InMemoryCache::new();
        cache.set_down(true);
        the_down_cache_contract(&cache).await;
    }

    /// A cache that keeps both defaults of the port: `kind` is `custom`, `stats` all zero.
    struct UncountedCache(InMemoryCache);

    impl SearchCache for UncountedCache {
        async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
            self.0.get(key).await
        }

        async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
            self.0.set(key, value, ttl).await
        }
    }

    #[tokio::test]
    async fn an_adapter_that_counts_nothing_keeps_the_contract() {
        the_cache_contract(&UncountedCache(InMemoryCache::new()), "uncounted:").await;
    }

    /// A named cache whose `stats` stay all zero: the contract must reject it.
    struct NamedButUncountedCache(InMemoryCache);

    impl SearchCache for NamedButUncountedCache {
        async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
            self.0.get(key).await
        }

        async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
            self.0.set(key, value, ttl).await
        }

        fn kind(&self) -> &'static str {
            "named"
        }
    }

    #[tokio::test]
    #[should_panic(expected = "stats count a hit and a miss")]
    async fn a_named_adapter_must_count() {
        stats_count_a_hit_and_a_miss(&NamedButUncountedCache(InMemoryCache::new()), "named:").await;
    }

    /// A cache that forgets every value: the contract must reject it.
    struct ForgetfulCache;

    impl SearchCache for ForgetfulCache {
        async fn get(&self, _key: &str) -> Result<Option<String>, CacheError> {
            Ok(None)
        }

        async fn set(&self, _key: &str, _value: &str, _ttl: Duration) -> Result<(), CacheError> {
            Ok(())
        }
    }

    #[tokio::test]
    #[should_panic(expected = "a value set is read back")]
    async fn a_cache_that_forgets_fails_the_contract() {
        the_cache_contract(&ForgetfulCache, "forgetful:").await;
    }

    #[tokio::test]
    #[should_panic(expected = "a down cache fails quickly: get #1 returned Ok(None)")]
    async fn a_down_cache_that_answers_misses_fails_the_down_contract() {
        the_down_cache_contract(&ForgetfulCache).await;
    }

    /// A cache that never answers.
    struct HangingCache;

    impl SearchCache for HangingCache {
        async fn get(&self, _key: &str) -> Result<Option<String>, CacheError> {
            std::future::pending().await
        }

        async fn set(&self, _key: &str, _value: &str, _ttl: Duration) -> Result<(), CacheError> {
            std::future::pending().await
        }
    }

    #[tokio::test(start_paused = true)]
    #[should_panic(expected = "a down cache fails quickly: get #1 did not return within")]
    async fn a_hanging_cache_fails_the_down_contract() {
        the_down_cache_contract(&HangingCache).await;
    }
}
