//! What the scenarios run against: three jira-sims, a database with one org, one token and an
//! integration per jira-sim, and jira-search services with either cache adapter.

use std::net::SocketAddr;

use crate::load::{self, PathFn, Target};
use crate::measure::{path_fn, Watched};
use crate::procs::{Bins, Proc};
use crate::results::{CacheKind, JiraLatency};

/// The personal access token every jira-sim accepts.
const PAT: &str = "bench-pat-not-a-secret";

/// Users on every jira-sim.
const USERS: &str = "500";

/// Projects on the small jira-sim.
const FEW_PROJECTS: &str = "20";

/// Projects on the two large jira-sims (the cold searches need this many).
pub const MANY_PROJECTS: usize = 10_000;

/// The latency of the fast jira-sims.
pub const FAST_JIRA: JiraLatency = JiraLatency { ms: 0 };

/// The latency of the slow jira-sim.
pub const SLOW_JIRA: JiraLatency = JiraLatency { ms: 20 };

/// The org every integration belongs to.
const ORG: &str = "acme";

/// One project of jira-sim's data set.
pub struct SimProject {
    /// Its numeric id.
    pub id: String,
    /// Its key.
    pub key: String,
}

/// A running jira-sim (Jira Server flavour) and the integration that points at it.
pub struct Sim {
    proc: Proc,
    addr: SocketAddr,
    url: String,
    /// How long it waits before it answers.
    pub latency: JiraLatency,
    /// The id of its integration in the database, set once the integration is added.
    pub integration: String,
}

impl Sim {
    fn start(bins: &Bins, latency: JiraLatency, data: &[&str]) -> Result<Self, String> {
        let latency_ms = latency.ms.to_string();
        let mut args = vec!["--flavor", "server", "--accept-token", PAT];
        args.extend_from_slice(data);
        if latency.ms > 0 {
            args.extend_from_slice(&["--latency-ms", &latency_ms]);
        }
        let (proc, url) = bins.sim(&args)?;
        let addr = url
            .trim_start_matches("http://")
            .parse()
            .map_err(|e| format!("jira-sim URL {url}: {e}"))?;
        Ok(Self {
            proc,
            addr,
            url,
            latency,
            integration: String::new(),
        })
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// Requests straight to it, with its token.
    pub fn target(&self, path: PathFn) -> Target {
        Target {
            addr: self.addr,
            auth: Some(format!("Bearer {PAT}")),
            path,
        }
    }

    /// Its projects, from its control route.
    pub async fn projects(&self) -> Result<Vec<SimProject>, String> {
        let answer = load::call(self.addr, "GET", "/_sim/data").await?;
        let v: serde_json::Value =
            serde_json::from_slice(&answer.body).map_err(|e| e.to_string())?;
        let field =
            |p: &serde_json::Value, name: &str| p[name].as_str().unwrap_or_default().to_owned();
        Ok(v["projects"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| SimProject {
                        id: field(p, "id"),
                        key: field(p, "key"),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Paths of the Jira calls it received since the last [`Sim::clear`].
    pub async fn received(&self) -> Result<Vec<String>, String> {
        let answer = load::call(self.addr, "GET", "/_sim/requests").await?;
        let v: serde_json::Value =
            serde_json::from_slice(&answer.body).map_err(|e| e.to_string())?;
        Ok(v.as_array()
            .map(|rs| {
                rs.iter()
                    .map(|r| r["path"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Forgets the Jira calls it received.
    pub async fn clear(&self) -> Result<(), String> {
        load::call(self.addr, "DELETE", "/_sim/requests")
            .await
            .map(|_| ())
    }
}

/// A running jira-search.
pub struct Service {
    /// Its cache adapter.
    pub cache: CacheKind,
    proc: Proc,
    addr: SocketAddr,
}

impl Service {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// The processes a run through it loads: itself and `sim`.
    pub fn watched_with(&self, sim: &Sim) -> Watched {
        Watched {
            service: Some(self.pid()),
            sim: sim.pid(),
        }
    }

    /// Searches with the caller `token`.
    pub fn search(&self, token: &str, path: PathFn) -> Target {
        Target {
            addr: self.addr,
            auth: Some(format!("Bearer {token}")),
            path,
        }
    }

    /// `/healthz`: bare hyper, no work.
    pub fn healthz(&self) -> Target {
        Target {
            addr: self.addr,
            auth: None,
            path: path_fn(|_| "/healthz".to_owned()),
        }
    }
}

/// The path of a user search (assignee field) of the org's integration `integration`.
pub fn search_path(integration: &str, query: &str) -> String {
    format!("/extensions/jira-server/search/{ORG}/{integration}/?field=assignee&query={query}")
}

/// Everything the scenarios share.
pub struct World {
    bins: Bins,
    _dir: tempfile::TempDir,
    db: String,
    /// The caller token of the org.
    pub token: String,
    /// A few projects, answers at once.
    pub fast: Sim,
    /// [`MANY_PROJECTS`] projects, answers after [`SLOW_JIRA`].
    pub slow: Sim,
    /// [`MANY_PROJECTS`] projects, answers at once.
    pub big: Sim,
    redis_url: String,
    /// Unique to this run: keeps its Redis keys and queries apart from earlier runs'.
    pub run_tag: String,
}

impl World {
    /// Starts the jira-sims and fills a fresh database; `redis_url` is for the Redis adapter.
    pub fn start(bins: &Bins, redis_url: String) -> Result<Self, String> {
        let run_tag = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
            .to_string();
        eprintln!("bench: starting jira-sim x3");
        let many = MANY_PROJECTS.to_string();
        let many_projects = [
            "--users",
            USERS,
            "--projects",
            &many,
            "--issues-per-project",
            "0",
        ];
        let mut fast = Sim::start(
            bins,
            FAST_JIRA,
            &["--users", USERS, "--projects", FEW_PROJECTS],
        )?;
        let mut big = Sim::start(bins, FAST_JIRA, &many_projects)?;
        let mut slow = Sim::start(bins, SLOW_JIRA, &many_projects)?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let db = format!("sqlite://{}", dir.path().join("bench.db").display());
        bins.cli(&db, &["org", "add", ORG], "")?;
        for sim in [&mut fast, &mut slow, &mut big] {
            sim.integration = add_integration(bins, &db, &sim.url)?;
        }
        let token = bins.cli(&db, &["token", "add", "--org", ORG], "")?;
        Ok(Self {
            bins: bins.clone(),
            _dir: dir,
            db,
            token,
            fast,
            slow,
            big,
            redis_url,
            run_tag,
        })
    }

    /// Starts a jira-search with `cache`.
    pub fn service(&self, cache: CacheKind) -> Result<Service, String> {
        let prefix = format!("jira-search-bench:{}:{}:", self.run_tag, cache.label());
        let env: Vec<(&str, &str)> = match cache {
            CacheKind::InProcess => vec![],
            CacheKind::Redis => vec![
                ("REDIS_URL", self.redis_url.as_str()),
                ("REDIS_KEY_PREFIX", prefix.as_str()),
            ],
        };
        let (proc, addr) = self.bins.service(&self.db, &env)?;
        Ok(Service { cache, proc, addr })
    }

    /// One jira-search per adapter, in [`CacheKind::ALL`]'s order.
    pub fn services(&self) -> Result<Vec<Service>, String> {
        CacheKind::ALL.iter().map(|&c| self.service(c)).collect()
    }
}

/// Adds a Jira Server integration with the PAT; returns its id.
fn add_integration(bins: &Bins, db: &str, base_url: &str) -> Result<String, String> {
    bins.cli(
        db,
        &[
            "integration",
            "add",
            "--org",
            ORG,
            "--provider",
            "jira_server",
            "--base-url",
            base_url,
            "--auth",
            "pat",
        ],
        &format!("{PAT}\n"),
    )
}
