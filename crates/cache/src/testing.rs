//! Test support (feature `testing`): a `redis-server` of a test's own, to kill and restart.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` on `127.0.0.1:port` with no persistence, killed by its PID when dropped.
/// The binary is `$REDIS_SERVER_BIN` or `redis-server` on the `PATH` (`make test` installs it).
#[derive(Debug)]
pub struct OwnRedis(Child);

impl OwnRedis {
    /// Starts it and waits (up to 10 s) until it answers `PING`.
    ///
    /// # Panics
    /// When the binary cannot be started or does not answer: this is for tests.
    pub fn start(port: u16) -> Self {
        let bin = std::env::var("REDIS_SERVER_BIN").unwrap_or_else(|_| "redis-server".into());
        let child = Command::new(&bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("this test starts {bin} (make test installs it): {e}"));
        let own = Self(child);
        let client = redis::Client::open(format!("redis://127.0.0.1:{port}"))
            .unwrap_or_else(|e| panic!("port {port}: {e}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let pong = client
                .get_connection_with_timeout(Duration::from_millis(200))
                .and_then(|mut con| redis::cmd("PING").query::<String>(&mut con));
            if pong.is_ok() {
                return own;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("{bin} did not answer on port {port}");
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
