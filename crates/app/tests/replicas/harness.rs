//! Three `jira-search serve` processes on one PostgreSQL database and one Redis, as a
//! deployment of replicas runs them, with jira-sim as their Jira and a client that spreads
//! requests over them.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use jira_sim::{Flavor, SimHandle};

use crate::common::{redis_url, sim, unique_prefix, CacheKind, Db, Service, SERVER_PAT};

/// How soon a change committed anywhere reaches every replica (docs/operations.md,
/// "Running several replicas"): what the tests hold the replicas to.
pub const PROPAGATION_BOUND: Duration = Duration::from_secs(1);

/// The replicas, their database, their Jira and the tenant they serve.
pub struct Replicas {
    pub db: Db,
    pub sim: SimHandle,
    pub services: Vec<Option<Service>>,
    pub env: Vec<(String, String)>,
    pub admin: String,
    pub token: String,
    pub integration: String,
}

impl Replicas {
    /// `n` replicas on a fresh PostgreSQL database and a shared Redis prefix, org `acme` with
    /// a Jira Server integration on jira-sim, a caller token and an admin token.
    pub async fn start(n: usize) -> Self {
        let db = Db::postgres().await;
        let sim = sim(Flavor::Server).await;
        db.ok(&["org", "add", "acme"], "");
        let integration =
            db.add_integration("acme", "jira_server", &sim.base_url(), &["pat"], SERVER_PAT);
        let token = db.ok(&["token", "add", "--org", "acme"], "");
        let admin = db.ok(&["token", "add", "--admin", "--name", "backend"], "");
        let env = vec![
            ("REDIS_URL".to_owned(), redis_url()),
            ("REDIS_KEY_PREFIX".to_owned(), unique_prefix()),
            ("PUBLIC_URL".to_owned(), String::new()),
            ("SHUTDOWN_GRACE_SECONDS".to_owned(), "10".to_owned()),
        ];
        let mut replicas = Self {
            db,
            sim,
            services: Vec::new(),
            env,
            admin,
            token,
            integration,
        };
        for _ in 0..n {
            let service = replicas.spawn();
            replicas.services.push(Some(service));
        }
        replicas
    }

    /// A new `serve` process with the replicas' settings.
    pub fn spawn(&self) -> Service {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Service::start(&self.db, CacheKind::Redis, &env)
    }

    /// The base URL of replica `i` (which must be running).
    pub fn url(&self, i: usize, path: &str) -> String {
        self.services[i]
            .as_ref()
            .expect("a running replica")
            .url(path)
    }

    /// The user search of the org's integration, on replica `i`.
    pub fn search_url(&self, i: usize, query: &str) -> String {
        self.url(
            i,
            &format!(
                "/extensions/jira-server/search/acme/{}/?field=assignee&query={query}",
                self.integration
            ),
        )
    }

    /// A name a user of jira-sim has, to search for.
    pub fn some_user_query(&self) -> String {
        let user = self.sim.users().into_iter().find(|u| u.active).unwrap();
        user.display_name.chars().take(3).collect()
    }

    /// Waits until `check(i)` holds on every running replica, at most `bound` (plus a margin
    /// for a loaded machine, reported apart); the time it took.
    pub async fn until_every_replica<F, Fut>(&self, bound: Duration, mut check: F) -> Duration
    where
        F: FnMut(usize) -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let start = Instant::now();
        let running: Vec<usize> = (0..self.services.len())
            .filter(|i| self.services[*i].is_some())
            .collect();
        let mut pending = running.clone();
        while !pending.is_empty() {
            let mut still = Vec::new();
            for i in pending {
                if !check(i).await {
                    still.push(i);
                }
            }
            pending = still;
            assert!(
                start.elapsed() <= bound,
                "replicas {pending:?} still answered the old way after {:?} (bound {bound:?})",
                start.elapsed()
            );
            if !pending.is_empty() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        start.elapsed()
    }
}

/// A request's status, or `None` when no connection could be made or it broke before an
/// answer (a replica stopped or killed): what a load balancer sees.
pub async fn try_get(url: &str, token: &str) -> Option<u16> {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build_http();
    let req = hyper::Request::get(url)
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(20), client.request(req))
        .await
        .ok()?
        .ok()?;
    let status = answer.status().as_u16();
    answer.into_body().collect().await.ok()?;
    Some(status)
}
