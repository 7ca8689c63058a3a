//! The shared cache on Redis.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use domain::{CacheError, CacheStats, SearchCache};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use crate::memory::MemoryCache;
use crate::stats::Counters;

/// How long an entry read from Redis is also kept in the near cache (its remaining lifetime in
/// Redis is not known; entries this instance writes are kept for their whole TTL).
pub const NEAR_TTL_OF_READS: Duration = Duration::from_secs(10);

/// Commands sent to Redis at once; more wait their turn (within their deadline). Redis answers
/// one connection's commands in order, so more in flight buys no speed, only memory.
pub const MAX_IN_FLIGHT: usize = 64;

/// Why a call is skipped while the breaker is open ([`CacheError::Skipped`]).
pub const SKIPPED_BREAKER_OPEN: &str = "breaker open";

/// Why a call is skipped when it waited for one of the [`MAX_IN_FLIGHT`] turns until its
/// deadline ([`CacheError::Skipped`]).
pub const SKIPPED_TOO_MANY_IN_FLIGHT: &str = "too many commands in flight";

/// A Redis URL that cannot be used. The message shows the URL with any password hidden; the
/// source is the redis crate's parse error (which never quotes the URL).
#[derive(Debug, thiserror::Error)]
#[error(
    "invalid Redis URL {redacted_url} ({:?}): expected redis://[user:password@]host[:port][/db]",
    source.kind()
)]
pub struct InvalidRedisUrl {
    /// The URL as given, password replaced by `***`.
    pub redacted_url: String,
    /// What the redis crate found wrong.
    #[source]
    pub source: redis::RedisError,
}

/// A Redis call that got no answer within the overall deadline
/// ([`RedisTimeouts::overall`]): the source of a [`CacheError::Unavailable`].
#[derive(Debug, thiserror::Error)]
#[error("Redis did not answer within {} ms", overall.as_millis())]
pub struct DeadlinePassed {
    /// The deadline that passed.
    pub overall: Duration,
}

/// How one command failed; only a failed connection opens the breaker.
#[derive(Debug)]
enum CommandFailure {
    /// The connection failed: refused, dropped, or no answer within a deadline. Redis is
    /// considered down.
    ConnectionFailed(CacheError),
    /// The connection is fine: Redis answered with an error.
    ErrorAnswer(CacheError),
    /// The command waited for one of the [`MAX_IN_FLIGHT`] turns until its deadline and was
    /// never sent. This is our own queue, not Redis failing.
    NoTurn,
}

impl CommandFailure {
    fn into_cache_error(self) -> CacheError {
        match self {
            Self::ConnectionFailed(error) | Self::ErrorAnswer(error) => error,
            Self::NoTurn => CacheError::Skipped(SKIPPED_TOO_MANY_IN_FLIGHT),
        }
    }
}

/// Whether a redis crate error is the connection's (as opposed to Redis answering with an
/// error, such as a command on a key of the wrong type).
fn is_connection_failure(error: &redis::RedisError) -> bool {
    error.is_io_error()
        || error.is_timeout()
        || error.is_connection_refusal()
        || error.is_connection_dropped()
        || error.is_unrecoverable_error()
}

/// Deadlines of Redis calls. A cache that answers slower than Jira is worth nothing, so
/// they are short: with the defaults of the redis crate a dead Redis cost about 9.5 s a call
/// and a silent one about 16.5 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedisTimeouts {
    /// Establishing a connection.
    pub connect: Duration,
    /// One command's answer.
    pub response: Duration,
    /// The whole call, reconnection included (the outer bound).
    pub overall: Duration,
    /// While the breaker is open, how often a background `PING` checks whether Redis is back.
    pub probe_interval: Duration,
}

impl Default for RedisTimeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_millis(250),
            response: Duration::from_millis(250),
            overall: Duration::from_millis(500),
            probe_interval: Duration::from_millis(500),
        }
    }
}

/// A Redis cache. The connection is made on first use, not at construction, so the service
/// starts (and answers from Jira) while Redis is down.
///
/// A circuit breaker keeps a dead or silent Redis from costing every request its deadline:
/// the first call that fails on the connection (refused, dropped, timed out) opens it, and
/// from then on every call fails at once, without touching the network, until a background
/// `PING` (every `probe_interval`) gets an answer and closes it again. No request ever waits
/// for a probe.
#[derive(Clone)]
pub struct RedisCache {
    client: redis::Client,
    manager: Arc<OnceCell<ConnectionManager>>,
    prefix: String,
    timeouts: RedisTimeouts,
    counters: Counters,
    redacted_url: String,
    open: Arc<AtomicBool>,
    in_flight: Arc<tokio::sync::Semaphore>,
    near: Option<MemoryCache>,
}

impl std::fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCache")
            .field("url", &self.redacted_url)
            .field("prefix", &self.prefix)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

/// The URL with any password replaced by `***`, for messages: the one in the authority
/// (`redis://user:pw@host`) and the `pass=` query parameter of `redis+unix://` URLs.
fn redact(url: &str) -> String {
    let (url, query) = match url.split_once('?') {
        Some((u, q)) => (u, Some(q)),
        None => (url, None),
    };
    let mut out = match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("pass") => format!("{k}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

impl RedisCache {
    /// A cache on the Redis at `url` (`redis://[user:password@]host[:port][/db]`, or
    /// `rediss://` for TLS), every key prefixed with `prefix`. Only parses the URL.
    ///
    /// # Errors
    /// [`InvalidRedisUrl`] when the URL cannot be parsed (the message hides any password).
    pub fn new(url: &str, prefix: &str) -> Result<Self, InvalidRedisUrl> {
        Self::with_timeouts(url, prefix, RedisTimeouts::default())
    }

    /// Like [`RedisCache::new`] with explicit deadlines.
    ///
    /// # Errors
    /// [`InvalidRedisUrl`] when the URL cannot be parsed.
    pub fn with_timeouts(
        url: &str,
        prefix: &str,
        timeouts: RedisTimeouts,
    ) -> Result<Self, InvalidRedisUrl> {
        let redacted_url = redact(url);
        let client = match redis::Client::open(url) {
            Ok(client) => client,
            Err(source) => {
                return Err(InvalidRedisUrl {
                    redacted_url,
                    source,
                })
            }
        };
        Ok(Self {
            client,
            manager: Arc::new(OnceCell::new()),
            prefix: prefix.to_owned(),
            timeouts,
            counters: Counters::default(),
            redacted_url,
            open: Arc::new(AtomicBool::new(false)),
            in_flight: Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT)),
            near: None,
        })
    }

    /// Keeps what this instance reads from and writes to Redis in process memory too (at most
    /// `max_entries`): a repeated read is answered without a round trip, and while Redis is
    /// down; a write returns once the near copy holds it, and reaches Redis on its own task.
    /// Entries written here live their TTL; entries read from Redis [`NEAR_TTL_OF_READS`].
    /// Nothing is ever invalidated in Redis, so this changes no answer, only how old one can
    /// be (by at most [`NEAR_TTL_OF_READS`]).
    #[must_use]
    pub fn with_near_cache(mut self, max_entries: u64) -> Self {
        self.near = Some(MemoryCache::new(max_entries));
        self
    }

    /// Whether the breaker is open: Redis failed and has not answered a probe since.
    pub fn breaker_open(&self) -> bool {
        self.open.load(Ordering::Relaxed)
    }

    fn connection_manager(&self) -> redis::RedisResult<ConnectionManager> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeouts.connect))
            .set_response_timeout(Some(self.timeouts.response))
            // No retry inside a call: a cache that is down is a miss, and the next call
            // reconnects anyway (the manager starts that as soon as a connection fails).
            .set_number_of_retries(0);
        ConnectionManager::new_lazy_with_config(self.client.clone(), config)
    }

    /// Runs one command within the overall deadline, unless the breaker is open. A failed
    /// connection opens the breaker.
    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, CacheError> {
        if self.breaker_open() {
            return Err(CacheError::Skipped(SKIPPED_BREAKER_OPEN));
        }
        match self.call(&cmd).await {
            Ok(value) => Ok(value),
            Err(failure) => {
                if let CommandFailure::ConnectionFailed(_) = failure {
                    self.trip();
                }
                Err(failure.into_cache_error())
            }
        }
    }

    /// One command within the overall deadline, breaker or not.
    async fn call<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, CommandFailure> {
        let deadline = tokio::time::Instant::now() + self.timeouts.overall;
        // Commands wait here rather than in the connection's queue, so a burst of requests
        // does not hold a burst of answers in memory at once. Waiting for a turn is our own
        // queue, not Redis failing: it never opens the breaker.
        let _permit = match tokio::time::timeout_at(deadline, self.in_flight.acquire()).await {
            Ok(Ok(permit)) => permit,
            // The semaphore is never closed; a closed one would mean no turn either.
            Ok(Err(_closed)) => return Err(CommandFailure::NoTurn),
            Err(_deadline_passed) => return Err(CommandFailure::NoTurn),
        };
        let call = async {
            let manager = match self
                .manager
                .get_or_try_init(|| async { self.connection_manager() })
                .await
            {
                Ok(manager) => manager,
                Err(error) => {
                    return Err(CommandFailure::ConnectionFailed(CacheError::unavailable(
                        error,
                    )))
                }
            };
            let mut connection = manager.clone();
            match cmd.query_async::<T>(&mut connection).await {
                Ok(value) => Ok(value),
                Err(error) if is_connection_failure(&error) => Err(
                    CommandFailure::ConnectionFailed(CacheError::unavailable(error)),
                ),
                Err(error) => Err(CommandFailure::ErrorAnswer(CacheError::unavailable(error))),
            }
        };
        match tokio::time::timeout_at(deadline, call).await {
            Ok(outcome) => outcome,
            Err(_deadline_passed) => Err(CommandFailure::ConnectionFailed(
                CacheError::unavailable(DeadlinePassed {
                    overall: self.timeouts.overall,
                }),
            )),
        }
    }

    /// Opens the breaker and, if it was closed, starts the probe that will close it.
    fn trip(&self) {
        if self.open.swap(true, Ordering::AcqRel) {
            return;
        }
        tracing::warn!(
            url = %self.redacted_url,
            "Redis does not answer: the cache is bypassed until it does"
        );
        let probe = Probe {
            cache: self.clone_without_breaker(),
            open: Arc::downgrade(&self.open),
        };
        tokio::spawn(probe.run());
    }

    /// A handle on the same connection for the probe, which must not keep the breaker (and
    /// so itself) alive once every real handle is gone.
    fn clone_without_breaker(&self) -> RedisCache {
        RedisCache {
            open: Arc::new(AtomicBool::new(false)),
            ..self.clone()
        }
    }

    /// The key in Redis of the port's `key`.
    fn redis_key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

/// Pings Redis until it answers, then closes the breaker.
struct Probe {
    cache: RedisCache,
    open: Weak<AtomicBool>,
}

impl Probe {
    async fn run(self) {
        loop {
            tokio::time::sleep(self.cache.timeouts.probe_interval).await;
            let Some(open) = self.open.upgrade() else {
                return; // the cache is gone
            };
            if self.cache.call::<String>(&redis::cmd("PING")).await.is_ok() {
                open.store(false, Ordering::Release);
                tracing::info!(url = %self.cache.redacted_url, "Redis answers again: cache back in use");
                return;
            }
        }
    }
}

impl SearchCache for RedisCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        if let Some(near) = &self.near {
            if let Some(value) = near.lookup(key) {
                self.counters.hit();
                return Ok(Some(value));
            }
        }
        let mut cmd = redis::cmd("GET");
        cmd.arg(self.redis_key(key));
        let outcome = self.run::<Option<String>>(cmd).await;
        self.counters.read(&outcome);
        if let (Some(near), Ok(Some(value))) = (&self.near, &outcome) {
            near.insert(key, value, NEAR_TTL_OF_READS);
        }
        outcome
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.redis_key(key))
            .arg(value)
            .arg("EX")
            .arg(ttl.as_secs().max(1));
        let Some(near) = &self.near else {
            let outcome = self.run::<()>(cmd).await;
            if outcome.is_err() {
                self.counters.error();
            }
            return outcome;
        };
        // With a near copy this instance reads its own write from memory at once, so the
        // request need not wait for Redis: the write finishes on a task of its own (a failure
        // is counted and trips the breaker like any other).
        near.insert(key, value, ttl);
        let this = self.clone();
        tokio::spawn(async move {
            if this.run::<()>(cmd).await.is_err() {
                this.counters.error();
            }
        });
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "redis"
    }

    /// Whether Redis answers `PING` within the deadline (the near copy is not asked). Not
    /// counted in [`CacheStats`]: it is neither a read nor a write.
    async fn ping(&self) -> Result<(), CacheError> {
        let _pong: String = self.run(redis::cmd("PING")).await?;
        Ok(())
    }

    /// Counters since creation, and the breaker's state.
    fn stats(&self) -> CacheStats {
        CacheStats {
            breaker_open: self.breaker_open(),
            ..self.counters.snapshot()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show_in_redacted_urls() {
        assert_eq!(
            redact("redis://:s3cret@host:6379/0"),
            "redis://:***@host:6379/0"
        );
        assert_eq!(redact("redis://user:s3cret@host"), "redis://user:***@host");
        assert_eq!(redact("redis://host:6379"), "redis://host:6379");
        assert_eq!(redact("redis://:p@ss@host"), "redis://:***@host");
        assert_eq!(
            redact("redis+unix:///tmp/r.sock?db=1&pass=s3cret"),
            "redis+unix:///tmp/r.sock?db=1&pass=***"
        );
        assert_eq!(
            redact("redis+unix:///tmp/r.sock?PASS=s3cret&db=1"),
            "redis+unix:///tmp/r.sock?PASS=***&db=1"
        );
    }
}
