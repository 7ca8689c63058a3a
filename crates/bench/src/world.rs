//! What the scenarios run against: four jira-sims (three Jira Server, one Jira Cloud), a
//! database with one org, one token and an integration per jira-sim, and jira-search services
//! with either cache adapter.

use std::net::SocketAddr;

use crate::load::{self, PathFn, Target};
use crate::measure::{path_fn, Watched};
use crate::procs::{Bins, Proc};
use crate::results::{CacheKind, JiraLatency};

/// The personal access token every Jira Server jira-sim accepts.
const PAT: &str = "bench-pat-not-a-secret";

/// The account of the Jira Cloud jira-sim (Basic authentication with an API token).
const CLOUD_EMAIL: &str = "bench@example.com";

/// The API token of [`CLOUD_EMAIL`].
const CLOUD_TOKEN: &str = "bench-api-token-not-a-secret";

/// Users on every jira-sim.
const USERS: &str = "500";

/// Projects on the small jira-sim.
const FEW_PROJECTS: &str = "20";

/// Projects on the large jira-sims (the cold searches need this many).
pub const MANY_PROJECTS: usize = 10_000;

/// The latency of the fast jira-sims.
pub const FAST_JIRA: JiraLatency = JiraLatency { ms: 0 };

/// The latency of the slow jira-sims (Server and Cloud).
pub const SLOW_JIRA: JiraLatency = JiraLatency { ms: 20 };

/// The query of the cache hits: it matches many users, a realistic answer to cache.
pub const HIT_QUERY: &str = "a";

/// The org every integration belongs to.
const ORG: &str = "acme";

/// One project of jira-sim's data set.
pub struct SimProject {
    /// Its numeric id.
    pub id: String,
    /// Its key.
    pub key: String,
}

/// Which Jira a jira-sim plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Jira Server / Data Center: a personal access token, provider `jira_server`.
    Server,
    /// Jira Cloud: an e-mail and API token (Basic), provider `jira`.
    Cloud,
}

impl Flavor {
    /// jira-sim's `--flavor` value.
    fn name(self) -> &'static str {
        match self {
            Flavor::Server => "server",
            Flavor::Cloud => "cloud",
        }
    }

    /// The jira-sim arguments of the credential it accepts.
    fn accept(self) -> [&'static str; 2] {
        match self {
            Flavor::Server => ["--accept-token", PAT],
            Flavor::Cloud => ["--accept-basic", CLOUD_BASIC],
        }
    }

    /// The `Authorization` value of a request sent straight to it.
    fn authorization(self) -> String {
        match self {
            Flavor::Server => format!("Bearer {PAT}"),
            Flavor::Cloud => format!("Basic {}", base64(CLOUD_BASIC.as_bytes())),
        }
    }
}

/// `CLOUD_EMAIL:CLOUD_TOKEN`, as jira-sim's `--accept-basic` takes it.
const CLOUD_BASIC: &str = "bench@example.com:bench-api-token-not-a-secret";

/// A running jira-sim and the integration that points at it.
pub struct Sim {
    proc: Proc,
    addr: SocketAddr,
    url: String,
    /// Which Jira it plays.
    pub flavor: Flavor,
    /// How long it waits before it answers.
    pub latency: JiraLatency,
    /// The id of its integration in the database, set once the integration is added.
    pub integration: String,
}

impl Sim {
    /// Starts a jira-sim of `flavor` that answers after `latency`, with the data set `data`.
    pub fn start(
        bins: &Bins,
        flavor: Flavor,
        latency: JiraLatency,
        data: &[&str],
    ) -> Result<Self, String> {
        let latency_ms = latency.ms.to_string();
        let mut args = vec!["--flavor", flavor.name()];
        args.extend_from_slice(&flavor.accept());
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
            flavor,
            latency,
            integration: String::new(),
        })
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// Requests straight to it, with its credentials.
    pub fn target(&self, path: PathFn) -> Target {
        Target {
            addr: self.addr,
            auth: Some(self.flavor.authorization()),
            path,
        }
    }

    /// The path of a user search (assignee field) through the service, on its integration.
    pub fn search_path(&self, query: &str) -> String {
        let provider = match self.flavor {
            Flavor::Server => "jira-server",
            Flavor::Cloud => "jira",
        };
        format!(
            "/extensions/{provider}/search/{ORG}/{}/?field=assignee&query={query}",
            self.integration
        )
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

/// The path of a user search (assignee field) of the org's Jira Server integration
/// `integration`.
pub fn search_path(integration: &str, query: &str) -> String {
    format!("/extensions/jira-server/search/{ORG}/{integration}/?field=assignee&query={query}")
}

/// A fresh database (SQLite unless made by [`Db::on`]) with the org and its caller token.
pub struct Db {
    _dir: Option<tempfile::TempDir>,
    /// Its `DATABASE_URL`.
    pub url: String,
    /// The caller token of the org.
    pub token: String,
}

impl Db {
    /// Creates it with the `jira-search` CLI.
    pub fn create(bins: &Bins) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let mut db = Self::on(bins, url)?;
        db._dir = Some(dir);
        Ok(db)
    }

    /// Fills the empty database `url` names (any store) with the org and its caller token.
    pub fn on(bins: &Bins, url: String) -> Result<Self, String> {
        bins.cli(&url, &["org", "add", ORG], "")?;
        let token = bins.cli(&url, &["token", "add", "--org", ORG], "")?;
        Ok(Self {
            _dir: None,
            url,
            token,
        })
    }

    /// Adds an integration pointing at `sim` and records its id there.
    pub fn add_integration(&self, bins: &Bins, sim: &mut Sim) -> Result<(), String> {
        sim.integration = self.integration_for(bins, sim)?;
        Ok(())
    }

    /// Adds an integration pointing at `sim`; returns its id (`sim` keeps its own).
    pub fn integration_for(&self, bins: &Bins, sim: &Sim) -> Result<String, String> {
        add_integration(bins, &self.url, sim)
    }
}

/// Starts the small jira-sim that answers at once (the cache hits' Jira).
pub fn fast_sim(bins: &Bins) -> Result<Sim, String> {
    Sim::start(
        bins,
        Flavor::Server,
        FAST_JIRA,
        &["--users", USERS, "--projects", FEW_PROJECTS],
    )
}

/// Everything the scenarios share.
pub struct World {
    bins: Bins,
    /// The database every service reads.
    pub db: Db,
    /// The caller token of the org.
    pub token: String,
    /// A few projects, answers at once.
    pub fast: Sim,
    /// [`MANY_PROJECTS`] projects, answers after [`SLOW_JIRA`].
    pub slow: Sim,
    /// [`MANY_PROJECTS`] projects, answers at once.
    pub big: Sim,
    /// Jira Cloud, [`MANY_PROJECTS`] projects, answers after [`SLOW_JIRA`].
    pub cloud: Sim,
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
        eprintln!("bench: starting jira-sim x4");
        let many = MANY_PROJECTS.to_string();
        let many_projects = [
            "--users",
            USERS,
            "--projects",
            &many,
            "--issues-per-project",
            "0",
        ];
        let mut fast = fast_sim(bins)?;
        let mut big = Sim::start(bins, Flavor::Server, FAST_JIRA, &many_projects)?;
        let mut slow = Sim::start(bins, Flavor::Server, SLOW_JIRA, &many_projects)?;
        let mut cloud = Sim::start(bins, Flavor::Cloud, SLOW_JIRA, &many_projects)?;
        let db = Db::create(bins)?;
        for sim in [&mut fast, &mut slow, &mut big, &mut cloud] {
            db.add_integration(bins, sim)?;
        }
        Ok(Self {
            bins: bins.clone(),
            token: db.token.clone(),
            db,
            fast,
            slow,
            big,
            cloud,
            redis_url,
            run_tag,
        })
    }

    /// Starts a jira-search with `cache`.
    pub fn service(&self, cache: CacheKind) -> Result<Service, String> {
        self.service_on(cache, &self.db.url)
    }

    /// Starts a jira-search with `cache` on the database `database_url` names.
    pub fn service_on(&self, cache: CacheKind, database_url: &str) -> Result<Service, String> {
        let prefix = format!("jira-search-bench:{}:{}:", self.run_tag, cache.label());
        let env: Vec<(&str, &str)> = match cache {
            CacheKind::InProcess => vec![],
            CacheKind::Redis => vec![
                ("REDIS_URL", self.redis_url.as_str()),
                ("REDIS_KEY_PREFIX", prefix.as_str()),
            ],
        };
        let (proc, addr) = self.bins.service(database_url, &env)?;
        Ok(Service { cache, proc, addr })
    }

    /// One jira-search per adapter, in [`CacheKind::ALL`]'s order.
    pub fn services(&self) -> Result<Vec<Service>, String> {
        CacheKind::ALL.iter().map(|&c| self.service(c)).collect()
    }
}

/// Adds an integration pointing at `sim` with its credentials (Server: the PAT; Cloud: the
/// e-mail and API token); returns its id.
fn add_integration(bins: &Bins, db: &str, sim: &Sim) -> Result<String, String> {
    let mut args = vec!["integration", "add", "--org", ORG, "--base-url", &sim.url];
    let secret = match sim.flavor {
        Flavor::Server => {
            args.extend_from_slice(&["--provider", "jira_server", "--auth", "pat"]);
            PAT
        }
        Flavor::Cloud => {
            args.extend_from_slice(&["--provider", "jira", "--auth", "basic"]);
            args.extend_from_slice(&["--user", CLOUD_EMAIL]);
            CLOUD_TOKEN
        }
    };
    bins.cli(db, &args, &format!("{secret}\n"))
}

/// Standard base64 with padding (RFC 4648), for a Basic credential.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_as_rfc_4648_says() {
        // RFC 4648, section 10, and RFC 7617's example credential.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
    }

    #[test]
    fn the_cloud_credential_is_the_email_and_token() {
        assert_eq!(CLOUD_BASIC, format!("{CLOUD_EMAIL}:{CLOUD_TOKEN}"));
        assert_eq!(
            Flavor::Cloud.authorization(),
            format!("Basic {}", base64(CLOUD_BASIC.as_bytes()))
        );
    }
}
