//! One behaviour, two adapters: the same test body against the real Redis and the
//! in-process cache, plus how Redis failures degrade.

use std::time::{Duration, Instant};

use cache::testing::OwnRedis;
use cache::{AnyCache, CacheStats, MemoryCache, RedisCache, RedisTimeouts, SearchCache};

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
async fn redis(test: &str) -> (RedisCache, String) {
    let prefix = unique_prefix(test);
    let c = RedisCache::new(&redis_url(), &prefix).unwrap();
    c.ping().await.unwrap_or_else(|e| {
        panic!(
            "the tests need a Redis at {} (make test starts one): {e}",
            redis_url()
        )
    });
    (c, prefix)
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
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
    let (c, prefix) = redis("behaviour").await;
    let mut keys = Vec::new();
    behaves_like_a_cache(&c, &mut keys).await;
    let s = c.stats();
    assert!(s.hits >= 5 && s.misses >= 2 && s.errors == 0, "{s:?}");
    cleanup(&prefix, &keys).await;
}

#[tokio::test]
async fn any_cache_delegates() {
    let m = AnyCache::Memory(MemoryCache::new(10));
    assert_eq!(m.kind(), "memory");
    m.ping().await.unwrap();
    behaves_like_a_cache(&m, &mut Vec::new()).await;
    let (c, prefix) = redis("any").await;
    let r = AnyCache::Redis(c);
    assert_eq!(r.kind(), "redis");
    let mut keys = Vec::new();
    behaves_like_a_cache(&r, &mut keys).await;
    cleanup(&prefix, &keys).await;
}

#[tokio::test]
async fn prefixes_keep_two_caches_apart() {
    let (a, prefix_a) = redis("a").await;
    let (b, _) = redis("b").await;
    a.set("k", "from a", Duration::from_secs(30)).await.unwrap();
    assert_eq!(b.get("k").await.unwrap(), None);
    cleanup(&prefix_a, &["k".to_owned()]).await;
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
async fn a_closed_port_is_an_error_quickly_and_opens_the_breaker() {
    let port = closed_port();
    let c = RedisCache::new(&format!("redis://127.0.0.1:{port}"), "p:").unwrap();
    let started = Instant::now();
    let first = c.get("k").await.unwrap_err();
    println!("closed port: first get failed in {:?}", started.elapsed());
    assert!(!first.0.contains("breaker open"), "{first}");
    assert!(
        c.breaker_open(),
        "a refused connection must open the breaker"
    );
    // From now on nothing touches the network: every call says so.
    for _ in 0..3 {
        let e = c.get("k").await.unwrap_err();
        assert!(e.0.contains("breaker open"), "{e}");
        let e = c.set("k", "v", Duration::from_secs(1)).await.unwrap_err();
        assert!(e.0.contains("breaker open"), "{e}");
    }
    assert!(c.ping().await.is_err());
    assert_eq!(c.stats().errors, 7);
    assert!(c.stats().breaker_open);
}

/// Accepts connections and never answers; returns the port and the task holding them.
async fn silent_redis() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    (port, holder)
}

#[tokio::test]
async fn a_silent_redis_costs_one_deadline_then_nothing() {
    let (port, holder) = silent_redis().await;
    let timeouts = RedisTimeouts::default();
    let c =
        RedisCache::with_timeouts(&format!("redis://127.0.0.1:{port}"), "p:", timeouts).unwrap();
    let started = Instant::now();
    let err = c.get("k").await.unwrap_err();
    let elapsed = started.elapsed();
    println!("silent Redis: {err} after {elapsed:?}");
    // A sanity bound, not a benchmark: far below the redis crate's default ~16.5 s.
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert!(c.breaker_open(), "a silent Redis must open the breaker");
    let started = Instant::now();
    for _ in 0..1000 {
        let e = c.get("k").await.unwrap_err();
        assert!(e.0.contains("breaker open"), "{e}");
    }
    println!(
        "silent Redis, breaker open: 1000 reads failed in {:?}",
        started.elapsed()
    );
    holder.abort();
}

#[tokio::test]
async fn the_breaker_closes_by_itself_when_redis_comes_back() {
    let port = closed_port();
    let timeouts = RedisTimeouts {
        probe_interval: Duration::from_millis(100),
        ..RedisTimeouts::default()
    };
    let c =
        RedisCache::with_timeouts(&format!("redis://127.0.0.1:{port}"), "p:", timeouts).unwrap();
    assert!(c.get("k").await.is_err());
    assert!(c.breaker_open());
    let redis = OwnRedis::start(port);
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.breaker_open() {
        assert!(Instant::now() < deadline, "the breaker stayed open");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    c.set("k", "v", Duration::from_secs(60)).await.unwrap();
    assert_eq!(c.get("k").await.unwrap().as_deref(), Some("v"));
    // Killed again: open again, and back again on the next start.
    drop(redis);
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.get("k").await.is_ok() {
        assert!(Instant::now() < deadline, "a killed Redis still answers");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(c.breaker_open());
    let _redis = OwnRedis::start(port);
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.breaker_open() {
        assert!(Instant::now() < deadline, "the breaker stayed open");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        c.get("k").await.unwrap(),
        None,
        "a fresh Redis holds nothing"
    );
}

/// Deletes this test's own keys (the prefixed ones it wrote), nothing else.
async fn cleanup(prefix: &str, keys: &[String]) {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let full: Vec<String> = keys.iter().map(|k| format!("{prefix}{k}")).collect();
    let _: () = redis::cmd("DEL")
        .arg(&full)
        .query_async(&mut con)
        .await
        .unwrap();
}

#[tokio::test]
async fn stats_count_hits_misses_and_errors() {
    let m = MemoryCache::new(10);
    m.get("a").await.unwrap();
    m.set("a", "1", Duration::from_secs(60)).await.unwrap();
    m.get("a").await.unwrap();
    m.get("a").await.unwrap();
    assert_eq!(
        m.stats(),
        CacheStats {
            hits: 2,
            misses: 1,
            errors: 0,
            breaker_open: false,
        }
    );

    let (r, prefix) = redis("stats").await;
    r.get("a").await.unwrap();
    r.set("a", "1", Duration::from_secs(60)).await.unwrap();
    r.get("a").await.unwrap();
    assert_eq!(
        r.stats(),
        CacheStats {
            hits: 1,
            misses: 1,
            errors: 0,
            breaker_open: false,
        }
    );
    cleanup(&prefix, &["a".to_owned()]).await;

    let dead = RedisCache::new(&format!("redis://127.0.0.1:{}", closed_port()), "p:").unwrap();
    let _ = dead.get("a").await;
    let _ = dead.set("a", "1", Duration::from_secs(1)).await;
    assert_eq!(
        AnyCache::Redis(dead).stats(),
        CacheStats {
            hits: 0,
            misses: 0,
            errors: 2,
            breaker_open: true,
        }
    );
}

#[tokio::test]
async fn memory_cache_honours_a_short_ttl() {
    let c = MemoryCache::new(10);
    c.set("k", "v", Duration::from_millis(200)).await.unwrap();
    c.set("long", "v", Duration::from_secs(60)).await.unwrap();
    assert!(c.get("k").await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(c.get("k").await.unwrap(), None);
    assert!(c.get("long").await.unwrap().is_some());
}

#[tokio::test]
async fn passwords_never_show_in_debug_or_errors() {
    let url = format!("redis://:s3cret@127.0.0.1:{}", closed_port());
    let c = RedisCache::new(&url, "p:").unwrap();
    let any = AnyCache::Redis(c.clone());
    for shown in [format!("{c:?}"), format!("{any:?}")] {
        assert!(!shown.contains("s3cret"), "{shown}");
    }
    let err = c.get("k").await.unwrap_err();
    let err2 = c.ping().await.unwrap_err();
    for shown in [
        err.to_string(),
        format!("{err:?}"),
        err2.to_string(),
        format!("{err2:?}"),
    ] {
        assert!(!shown.contains("s3cret"), "{shown}");
    }
    for bad in ["http://:s3cret@host", "redis://:s3cret@host:notaport"] {
        let err = RedisCache::new(bad, "p:").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(!format!("{err:?}").contains("s3cret"), "{err:?}");
        assert!(err.to_string().contains("invalid Redis URL"), "{err}");
    }
}

#[tokio::test]
async fn a_near_cache_answers_repeated_reads_from_memory_even_with_redis_gone() {
    let port = closed_port();
    let redis = OwnRedis::start(port);
    let url = format!("redis://127.0.0.1:{port}");
    let prefix = unique_prefix("near");
    let writer = RedisCache::new(&url, &prefix).unwrap().with_near_cache(100);
    let reader = RedisCache::new(&url, &prefix).unwrap().with_near_cache(100);
    let plain = RedisCache::new(&url, &prefix).unwrap();
    writer
        .set("w", "written", Duration::from_secs(60))
        .await
        .unwrap();
    // The write reaches Redis on its own task, soon after.
    let deadline = Instant::now() + Duration::from_secs(5);
    while plain.get("w").await.unwrap().is_none() {
        assert!(Instant::now() < deadline, "the write never reached Redis");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Another instance reads it from Redis (a round trip), then keeps it near.
    assert_eq!(reader.get("w").await.unwrap().as_deref(), Some("written"));
    drop(redis);
    // Redis is gone: the near copies still answer; a cache without one cannot.
    assert_eq!(writer.get("w").await.unwrap().as_deref(), Some("written"));
    assert_eq!(reader.get("w").await.unwrap().as_deref(), Some("written"));
    assert!(plain.get("w").await.is_err());
    assert_eq!(writer.stats().hits, 1);
    assert_eq!(reader.stats().hits, 2);
    // What was never read is a miss (an error: Redis is down), not an invention.
    assert!(reader.get("never").await.is_err());
}
