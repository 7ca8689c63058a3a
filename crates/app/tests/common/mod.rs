//! Black-box harness: the real `jira-search` binary on 127.0.0.1:0 with a real SQLite file,
//! jira-sim in-process, and either cache adapter.

#![allow(dead_code)] // each test binary uses a different part of the harness

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use jira_sim::{Flavor, SimConfig, SimHandle, SimIssue, SimProject, SimSuggestion};

pub const BIN: &str = env!("CARGO_BIN_EXE_jira-search");
pub const SERVER_PAT: &str = "server-pat-s3cret";
pub const CLOUD_EMAIL: &str = "bot@example.com";
pub const CLOUD_TOKEN: &str = "cloud-api-t0ken";

/// Which cache adapter the service runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheKind {
    Memory,
    Redis,
}

pub const CACHES: [CacheKind; 2] = [CacheKind::Memory, CacheKind::Redis];

/// The Redis the tests use: `REDIS_URL` (set by `make test`) or the machine's default.
pub fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A unique key prefix, so tests sharing a Redis never read each other's entries.
pub fn unique_prefix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("jira-search-test:{}:{nanos}:", std::process::id())
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The arguments of `integration add` for `org`: `auth` is `--auth` and its own flags, e.g.
/// `["basic", "--user", "bob"]`.
pub fn integration_add<'a>(
    org: &'a str,
    provider: &'a str,
    base_url: &'a str,
    auth: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "integration",
        "add",
        "--org",
        org,
        "--provider",
        provider,
        "--base-url",
        base_url,
        "--auth",
    ];
    args.extend_from_slice(auth);
    args
}

/// A finished command's exit code (it was not killed by a signal).
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

/// A finished command's standard error, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Fails the test, showing standard error, unless the command exited 0.
pub fn assert_success(out: &Output) {
    assert!(out.status.success(), "{}", stderr(out));
}

/// A temporary database and the CLI pointed at it: a SQLite file, or a PostgreSQL database
/// of its own on `TEST_POSTGRES_URL`'s server (dropped with it).
pub struct Db {
    pub dir: tempfile::TempDir,
    pub url: String,
    pub pg: Option<store_postgres::testing::TestDatabase>,
}

impl Db {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("js.db").display());
        Self { dir, url, pg: None }
    }

    /// A fresh PostgreSQL database (`make test` provides the server; TEST_POSTGRES_URL).
    pub async fn postgres() -> Self {
        let pg = store_postgres::testing::TestDatabase::create().await;
        Self {
            dir: tempfile::tempdir().unwrap(),
            url: pg.url().to_owned(),
            pg: Some(pg),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("js.db")
    }

    /// Runs the CLI with `stdin` piped in.
    pub fn cli(&self, args: &[&str], stdin: &str) -> Output {
        self.cli_env(args, stdin, &[])
    }

    /// Runs the CLI with extra environment variables.
    pub fn cli_env(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        let mut child = Command::new(BIN)
            .args(args)
            .env("DATABASE_URL", &self.url)
            .env_remove("REDIS_URL")
            .env_remove("SECRET_KEY")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A command that fails before reading its input may already have closed the pipe.
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        child.wait_with_output().unwrap()
    }

    /// Runs `serve` expecting it to stop by itself (a start-up failure), within 20 s.
    pub fn serve_once(&self, env: &[(&str, &str)]) -> Output {
        let mut child = Command::new(BIN)
            .arg("serve")
            .env("DATABASE_URL", &self.url)
            .env("LISTEN_ADDR", "127.0.0.1:0")
            .env_remove("REDIS_URL")
            .env_remove("SECRET_KEY")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("serve did not stop by itself");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    }

    /// `integration add` for `org` with the secret on standard input; returns the new id.
    /// `auth` is `--auth` and its own flags, e.g. `["basic", "--user", "bob"]`.
    pub fn add_integration(
        &self,
        org: &str,
        provider: &str,
        base_url: &str,
        auth: &[&str],
        secret: &str,
    ) -> String {
        let mut args = integration_add(org, provider, base_url, auth);
        args.push("--allow-http");
        self.ok(&args, &format!("{secret}\n"))
    }

    /// Runs the CLI expecting a refusal: exit 2 with `message` in standard error, returned.
    pub fn refused(&self, args: &[&str], stdin: &str, message: &str) -> String {
        let out = self.cli(args, stdin);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{args:?}: {err}");
        assert!(
            err.contains(message),
            "{args:?}: expected {message:?} in {err}"
        );
        err
    }

    /// Runs the CLI and returns its trimmed stdout, failing the test on a non-zero exit.
    pub fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.cli(args, stdin);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }
}

/// The running service.
pub struct Service {
    child: Child,
    pub addr: SocketAddr,
    pub stderr: Arc<Mutex<String>>,
}

impl Service {
    /// Starts `jira-search serve` on 127.0.0.1:0 and waits for its "listening" line.
    pub fn start(db: &Db, cache: CacheKind, extra_env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .env("DATABASE_URL", &db.url)
            .env_remove("SECRET_KEY")
            .env("LISTEN_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .env_remove("LOG_FORMAT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        match cache {
            CacheKind::Memory => {
                cmd.env_remove("REDIS_URL");
            }
            CacheKind::Redis => {
                cmd.env("REDIS_URL", redis_url())
                    .env("REDIS_KEY_PREFIX", unique_prefix());
            }
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let log2 = log.clone();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if !sent {
                    if let Some(i) = line.find("listening on http://") {
                        let rest = &line[i + "listening on http://".len()..];
                        let addr: String = rest
                            .chars()
                            .take_while(|c| !c.is_whitespace() && *c != '"')
                            .collect();
                        let _ = tx.send(addr);
                        sent = true;
                    }
                }
                log2.lock().unwrap().push_str(&line);
                log2.lock().unwrap().push('\n');
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(a) => a.parse().unwrap(),
            Err(_) => {
                let _ = child.kill();
                panic!("jira-search did not start: {}", log.lock().unwrap());
            }
        };
        Self {
            child,
            addr,
            stderr: log,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The server's process id (for /proc readings).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn logs(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends SIGTERM (through `kill`, by PID) and waits for the exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "serve did not exit on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer as the caller sees it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request with an optional bearer token.
pub async fn request(method: &str, url: &str, token: Option<&str>) -> Answer {
    match token {
        Some(t) => request_with(method, url, &[("authorization", &format!("Bearer {t}"))]).await,
        None => request_with(method, url, &[]).await,
    }
}

/// Sends one request with the given headers.
pub async fn request_with(method: &str, url: &str, headers: &[(&str, &str)]) -> Answer {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut req = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client
        .request(req.body(Empty::new()).unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

/// Sends one request with the given headers and body.
pub async fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
    let client: Client<_, http_body_util::Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let mut req = hyper::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = client
        .request(
            req.body(http_body_util::Full::new(Bytes::from(body)))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

pub async fn get(url: &str, token: Option<&str>) -> Answer {
    request("GET", url, token).await
}

/// Starts a simulator of each flavour accepting the harness's credentials, holding Sentry's
/// own fixtures: issue HSP-1 "this is a test issue summary" in project HSP (the only issues:
/// generated projects get none), and suggestions for `cf[0123]` (Sprint 1) and `labels`.
pub async fn sim(flavor: Flavor) -> SimHandle {
    jira_sim::start(SimConfig {
        flavor,
        accept_tokens: vec![SERVER_PAT.into()],
        accept_basic: vec![(CLOUD_EMAIL.into(), CLOUD_TOKEN.into())],
        issues_per_project: 0,
        extra_projects: vec![SimProject {
            id: "10900".into(),
            key: "HSP".into(),
            name: "Helpdesk Service Project".into(),
        }],
        extra_issues: vec![
            SimIssue {
                id: "10901".into(),
                key: "HSP-1".into(),
                summary: "this is a test issue summary".into(),
                project_key: "HSP".into(),
            },
            SimIssue {
                id: "10902".into(),
                key: "HSP-2".into(),
                summary: r#"say "hi" to the C:\ drive"#.into(),
                project_key: "HSP".into(),
            },
        ],
        extra_suggestions: vec![
            SimSuggestion {
                field: "cf[0123]".into(),
                value: "1".into(),
                display_name: "Sprint 1 (1)".into(),
            },
            SimSuggestion {
                field: "cf[0123]".into(),
                value: "2".into(),
                display_name: "Backlog".into(),
            },
            SimSuggestion {
                field: "labels".into(),
                value: "R&D".into(),
                display_name: "R&D".into(),
            },
        ],
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

/// A seeded world: org `acme` with a Server (PAT) and a Cloud (Basic) integration, org
/// `umbrella` with its own Server integration, and a token for each org.
pub struct World {
    pub db: Db,
    pub server_sim: SimHandle,
    pub cloud_sim: SimHandle,
    pub server_id: String,
    pub cloud_id: String,
    pub other_id: String,
    pub token: String,
    pub other_token: String,
}

impl World {
    pub async fn new() -> Self {
        let db = Db::new();
        let server_sim = sim(Flavor::Server).await;
        let cloud_sim = sim(Flavor::Cloud).await;
        db.ok(&["org", "add", "acme"], "");
        db.ok(&["org", "add", "umbrella"], "");
        let server_id = db.add_integration(
            "acme",
            "jira_server",
            &server_sim.base_url(),
            &["pat"],
            SERVER_PAT,
        );
        let cloud_id = db.add_integration(
            "acme",
            "jira",
            &cloud_sim.base_url(),
            &["basic", "--user", CLOUD_EMAIL],
            CLOUD_TOKEN,
        );
        let other_id = db.add_integration(
            "umbrella",
            "jira_server",
            &server_sim.base_url(),
            &["pat"],
            SERVER_PAT,
        );
        let token = db.ok(&["token", "add", "--org", "acme"], "");
        let other_token = db.ok(&["token", "add", "--org", "umbrella"], "");
        Self {
            db,
            server_sim,
            cloud_sim,
            server_id,
            cloud_id,
            other_id,
            token,
            other_token,
        }
    }

    pub fn db_path(&self) -> &Path {
        self.db.dir.path()
    }
}
