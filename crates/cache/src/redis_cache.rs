//! The shared cache on Redis.

use std::sync::Arc;
use std::time::Duration;

use domain::{CacheError, SearchCache};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use crate::stats::{CacheStats, Counters};

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
}

impl Default for RedisTimeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_millis(250),
            response: Duration::from_millis(250),
            overall: Duration::from_millis(500),
        }
    }
}

/// A Redis cache. The connection is made on first use, not at construction, so the service
/// starts (and answers from Jira) while Redis is down.
#[derive(Clone)]
pub struct RedisCache {
    client: redis::Client,
    manager: Arc<OnceCell<ConnectionManager>>,
    prefix: String,
    timeouts: RedisTimeouts,
    counters: Counters,
    redacted_url: String,
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
    /// [`CacheError`] when the URL cannot be parsed (the message hides any password).
    pub fn new(url: &str, prefix: &str) -> Result<Self, CacheError> {
        Self::with_timeouts(url, prefix, RedisTimeouts::default())
    }

    /// Like [`RedisCache::new`] with explicit deadlines.
    ///
    /// # Errors
    /// [`CacheError`] when the URL cannot be parsed.
    pub fn with_timeouts(
        url: &str,
        prefix: &str,
        timeouts: RedisTimeouts,
    ) -> Result<Self, CacheError> {
        let redacted_url = redact(url);
        let client = redis::Client::open(url).map_err(|e| {
            CacheError(format!(
                "invalid Redis URL {redacted_url} ({:?}): expected redis://[user:password@]host[:port][/db]",
                e.kind()
            ))
        })?;
        Ok(Self {
            client,
            manager: Arc::new(OnceCell::new()),
            prefix: prefix.to_owned(),
            timeouts,
            counters: Counters::default(),
            redacted_url,
        })
    }

    /// Counters since creation.
    pub fn stats(&self) -> CacheStats {
        self.counters.snapshot()
    }

    /// Whether Redis answers `PING` within the deadline.
    ///
    /// # Errors
    /// [`CacheError`] when it does not.
    pub async fn ping(&self) -> Result<(), CacheError> {
        self.run(redis::cmd("PING")).await.map(|_: String| ())
    }

    fn connection_manager(&self) -> Result<ConnectionManager, CacheError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeouts.connect))
            .set_response_timeout(Some(self.timeouts.response))
            // No retry inside a call: a cache that is down is a miss, and the next call
            // reconnects anyway (the manager starts that as soon as a connection fails).
            .set_number_of_retries(0);
        ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            .map_err(|e| CacheError(format!("Redis connection manager: {e}")))
    }

    /// Runs one command within the overall deadline.
    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, CacheError> {
        let call = async {
            let manager = self
                .manager
                .get_or_try_init(|| async { self.connection_manager() })
                .await?;
            let mut con = manager.clone();
            cmd.query_async::<T>(&mut con)
                .await
                .map_err(|e| CacheError(format!("Redis: {e}")))
        };
        match tokio::time::timeout(self.timeouts.overall, call).await {
            Ok(r) => r,
            Err(_) => Err(CacheError(format!(
                "Redis did not answer within {} ms",
                self.timeouts.overall.as_millis()
            ))),
        }
    }
}

impl SearchCache for RedisCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(format!("{}{key}", self.prefix));
        let r = self.run::<Option<String>>(cmd).await;
        self.counters.read(&r);
        r
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(format!("{}{key}", self.prefix))
            .arg(value)
            .arg("EX")
            .arg(ttl.as_secs().max(1));
        let r = self.run::<()>(cmd).await;
        if r.is_err() {
            self.counters.error();
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
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
        let c = RedisCache::new("redis://:s3cret@127.0.0.1:6379", "p:").unwrap();
        assert!(!format!("{c:?}").contains("s3cret"));
        let e = RedisCache::new("redis://:s3cret@", "p:");
        if let Err(e) = e {
            assert!(!e.to_string().contains("s3cret"), "{e}");
        }
        let e = RedisCache::new("http://:s3cret@host", "p:").unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
        assert!(e.to_string().contains("invalid Redis URL"), "{e}");
    }
}
