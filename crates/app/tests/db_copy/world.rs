//! A deployment holding every kind of row, made as an operator makes one: through the CLI
//! (orgs, an integration of each auth method, caller and admin tokens, signing keys, some
//! revoked, removed or disabled) and the admin API with the consent flows finished over
//! HTTP against jira-sim (an app of each kind, the OAuth 2.0 and OAuth 1.0a integrations
//! they connect, a connection left in flight, an org deleted).

use serde_json::{json, Value};

use crate::common::{get, integration_add, send, CacheKind, Db, Service, CLOUD_EMAIL, CLOUD_TOKEN};
use jira_sim::{Flavor, SimConfig, SimHandle, SimSite};

pub const SERVER_PAT: &str = "server-pat-s3cret";
pub const CONSUMER: &str = "jira-search-test";
pub const OAUTH1_TOKEN: &str = "oauth1-access-t0ken";
pub const CONNECT_SECRET: &str = "connect-shared-s3cret";
pub const CLIENT_DC: (&str, &str) = ("app-dc-client", "app-dc-s3cret");
pub const CLIENT_3LO: (&str, &str) = ("app-3lo-client", "app-3lo-s3cret");
pub const REFRESH_TOKEN: &str = "refresh-t0ken-0";
pub const PRIVATE_PEM: &str = include_str!("../fixtures/oauth1-test-private.pem");
pub const PUBLIC_PEM: &str = include_str!("../fixtures/oauth1-test-public.pem");
const RETURN_URL: &str = "https://product.example.com/settings";

/// One integration to search through: its org, route and id, and whether its credentials
/// rotate (an OAuth 2.0 refresh token, used once: only one copy may search through it).
#[derive(Debug, Clone)]
pub struct Made {
    pub org: String,
    pub route: &'static str,
    pub id: String,
    pub rotates: bool,
}

/// The simulators, the deployment's database and what it holds.
pub struct World {
    pub db: Db,
    pub key: Option<String>,
    pub server: SimHandle,
    pub cloud: SimHandle,
    /// Integrations that answer searches, with a caller token of their org.
    pub made: Vec<(Made, String)>,
    /// A revoked caller token of `acme`.
    pub revoked: String,
}

async fn sims() -> (SimHandle, SimHandle) {
    let server = jira_sim::start(SimConfig {
        flavor: Flavor::Server,
        accept_tokens: vec![SERVER_PAT.into()],
        oauth1_consumers: vec![(CONSUMER.into(), PUBLIC_PEM.into())],
        oauth1_tokens: vec![OAUTH1_TOKEN.into()],
        oauth2_clients: vec![(CLIENT_DC.0.into(), CLIENT_DC.1.into(), REFRESH_TOKEN.into())],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let cloud = jira_sim::start(SimConfig {
        flavor: Flavor::Cloud,
        accept_basic: vec![(CLOUD_EMAIL.into(), CLOUD_TOKEN.into())],
        connect_apps: vec![("jira-search".into(), CONNECT_SECRET.into())],
        oauth2_clients: vec![(CLIENT_3LO.0.into(), CLIENT_3LO.1.into(), String::new())],
        cloud_sites: vec![SimSite::new("cloud-id-acme", "acme")],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    (server, cloud)
}

/// The environment every command and service of the world runs with.
pub fn env(key: &Option<String>, cloud: &SimHandle) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("ATLASSIAN_AUTH_URL", cloud.base_url()),
        ("ATLASSIAN_API_URL", cloud.base_url()),
    ];
    if let Some(k) = key {
        env.push(("SECRET_KEY", k.clone()));
    }
    env
}

pub fn pairs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Runs the CLI on `db` with the world's environment; its trimmed stdout.
pub fn cli(db: &Db, env: &[(&'static str, String)], args: &[&str], stdin: &str) -> String {
    let out = db.cli_env(args, stdin, &pairs(env));
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

impl World {
    /// Builds the deployment on a SQLite file; sealed with `key` when given.
    pub async fn new(key: Option<String>) -> Self {
        let db = Db::new();
        let (server, cloud) = sims().await;
        let env = env(&key, &cloud);
        let run = |args: &[&str], stdin: &str| cli(&db, &env, args, stdin);
        let (s, c) = (server.base_url(), cloud.base_url());
        // `doomed`, the newest org, is deleted at the end: the largest org id is a gap.
        for org in ["acme", "umbrella", "dc", "link", "doomed"] {
            run(&["org", "add", org], "");
        }
        let key_file = db.dir.path().join("private.pem");
        std::fs::write(&key_file, PRIVATE_PEM).unwrap();
        let token_url = format!("{s}/rest/oauth2/latest/token");
        let oauth1 = [
            "oauth1",
            "--consumer-key",
            CONSUMER,
            "--private-key-file",
            key_file.to_str().unwrap(),
        ];
        let oauth2 = [
            "oauth2",
            "--client-id",
            CLIENT_DC.0,
            "--token-url",
            &token_url,
        ];
        let plans: [(&str, &str, &[&str], String); 5] = [
            ("jira_server", &s, &["pat"], SERVER_PAT.into()),
            (
                "jira",
                &c,
                &["basic", "--user", CLOUD_EMAIL],
                CLOUD_TOKEN.into(),
            ),
            (
                "jira_server",
                &s,
                &oauth1,
                format!("{OAUTH1_TOKEN}:token-secret"),
            ),
            (
                "jira_server",
                &s,
                &oauth2,
                format!("{}:{REFRESH_TOKEN}", CLIENT_DC.1),
            ),
            ("jira", &c, &["connect-jwt"], CONNECT_SECRET.into()),
        ];
        let mut made = Vec::new();
        for (provider, base, auth, secret) in plans {
            let id = add(&run, "acme", provider, base, auth, &secret);
            let made_one = Made {
                org: "acme".into(),
                route: route_of(provider),
                id,
                rotates: auth[0] == "oauth2",
            };
            made.push((made_one, String::new()));
        }
        let disabled = add(&run, "umbrella", "jira_server", &s, &["pat"], SERVER_PAT);
        run(&["integration", "disable", &disabled], "");
        let revoked = run(&["token", "add", "--org", "acme", "--name", "old"], "");
        run(&["token", "revoke", &revoked[..12]], "");
        let old_admin = run(&["token", "add", "--admin", "--name", "old"], "");
        run(&["token", "revoke", &old_admin], "");
        let admin = run(&["token", "add", "--admin", "--name", "backend"], "");
        for (org, name) in [("acme", "web"), ("acme", "old"), ("umbrella", "app")] {
            let out = run(&["signing-key", "add", "--org", org, "--name", name], "");
            if name == "old" {
                run(&["signing-key", "revoke", out.lines().next().unwrap()], "");
            }
        }
        let mut world = Self {
            db,
            key,
            server,
            cloud,
            made,
            revoked,
        };
        world.connect_through_apps(&admin).await;
        let env = self::env(&world.key, &world.cloud);
        let run = |args: &[&str], stdin: &str| cli(&world.db, &env, args, stdin);
        // The newest integration is removed: the largest integration id is a gap.
        let removed = add(&run, "umbrella", "jira_server", &s, &["pat"], SERVER_PAT);
        run(&["integration", "remove", &removed], "");
        let mut tokens = std::collections::HashMap::new();
        for (m, token) in &mut world.made {
            let t = tokens
                .entry(m.org.clone())
                .or_insert_with(|| run(&["token", "add", "--org", &m.org], ""));
            *token = t.clone();
        }
        world
    }

    /// The service on the world's database with connections on: apps of each kind, their
    /// consents finished over HTTP, one connection left in flight, org `doomed` deleted.
    async fn connect_through_apps(&mut self, admin: &str) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let public = format!("http://127.0.0.1:{port}");
        let mut env = env(&self.key, &self.cloud);
        env.extend([
            ("LISTEN_ADDR", format!("127.0.0.1:{port}")),
            ("PUBLIC_URL", public),
            ("CONNECT_RETURN_URLS", RETURN_URL.to_owned()),
        ]);
        let svc = Service::start(&self.db, CacheKind::Memory, &pairs(&env));
        let api = |method: &'static str, path: String, body: Value| {
            let url = svc.url(&path);
            let bearer = format!("Bearer {admin}");
            async move {
                let headers = [
                    ("authorization", bearer.as_str()),
                    ("content-type", "application/json"),
                ];
                let a = send(method, &url, &headers, body.to_string().into_bytes()).await;
                let json = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
                (a.status, json)
            }
        };
        let s = self.server.base_url();
        let apps = [
            (
                "acme",
                "jira",
                json!({"kind": "atlassian-3lo", "client_id": CLIENT_3LO.0, "client_secret": CLIENT_3LO.1}),
            ),
            (
                "dc",
                "jira-server",
                json!({"kind": "dc-oauth2", "base_url": s, "client_id": CLIENT_DC.0, "client_secret": CLIENT_DC.1}),
            ),
            (
                "link",
                "jira-server",
                json!({"kind": "server-oauth1", "base_url": s, "consumer_key": CONSUMER, "private_key": PRIVATE_PEM}),
            ),
        ];
        for (org, route, body) in apps {
            let kind = body["kind"].as_str().unwrap().to_owned();
            let (status, app) = api("POST", "/api/v1/apps".into(), body).await;
            assert_eq!(status, 201, "{app}");
            let connect = json!({"app": app["id"], "return_url": RETURN_URL});
            let path = format!("/api/v1/orgs/{org}/connections");
            let (status, started) = api("POST", path.clone(), connect.clone()).await;
            assert_eq!(status, 201, "{started}");
            let id = consent(started["authorize_url"].as_str().unwrap()).await;
            let made_one = Made {
                org: org.into(),
                route,
                id,
                rotates: kind != "server-oauth1",
            };
            self.made.push((made_one, String::new()));
            if org == "acme" {
                // Left in flight: a pending connection to copy.
                let (status, _) = api("POST", path, connect).await;
                assert_eq!(status, 201);
            }
        }
        let (status, body) = api("DELETE", "/api/v1/orgs/doomed".into(), Value::Null).await;
        assert_eq!(status, 204, "{body}");
        svc.terminate();
    }
}

/// `integration add` of `auth` (its flags) through the CLI, the secret on stdin; the id.
fn add(
    run: &impl Fn(&[&str], &str) -> String,
    org: &str,
    provider: &str,
    base_url: &str,
    auth: &[&str],
    secret: &str,
) -> String {
    let mut args = integration_add(org, provider, base_url, auth);
    args.push("--allow-http");
    run(&args, &format!("{secret}\n"))
}

/// The search route of a provider.
fn route_of(provider: &str) -> &'static str {
    if provider == "jira" {
        "jira"
    } else {
        "jira-server"
    }
}

/// Allows a consent over HTTP, as the browser's form does, then follows the redirect to
/// the service's callback; the integration id it connected.
async fn consent(authorize_url: &str) -> String {
    let url = url::Url::parse(authorize_url).unwrap();
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.extend_pairs(url.query_pairs());
    form.extend_pairs([("login", "alice"), ("decision", "allow")]);
    let action = format!("{}{}", &url[..url::Position::BeforePath], url.path());
    let headers = [("content-type", "application/x-www-form-urlencoded")];
    let a = send("POST", &action, &headers, form.finish().into_bytes()).await;
    assert_eq!(a.status, 302, "{}", a.text());
    let callback = a.headers["location"].to_str().unwrap().to_owned();
    let back = get(&callback, None).await;
    assert_eq!(back.status, 303, "{callback}: {}", back.text());
    let landed = url::Url::parse(back.headers["location"].to_str().unwrap()).unwrap();
    let param = |k: &str| {
        landed
            .query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("status").as_deref(), Some("connected"), "{landed}");
    param("integration_id").unwrap()
}

/// A user search through `m` with `token` on `svc`: the status and the answer.
pub async fn search(svc: &Service, sim: &SimHandle, m: &Made, token: &str) -> (u16, Value) {
    let name = sim.users()[0].display_name.clone();
    let query: String = name.chars().take(3).collect();
    let url = svc.url(&format!(
        "/extensions/{}/search/{}/{}/?field=assignee&query={}",
        m.route,
        m.org,
        m.id,
        url::form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
    ));
    let a = get(&url, Some(token)).await;
    (
        a.status,
        serde_json::from_slice(&a.body).unwrap_or(Value::Null),
    )
}
