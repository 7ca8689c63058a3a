//! One behaviour, two adapters: the same test body against the real Redis and the
//! in-process cache, plus how Redis failures degrade.

use std::time::{Duration, Instant};

use cache::{AnyCache, MemoryCache, RedisCache, RedisTimeouts, SearchCache};

/// The Redis the tests use: `REDIS_URL` (set by `make test`) or the machine's default.
fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn unique_prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("jira-search-test:{}:{nanos}:{test}:", std::process::id())
}

/// A Redis cache on the test Redis that must answer: a missing Redis fails the test.
async fn redis(test: &str) -> RedisCache {
    let c = RedisCache::new(&redis_url(), &unique_prefix(test)).unwrap();
    c.ping().await.unwrap_or_else(|e| {
        panic!(
            "the tests need a Redis at {} (make test starts one): {e}",
            redis_url()
        )
    });
    c
}

/// The shared body: round trip, misses, overwrite, unicode and big values, odd keys, TTL.
async fn behaves_like_a_cache<C: SearchCache>(c: &C, keys: &mut Vec<String>) {
    let mut key = |k: &str| {
        keys.push(k.to_owned());
        k.to_owned()
    };
    let k1 = key("users:1");
    assert_eq!(c.get(&k1).await.unwrap(), None);
    c.set(&k1, "[]", Duration::from_secs(60)).await.unwrap();
    assert_eq!(c.get(&k1).await.unwrap().as_deref(), Some("[]"));
    c.set(&k1, "[1]", Duration::from_secs(60)).await.unwrap();
    assert_eq!(c.get(&k1).await.unwrap().as_deref(), Some("[1]"));

    let k2 = key("key with spaces: and:colons");
    let unicode = "Zoë – 東京 – ✓";
    c.set(&k2, unicode, Duration::from_secs(60)).await.unwrap();
    assert_eq!(c.get(&k2).await.unwrap().as_deref(), Some(unicode));

    let k3 = key("big");
    let big = "x".repeat(100 * 1024);
    c.set(&k3, &big, Duration::from_secs(60)).await.unwrap();
    assert_eq!(c.get(&k3).await.unwrap().map(|v| v.len()), Some(big.len()));

    let k4 = key("short-lived");
    c.set(&k4, "soon gone", Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(c.get(&k4).await.unwrap().as_deref(), Some("soon gone"));
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(
        c.get(&k4).await.unwrap(),
        None,
        "the entry outlived its TTL"
    );
    // Other entries are untouched.
    assert_eq!(c.get(&k1).await.unwrap().as_deref(), Some("[1]"));
}

#[tokio::test]
async fn memory_cache_behaves_like_a_cache() {
    let c = MemoryCache::new(1000);
    behaves_like_a_cache(&c, &mut Vec::new()).await;
    let s = c.stats();
    assert!(s.hits >= 5 && s.misses >= 2 && s.errors == 0, "{s:?}");
}

#[tokio::test]
async fn redis_cache_behaves_like_a_cache() {
    let c = redis("behaviour").await;
    let mut keys = Vec::new();
    behaves_like_a_cache(&c, &mut keys).await;
    let s = c.stats();
    assert!(s.hits >= 5 && s.misses >= 2 && s.errors == 0, "{s:?}");
    cleanup(&c, &keys).await;
}

#[tokio::test]
async fn any_cache_delegates() {
    let m = AnyCache::Memory(MemoryCache::new(10));
    assert_eq!(m.kind(), "memory");
    m.ping().await.unwrap();
    behaves_like_a_cache(&m, &mut Vec::new()).await;
    let r = AnyCache::Redis(redis("any").await);
    assert_eq!(r.kind(), "redis");
    let mut keys = Vec::new();
    behaves_like_a_cache(&r, &mut keys).await;
    if let AnyCache::Redis(c) = &r {
        cleanup(c, &keys).await;
    }
}

#[tokio::test]
async fn prefixes_keep_two_caches_apart() {
    let a = redis("a").await;
    let b = redis("b").await;
    a.set("k", "from a", Duration::from_secs(30)).await.unwrap();
    assert_eq!(b.get("k").await.unwrap(), None);
    cleanup(&a, &["k".to_owned()]).await;
}

#[test]
fn memory_cache_is_bounded() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = MemoryCache::new(50);
        for i in 0..500 {
            c.set(&format!("k{i}"), "v", Duration::from_secs(60))
                .await
                .unwrap();
        }
        assert!(c.len() <= 50, "{} entries", c.len());
    });
}

#[tokio::test]
async fn a_closed_port_is_an_error_quickly() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = RedisCache::new(&format!("redis://127.0.0.1:{port}"), "p:").unwrap();
    for _ in 0..3 {
        let started = Instant::now();
        assert!(c.get("k").await.is_err());
        assert!(c.set("k", "v", Duration::from_secs(1)).await.is_err());
        let elapsed = started.elapsed();
        println!("closed port: get+set failed in {elapsed:?}");
        // A sanity bound, not a benchmark: far below the redis crate's default ~9.5 s.
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    }
    assert!(c.ping().await.is_err());
    assert_eq!(c.stats().errors, 6);
}

#[tokio::test]
async fn a_silent_redis_is_an_error_within_the_outer_deadline() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let timeouts = RedisTimeouts::default();
    let c =
        RedisCache::with_timeouts(&format!("redis://127.0.0.1:{port}"), "p:", timeouts).unwrap();
    for _ in 0..2 {
        let started = Instant::now();
        let err = c.get("k").await.unwrap_err();
        let elapsed = started.elapsed();
        println!("silent Redis: {err} after {elapsed:?}");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    }
    holder.abort();
}

async fn cleanup(c: &RedisCache, keys: &[String]) {
    // Expire our own keys at once (SET with the shortest TTL, then let them lapse): the
    // tests never delete keys they did not write.
    for k in keys {
        let _ = c.set(k, "", Duration::from_secs(1)).await;
    }
}
