//! What a soak run drives: two jira-sims (Server and Cloud), a Redis of its own (so it can
//! restart it), a SQLite database with one org, four integrations and two caller tokens, and
//! `jira-search serve` on the release binaries.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::verdict::Flavor;
use crate::procs::{Bins, Proc};

/// The org of every integration.
pub const ORG: &str = "soak";
/// The personal access token the Server simulator accepts.
const PAT: &str = "soak-pat-not-a-secret";
/// The Cloud simulator's account and API token.
const CLOUD_EMAIL: &str = "soak@example.com";
const CLOUD_TOKEN: &str = "soak-api-token-not-a-secret";

/// Settings of the service under soak: short enough that faults come and go within seconds.
pub const JIRA_TIMEOUT_SECONDS: u64 = 2;
/// How long an open breaker answers at once.
pub const BREAKER_COOLDOWN_SECONDS: u64 = 5;

/// One simulator and what it holds, for the traffic to ask for.
pub struct Sim {
    _proc: Proc,
    /// Where it listens.
    pub addr: SocketAddr,
    url: String,
    /// Three-letter prefixes of user display names.
    pub user_prefixes: Vec<String>,
    /// Project ids.
    pub project_ids: Vec<String>,
    /// First words of project names.
    pub project_words: Vec<String>,
    /// Issue keys.
    pub issue_keys: Vec<String>,
    /// Words of issue summaries (letters only).
    pub issue_words: Vec<String>,
    /// (field, prefix of a suggestion) pairs.
    pub suggestions: Vec<(String, String)>,
}

/// An integration the traffic searches through.
pub struct Integration {
    /// Its numeric id.
    pub id: String,
    /// Its Jira.
    pub flavor: Flavor,
}

/// A Redis server the run owns.
pub struct Redis {
    proc: Option<Proc>,
    /// Its port.
    pub port: u16,
}

impl Redis {
    /// Starts `redis-server` on `port` (no persistence) and waits until it accepts.
    pub fn start(port: u16) -> Result<Self, String> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start redis-server (is it installed?): {e}"))?;
        let redis = Self {
            proc: Some(Proc::from_child(child)),
            port,
        };
        wait_for_port(port, Duration::from_secs(10))?;
        Ok(redis)
    }

    /// Kills it (SIGKILL, by PID: nothing it held survives).
    pub fn stop(&mut self) {
        self.proc = None;
    }
}

/// Everything started, in drop order: the service first.
pub struct World {
    /// `jira-search serve`.
    pub service: Proc,
    /// Its address.
    pub addr: SocketAddr,
    /// The database's URL, for the CLI.
    pub database_url: String,
    /// The binaries.
    pub bins: Bins,
    /// The Redis the service uses.
    pub redis: Redis,
    /// Server, then Cloud.
    pub sims: Vec<Sim>,
    /// Server, Cloud, then a second of each (those are the ones disabled and enabled).
    pub integrations: Vec<Integration>,
    /// Caller tokens; index 0 is never revoked.
    pub tokens: Vec<String>,
    _dir: tempfile::TempDir,
}

impl World {
    /// Starts and seeds everything.
    pub async fn start(bins: Bins, warnings: &Path) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        let database_url = format!("sqlite://{}", dir.path().join("soak.db").display());
        let server = Sim::start(&bins, Flavor::Server, &["--accept-token", PAT]).await?;
        let basic = format!("{CLOUD_EMAIL}:{CLOUD_TOKEN}");
        let cloud = Sim::start(&bins, Flavor::Cloud, &["--accept-basic", &basic]).await?;
        let cli = |args: &[&str], stdin: &str| bins.cli(&database_url, args, stdin);
        cli(&["org", "add", ORG], "")?;
        let add_server = || {
            cli(
                &[
                    "integration",
                    "add",
                    "--org",
                    ORG,
                    "--provider",
                    "jira_server",
                ]
                .iter()
                .chain(&["--base-url", &server.url, "--auth", "pat", "--allow-http"])
                .copied()
                .collect::<Vec<_>>(),
                &format!("{PAT}\n"),
            )
        };
        let add_cloud = || {
            cli(
                &["integration", "add", "--org", ORG, "--provider", "jira"]
                    .iter()
                    .chain(&["--base-url", &cloud.url, "--auth", "basic"])
                    .chain(&["--user", CLOUD_EMAIL, "--allow-http"])
                    .copied()
                    .collect::<Vec<_>>(),
                &format!("{CLOUD_TOKEN}\n"),
            )
        };
        let mut integrations = Vec::new();
        for (add, flavor) in [
            (
                &add_server as &dyn Fn() -> Result<String, String>,
                Flavor::Server,
            ),
            (&add_cloud, Flavor::Cloud),
            (&add_server, Flavor::Server),
            (&add_cloud, Flavor::Cloud),
        ] {
            integrations.push(Integration { id: add()?, flavor });
        }
        let tokens = vec![
            cli(&["token", "add", "--org", ORG], "")?,
            cli(&["token", "add", "--org", ORG], "")?,
        ];
        let redis = Redis::start(free_port()?)?;
        let redis_url = format!("redis://127.0.0.1:{}", redis.port);
        let timeout = JIRA_TIMEOUT_SECONDS.to_string();
        let cooldown = BREAKER_COOLDOWN_SECONDS.to_string();
        let (service, addr) = bins.service_logged(
            &database_url,
            &[
                ("REDIS_URL", redis_url.as_str()),
                ("JIRA_TIMEOUT_SECONDS", timeout.as_str()),
                ("JIRA_BREAKER_COOLDOWN_SECONDS", cooldown.as_str()),
            ],
            Some(warnings),
        )?;
        Ok(Self {
            service,
            addr,
            database_url,
            bins,
            redis,
            sims: vec![server, cloud],
            integrations,
            tokens,
            _dir: dir,
        })
    }

    /// The simulator of a flavour.
    pub fn sim(&self, flavor: Flavor) -> &Sim {
        &self.sims[usize::from(flavor == Flavor::Cloud)]
    }
}

impl Sim {
    async fn start(bins: &Bins, flavor: Flavor, auth: &[&str]) -> Result<Self, String> {
        let name = if flavor == Flavor::Server {
            "server"
        } else {
            "cloud"
        };
        let mut args = vec!["--flavor", name, "--users", "300", "--projects", "30"];
        args.extend_from_slice(&["--issues-per-project", "10"]);
        args.extend_from_slice(auth);
        let (proc, url) = bins.sim(&args)?;
        let addr: SocketAddr = url
            .trim_start_matches("http://")
            .parse()
            .map_err(|e| format!("jira-sim URL {url}: {e}"))?;
        let data = crate::load::call(addr, "GET", "/_sim/data").await?;
        let data: Value =
            serde_json::from_slice(&data.body).map_err(|e| format!("jira-sim /_sim/data: {e}"))?;
        let strings = |list: &str, f: &dyn Fn(&Value) -> Option<String>| -> Vec<String> {
            let mut v: Vec<String> = data[list]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(f)
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let text = |v: &Value, k: &str| v[k].as_str().map(str::to_owned);
        let letters = |s: String| -> Option<String> {
            (s.len() >= 3 && s.chars().all(|c| c.is_ascii_alphabetic())).then_some(s)
        };
        let sim = Self {
            _proc: proc,
            addr,
            url,
            user_prefixes: strings("users", &|u| {
                text(u, "display_name").and_then(|n| letters(n.chars().take(3).collect()))
            }),
            project_ids: strings("projects", &|p| text(p, "id")),
            project_words: strings("projects", &|p| {
                text(p, "name").and_then(|n| letters(n.split(' ').next()?.to_owned()))
            }),
            issue_keys: strings("issues", &|i| text(i, "key")),
            issue_words: data["issues"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["summary"].as_str())
                .flat_map(|s| s.split(' ').map(str::to_owned).collect::<Vec<_>>())
                .filter_map(letters)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
            suggestions: data["suggestions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| {
                    let prefix = letters(text(s, "display_name")?.chars().take(3).collect())?;
                    Some((text(s, "field")?, prefix))
                })
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
        };
        for (what, empty) in [
            ("users", sim.user_prefixes.is_empty()),
            (
                "projects",
                sim.project_ids.is_empty() || sim.project_words.is_empty(),
            ),
            (
                "issues",
                sim.issue_keys.is_empty() || sim.issue_words.is_empty(),
            ),
            ("suggestions", sim.suggestions.is_empty()),
        ] {
            if empty {
                return Err(format!("jira-sim ({name}) has no usable {what}"));
            }
        }
        Ok(sim)
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

fn wait_for_port(port: u16, within: Duration) -> Result<(), String> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!("redis-server did not listen on port {port}"))
}

/// The service's open descriptors (entries of /proc/PID/fd).
pub fn open_fds(pid: u32) -> u64 {
    std::fs::read_dir(PathBuf::from(format!("/proc/{pid}/fd")))
        .map(|d| d.count() as u64)
        .unwrap_or(0)
}
