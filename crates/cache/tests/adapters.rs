//! The cache contract (crates/domain/src/testing/contract/cache.rs) against every adapter of
//! this crate, Redis as production wires it included, plus what only Redis does: the breaker,
//! a silent or dead Redis, the near copy, the limit of commands in flight.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cache::testing::OwnRedis;
use cache::{
    AnyCache, CacheError, CacheStats, DeadlinePassed, MemoryCache, RedisCache, RedisTimeouts,
    SearchCache, MAX_IN_FLIGHT, SKIPPED_BREAKER_OPEN,
};
use domain::testing::contract::cache::{the_cache_contract, the_down_cache_contract};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The near copy's bound in these tests (production: `CACHE_MAX_ENTRIES`).
const NEAR_ENTRIES: u64 = 1000;

/// The Redis the tests use: `REDIS_URL` (set by `make test`) or the machine's default.
fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A key prefix no other test or run uses.
fn unique_prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("jira-search-test:{}:{nanos}:{test}:", std::process::id())
}

/// Fails the test, saying why, when the test Redis does not answer.
async fn require_answer(cache: &RedisCache) {
    if let Err(e) = cache.ping().await {
        panic!(
            "the tests need a Redis at {} (make test starts one): {e:?}",
            redis_url()
        );
    }
}

/// A Redis cache on the test Redis, without a near copy: every call is a round trip.
async fn plain_redis(test: &str) -> (RedisCache, String) {
    let prefix = unique_prefix(test);
    let cache = RedisCache::new(&redis_url(), &prefix).unwrap();
    require_answer(&cache).await;
    (cache, prefix)
}

/// A Redis cache on the test Redis as crates/app/src/server.rs (`build_state`) wires it: with
/// a near copy.
async fn production_redis(test: &str) -> (RedisCache, String) {
    let prefix = unique_prefix(test);
    let cache = RedisCache::new(&redis_url(), &prefix)
        .unwrap()
        .with_near_cache(NEAR_ENTRIES);
    require_answer(&cache).await;
    (cache, prefix)
}

/// Deletes every key under this test's own prefix, nothing else. (Keys the contract writes
/// expire within a minute anyway; a write still on its way may outlive this.)
async fn cleanup(prefix: &str) {
    let client = redis::Client::open(redis_url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let mut pattern = String::new();
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('*');
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(&pattern)
        .query_async(&mut con)
        .await
        .unwrap();
    if keys.is_empty() {
        return;
    }
    let _: () = redis::cmd("DEL")
        .arg(&keys)
        .query_async(&mut con)
        .await
        .unwrap();
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A Redis cache on a port where nothing listens.
fn dead_redis() -> RedisCache {
    RedisCache::new(&format!("redis://127.0.0.1:{}", closed_port()), "p:").unwrap()
}

/// Polls `condition` every 20 ms until it holds; fails the test after 10 s.
async fn wait_until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition().await {
        assert!(Instant::now() < deadline, "waited 10 s for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Asserts that a call was skipped without touching the network because the breaker is open.
fn assert_skipped_by_the_breaker<T: std::fmt::Debug>(call: &str, outcome: Result<T, CacheError>) {
    match outcome {
        Err(CacheError::Skipped(SKIPPED_BREAKER_OPEN)) => {}
        other => panic!("{call}: expected Skipped({SKIPPED_BREAKER_OPEN:?}), got {other:?}"),
    }
}

// The contract, against every adapter.

#[tokio::test]
async fn memory_cache_keeps_the_cache_contract() {
    the_cache_contract(&MemoryCache::new(NEAR_ENTRIES), "memory:").await;
}

#[tokio::test]
async fn plain_redis_cache_keeps_the_cache_contract() {
    // Without a near copy every call is a round trip: this is the run that checks Redis
    // itself (the near copy answers most reads of the next one).
    let (cache, prefix) = plain_redis("contract-plain").await;
    the_cache_contract(&cache, "contract:").await;
    cleanup(&prefix).await;
}

#[tokio::test]
async fn redis_cache_as_production_wires_it_keeps_the_cache_contract() {
    let (cache, prefix) = production_redis("contract-near").await;
    the_cache_contract(&cache, "contract:").await;
    cleanup(&prefix).await;
}

#[tokio::test]
async fn any_cache_over_memory_keeps_the_cache_contract() {
    let cache = AnyCache::Memory(MemoryCache::new(NEAR_ENTRIES));
    assert_eq!(cache.kind(), "memory");
    the_cache_contract(&cache, "any-memory:").await;
}

#[tokio::test]
async fn any_cache_over_redis_keeps_the_cache_contract() {
    let (redis, prefix) = production_redis("contract-any").await;
    let cache = AnyCache::Redis(redis);
    assert_eq!(cache.kind(), "redis");
    the_cache_contract(&cache, "contract:").await;
    cleanup(&prefix).await;
}

#[tokio::test]
async fn redis_cache_on_a_closed_port_keeps_the_down_cache_contract() {
    the_down_cache_contract(&dead_redis()).await;
}

#[tokio::test]
async fn any_cache_over_a_dead_redis_keeps_the_down_cache_contract() {
    the_down_cache_contract(&AnyCache::Redis(dead_redis())).await;
}

// What only these adapters do.

#[tokio::test]
async fn prefixes_keep_two_caches_apart() {
    let (a, prefix_a) = plain_redis("a").await;
    let (b, _) = plain_redis("b").await;
    a.set("k", "from a", Duration::from_secs(30)).await.unwrap();
    assert_eq!(a.get("k").await.unwrap().as_deref(), Some("from a"));
    assert_eq!(b.get("k").await.unwrap(), None);
    cleanup(&prefix_a).await;
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
        let held = c.len();
        assert!(held <= 50, "{held} entries");
    });
}

#[tokio::test]
async fn a_closed_port_is_an_error_quickly_and_opens_the_breaker() {
    let c = dead_redis();
    let started = Instant::now();
    let first = c.get("k").await;
    println!("closed port: first get failed in {:?}", started.elapsed());
    // The first call tried, and says why it failed: the redis crate's error is its source.
    let Err(CacheError::Unavailable(source)) = first else {
        panic!("the first call must be tried and fail as Unavailable, got {first:?}");
    };
    let Some(redis_error) = source.downcast_ref::<redis::RedisError>() else {
        panic!("the source must be the redis crate's error, got {source:?}");
    };
    assert!(
        redis_error.is_connection_refusal() || redis_error.is_io_error(),
        "{redis_error:?}"
    );
    assert!(
        c.breaker_open(),
        "a refused connection must open the breaker"
    );
    // From now on nothing touches the network: every call says so.
    for _ in 0..3 {
        assert_skipped_by_the_breaker("get", c.get("k").await);
        assert_skipped_by_the_breaker("set", c.set("k", "v", Duration::from_secs(1)).await);
        assert_skipped_by_the_breaker("ping", c.ping().await);
    }
    // The first get and the three rounds of get and set; a ping is neither a read nor a write.
    let expected = CacheStats {
        hits: 0,
        misses: 0,
        errors: 7,
        breaker_open: true,
    };
    assert_eq!(c.stats(), expected);
    assert_eq!(AnyCache::Redis(c).stats(), expected, "AnyCache delegates");
}

#[tokio::test]
async fn an_error_answer_from_redis_does_not_open_the_breaker() {
    let (c, prefix) = plain_redis("wrongtype").await;
    // A list under the key (gone within a minute, even if this test fails before its
    // cleanup): GET answers WRONGTYPE on a healthy connection.
    let client = redis::Client::open(redis_url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let list = format!("{prefix}list");
    let _: () = redis::pipe()
        .cmd("RPUSH")
        .arg(&list)
        .arg("x")
        .ignore()
        .cmd("EXPIRE")
        .arg(&list)
        .arg(60)
        .ignore()
        .query_async(&mut con)
        .await
        .unwrap();
    let outcome = c.get("list").await;
    let Err(CacheError::Unavailable(source)) = &outcome else {
        panic!("a GET of a list must fail as Unavailable, got {outcome:?}");
    };
    let Some(redis_error) = source.downcast_ref::<redis::RedisError>() else {
        panic!("the source must be the redis crate's error, got {source:?}");
    };
    assert_eq!(redis_error.code(), Some("WRONGTYPE"), "{redis_error:?}");
    assert!(!c.breaker_open(), "Redis answered: the connection is fine");
    assert_eq!(
        c.get("other").await.unwrap(),
        None,
        "the next call is tried"
    );
    assert_eq!(
        c.stats(),
        CacheStats {
            hits: 0,
            misses: 1,
            errors: 1,
            breaker_open: false,
        }
    );
    cleanup(&prefix).await;
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
    let c = RedisCache::new(&format!("redis://127.0.0.1:{port}"), "p:").unwrap();
    let started = Instant::now();
    let first = c.get("k").await;
    let elapsed = started.elapsed();
    println!("silent Redis: {first:?} after {elapsed:?}");
    // A sanity bound, not a benchmark: far below the redis crate's default ~16.5 s.
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    // No answer: the redis crate's own timeout, or ours (the overall deadline).
    let Err(CacheError::Unavailable(source)) = &first else {
        panic!("the first call must be tried and fail as Unavailable, got {first:?}");
    };
    let redis_timed_out = source
        .downcast_ref::<redis::RedisError>()
        .is_some_and(redis::RedisError::is_timeout);
    let deadline_passed = source.downcast_ref::<DeadlinePassed>().is_some();
    assert!(redis_timed_out || deadline_passed, "{source:?}");
    assert!(c.breaker_open(), "a silent Redis must open the breaker");
    let started = Instant::now();
    for _ in 0..1000 {
        assert_skipped_by_the_breaker("get", c.get("k").await);
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
    wait_until("the breaker closes", || async { !c.breaker_open() }).await;
    c.set("k", "v", Duration::from_secs(60)).await.unwrap();
    assert_eq!(c.get("k").await.unwrap().as_deref(), Some("v"));
    // Killed again: open again, and back again on the next start.
    drop(redis);
    wait_until("a killed Redis fails a call", || async {
        c.get("k").await.is_err()
    })
    .await;
    assert!(c.breaker_open());
    let _redis = OwnRedis::start(port);
    wait_until("the breaker closes again", || async { !c.breaker_open() }).await;
    assert_eq!(
        c.get("k").await.unwrap(),
        None,
        "a fresh Redis holds nothing"
    );
}

#[tokio::test]
async fn passwords_never_show_in_debug_or_errors() {
    let url = format!("redis://:s3cret@127.0.0.1:{}", closed_port());
    let c = RedisCache::new(&url, "p:").unwrap();
    let any = AnyCache::Redis(c.clone());
    for shown in [format!("{c:?}"), format!("{any:?}")] {
        assert!(!shown.contains("s3cret"), "{shown}");
    }
    let tried = c.get("k").await.unwrap_err();
    let skipped = c.ping().await.unwrap_err();
    for error in [&tried, &skipped] {
        for shown in [domain::error_chain(error), format!("{error:?}")] {
            assert!(!shown.contains("s3cret"), "{shown}");
        }
    }
    for bad in [
        "http://:s3cret@host",
        "redis://:s3cret@host:notaport",
        "redis://:s3cret@",
    ] {
        let err = RedisCache::new(bad, "p:").unwrap_err();
        for shown in [domain::error_chain(&err), format!("{err:?}")] {
            assert!(!shown.contains("s3cret"), "{bad}: {shown}");
        }
        assert!(err.to_string().contains("invalid Redis URL"), "{err}");
        assert!(err.redacted_url.contains(":***@"), "{}", err.redacted_url);
    }
}

#[tokio::test]
async fn a_near_cache_answers_repeated_reads_from_memory_even_with_redis_gone() {
    let port = closed_port();
    let redis = OwnRedis::start(port);
    let url = format!("redis://127.0.0.1:{port}");
    let prefix = unique_prefix("near");
    let writer = RedisCache::new(&url, &prefix)
        .unwrap()
        .with_near_cache(NEAR_ENTRIES);
    let reader = RedisCache::new(&url, &prefix)
        .unwrap()
        .with_near_cache(NEAR_ENTRIES);
    let plain = RedisCache::new(&url, &prefix).unwrap();
    writer
        .set("w", "written", Duration::from_secs(60))
        .await
        .unwrap();
    // The write reaches Redis on its own task, soon after.
    wait_until("the write reaches Redis", || async {
        plain.get("w").await.unwrap().is_some()
    })
    .await;
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

#[tokio::test]
async fn at_most_64_commands_are_in_flight_and_the_others_wait_their_turn() {
    let fake = GatedRedis::start().await;
    let timeouts = RedisTimeouts {
        response: Duration::from_secs(10),
        overall: Duration::from_secs(10),
        ..RedisTimeouts::default()
    };
    let url = format!("redis://127.0.0.1:{}", fake.port);
    let c = RedisCache::with_timeouts(&url, "p:", timeouts).unwrap();
    let waiting_for_a_turn = 36;
    let calls: Vec<_> = (0..MAX_IN_FLIGHT + waiting_for_a_turn)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move { c.get(&format!("k{i}")).await })
        })
        .collect();
    wait_until("64 GETs reach the fake Redis", || async {
        fake.held() >= MAX_IN_FLIGHT
    })
    .await;
    // Given time, no command beyond the limit is sent while 64 wait for their answer.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(fake.held(), MAX_IN_FLIGHT);
    fake.release();
    for call in calls {
        assert_eq!(
            call.await.unwrap().unwrap(),
            None,
            "every call gets its turn"
        );
    }
    assert_eq!(fake.most_held(), MAX_IN_FLIGHT);
    assert_eq!(
        c.stats(),
        CacheStats {
            hits: 0,
            misses: (MAX_IN_FLIGHT + waiting_for_a_turn) as u64,
            errors: 0,
            breaker_open: false,
        }
    );
}

/// A fake Redis on 127.0.0.1 that answers `+OK` to every command but `GET`, and holds every
/// `GET` unanswered until [`GatedRedis::release`]; from then on it answers each `GET` with
/// nil, in order. It counts the `GET`s it holds.
struct GatedRedis {
    port: u16,
    held: Arc<AtomicUsize>,
    most_held: Arc<AtomicUsize>,
    gate: tokio::sync::watch::Sender<bool>,
}

impl GatedRedis {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let held = Arc::new(AtomicUsize::new(0));
        let most_held = Arc::new(AtomicUsize::new(0));
        let (gate, open) = tokio::sync::watch::channel(false);
        let counters = (held.clone(), most_held.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let connection = GatedConnection {
                    stream,
                    open: open.clone(),
                    held: counters.0.clone(),
                    most_held: counters.1.clone(),
                };
                tokio::spawn(connection.serve());
            }
        });
        Self {
            port,
            held,
            most_held,
            gate,
        }
    }

    /// `GET`s received and not answered yet.
    fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }

    /// The most `GET`s held at once.
    fn most_held(&self) -> usize {
        self.most_held.load(Ordering::SeqCst)
    }

    /// Answers every held `GET`, and every later one at once.
    fn release(&self) {
        self.gate.send_replace(true);
    }
}

/// One client connection of a [`GatedRedis`].
struct GatedConnection {
    stream: tokio::net::TcpStream,
    open: tokio::sync::watch::Receiver<bool>,
    held: Arc<AtomicUsize>,
    most_held: Arc<AtomicUsize>,
}

/// An answer owed to the client, in the order of its commands.
enum Owed {
    Ok,
    NilForGet,
}

impl GatedConnection {
    async fn serve(mut self) {
        let mut received = Vec::new();
        let mut owed = std::collections::VecDeque::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            while let Some((name, used)) = parse_command(&received) {
                received.drain(..used);
                if name.eq_ignore_ascii_case("GET") {
                    let now = self.held.fetch_add(1, Ordering::SeqCst) + 1;
                    self.most_held.fetch_max(now, Ordering::SeqCst);
                    owed.push_back(Owed::NilForGet);
                } else {
                    owed.push_back(Owed::Ok);
                }
            }
            // Answers in order: a held GET holds what comes after it too.
            let gate_open = *self.open.borrow();
            let mut out = Vec::new();
            while let Some(next) = owed.front() {
                match next {
                    Owed::Ok => out.extend_from_slice(b"+OK\r\n"),
                    Owed::NilForGet if gate_open => {
                        out.extend_from_slice(b"$-1\r\n");
                        self.held.fetch_sub(1, Ordering::SeqCst);
                    }
                    Owed::NilForGet => break,
                }
                owed.pop_front();
            }
            if !out.is_empty() && self.stream.write_all(&out).await.is_err() {
                return;
            }
            tokio::select! {
                read = self.stream.read(&mut buf) => match read {
                    Ok(0) | Err(_) => return,
                    Ok(n) => received.extend_from_slice(&buf[..n]),
                },
                changed = self.open.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// The first complete command in `received` (a RESP array of bulk strings): its name, and
/// how many bytes it takes.
fn parse_command(received: &[u8]) -> Option<(String, usize)> {
    fn line(from: &[u8], at: usize) -> Option<(&[u8], usize)> {
        let end = from[at..].windows(2).position(|w| w == b"\r\n")? + at;
        Some((&from[at..end], end + 2))
    }
    fn number(text: &[u8]) -> usize {
        std::str::from_utf8(text).unwrap().parse().unwrap()
    }
    let (header, mut at) = line(received, 0)?;
    assert_eq!(header.first(), Some(&b'*'), "the client sends arrays");
    let parts = number(&header[1..]);
    let mut name = None;
    for _ in 0..parts {
        let (length, start) = line(received, at)?;
        assert_eq!(length.first(), Some(&b'$'), "the client sends bulk strings");
        let end = start + number(&length[1..]);
        if received.len() < end + 2 {
            return None;
        }
        if name.is_none() {
            name = Some(String::from_utf8_lossy(&received[start..end]).into_owned());
        }
        at = end + 2;
    }
    Some((name.unwrap_or_default(), at))
}
