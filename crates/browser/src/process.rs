//! The chromedriver child process: started on a port it picks itself, killed by its PID.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::error::BrowserError;
use crate::http::HyperClient;

/// What chromedriver prints on stdout once it listens (`--port=0`: it picks a free port).
const STARTED: &str = "started successfully on port ";

/// A running chromedriver, in a process group of its own. Dropping it kills the group (the
/// driver and any Chromium it left behind) and then the driver itself, by PID.
#[derive(Debug)]
pub(crate) struct DriverProcess {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub(crate) url: String,
}

impl DriverProcess {
    /// Starts `program` on a free port of 127.0.0.1, its log and temporary files in `dir`, and
    /// waits (at most
    /// `timeout`) until it prints its port and answers `/status` as ready.
    pub(crate) async fn start(
        program: &Path,
        dir: &Path,
        timeout: Duration,
    ) -> Result<Self, BrowserError> {
        let log = dir.join("chromedriver.log");
        let failed = |detail: String| BrowserError::DriverStart {
            path: program.to_path_buf(),
            detail: format!("{detail}{}", log_tail(&log)),
        };
        let mut child = Command::new(program)
            .arg("--port=0")
            .arg(format!("--log-path={}", log.display()))
            // Chromium's scratch directories then go into `dir`, removed with it, even when
            // a killed Chromium could not remove them itself.
            .env("TMPDIR", dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Its own group, so that one signal reaches the driver and the browsers it runs.
            .process_group(0)
            .spawn()
            .map_err(|e| failed(format!("cannot run it: {e}")))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (port_tx, port_rx) = tokio::sync::oneshot::channel();
        // Reads the port, then drains stdout until the driver exits (a full pipe would block
        // it). A thread, not a task: it outlives no runtime and needs none.
        std::thread::spawn(move || {
            let mut port_tx = Some(port_tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(port) = line.split(STARTED).nth(1) {
                    let port = port.trim_end_matches('.').trim().parse::<u16>();
                    if let (Some(tx), Ok(port)) = (port_tx.take(), port) {
                        let _ = tx.send(port);
                    }
                }
            }
        });
        let mut process = DriverProcess {
            child,
            url: String::new(),
        };
        let deadline = tokio::time::Instant::now() + timeout;
        let port = match tokio::time::timeout_at(deadline, port_rx).await {
            Ok(Ok(port)) => port,
            Ok(Err(_)) => return Err(failed(process.exit_detail("exited before listening"))),
            Err(_) => return Err(failed(format!("it printed no port within {timeout:?}"))),
        };
        process.url = format!("http://127.0.0.1:{port}");
        let status = format!("{}/status", process.url);
        let client = HyperClient::new(Duration::from_secs(2));
        loop {
            let last = match client.get(&status).await {
                Ok((200, body)) if is_ready(&body) => return Ok(process),
                Ok((code, body)) => format!("{code} {}", String::from_utf8_lossy(&body)),
                Err(e) => e,
            };
            if tokio::time::Instant::now() >= deadline {
                return Err(failed(format!(
                    "{status} did not say ready within {timeout:?} (last answer: {last})"
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn exit_detail(&mut self, what: &str) -> String {
        match self.child.try_wait() {
            Ok(Some(status)) => format!("{what} ({status})"),
            _ => what.to_owned(),
        }
    }
}

/// `{"value": {"ready": true, ...}}`: chromedriver accepts new sessions.
fn is_ready(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|v| v["value"]["ready"] == serde_json::Value::Bool(true))
}

/// The last lines of chromedriver's log, as `"; chromedriver's log ends: …"`, or nothing.
fn log_tail(log: &Path) -> String {
    let Ok(text) = std::fs::read_to_string(log) else {
        return String::new();
    };
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(10)..].join("\n");
    if tail.is_empty() {
        String::new()
    } else {
        format!("; chromedriver's log ends:\n{tail}")
    }
}

impl Drop for DriverProcess {
    fn drop(&mut self) {
        // By PID only, never by name: the group whose id is the driver's PID (`process_group(0)`
        // made it so; it cannot be reused while the driver is not yet reaped), then the driver
        // itself in case the group signal could not be sent.
        let pid = rustix::process::Pid::from_child(&self.child);
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
