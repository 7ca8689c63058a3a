//! What the consent-flow tests share: the real binary with connections on (its PUBLIC_URL is
//! its own address), jira-sim playing both authorization servers, a product's return page, an
//! admin token, and a JSON client for the admin API.

use std::net::SocketAddr;

use jira_sim::{Flavor, SimConfig, SimHandle, SimSite};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::common::{Db, Service};

pub const CLIENT_3LO: (&str, &str) = ("app-3lo-client", "app-3lo-secret");
pub const CLIENT_DC: (&str, &str) = ("app-dc-client", "app-dc-secret");
pub const CONSUMER: &str = "jira-search-test";
pub const PRIVATE_PEM: &str = include_str!("../fixtures/oauth1-test-private.pem");
pub const PUBLIC_PEM: &str = include_str!("../fixtures/oauth1-test-public.pem");

/// A free port on the loopback (bound, read, released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The product's settings page: any GET answers a page showing its query.
async fn return_page() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&head);
                let target = line.split(' ').nth(1).unwrap_or("/").to_owned();
                let query = target.split_once('?').map_or("", |(_, q)| q);
                let body = format!(
                    "<!doctype html><title>Product settings</title><h1>Back in the product</h1><p id=\"query\">{}</p>",
                    query.replace('&', " &amp; ").replace('<', "&lt;")
                );
                let _ = stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .await;
            });
        }
    });
    addr
}

/// One world: the service, both simulators, the return page, an admin token and org `acme`
/// with a caller token.
pub struct Flow {
    /// Owns the database directory for the life of the flow.
    pub _db: Db,
    pub service: Service,
    pub cloud: SimHandle,
    pub server: SimHandle,
    pub return_base: String,
    pub admin: String,
    pub caller: String,
}

impl Flow {
    /// Starts everything; the cloud simulator's grant covers `sites`.
    pub async fn start(sites: Vec<SimSite>) -> Self {
        let cloud = jira_sim::start(SimConfig {
            flavor: Flavor::Cloud,
            oauth2_clients: vec![(CLIENT_3LO.0.into(), CLIENT_3LO.1.into(), String::new())],
            cloud_sites: sites,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let server = jira_sim::start(SimConfig {
            flavor: Flavor::Server,
            oauth2_clients: vec![(CLIENT_DC.0.into(), CLIENT_DC.1.into(), String::new())],
            oauth1_consumers: vec![(CONSUMER.into(), PUBLIC_PEM.into())],
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let return_base = format!("http://{}/settings/jira", return_page().await);
        let db = Db::new();
        let port = free_port();
        let public = format!("http://127.0.0.1:{port}");
        let service = Service::start(
            &db,
            crate::common::CacheKind::Memory,
            &[
                ("LISTEN_ADDR", &format!("127.0.0.1:{port}")),
                ("PUBLIC_URL", &public),
                ("CONNECT_RETURN_URLS", &return_base),
                ("ATLASSIAN_AUTH_URL", &cloud.base_url()),
                ("ATLASSIAN_API_URL", &cloud.base_url()),
            ],
        );
        let admin = db.ok(
            &["token", "add", "--admin", "--name", "product backend"],
            "",
        );
        let mut flow = Self {
            _db: db,
            service,
            cloud,
            server,
            return_base,
            admin,
            caller: String::new(),
        };
        let (status, _) = flow
            .api("POST", "/api/v1/orgs", Some(json!({"slug": "acme"})))
            .await;
        assert_eq!(status, 201);
        let (status, token) = flow
            .api(
                "POST",
                "/api/v1/orgs/acme/tokens",
                Some(json!({"name": "picker"})),
            )
            .await;
        assert_eq!(status, 201, "{token}");
        flow.caller = token["token"].as_str().unwrap().to_owned();
        flow
    }

    /// One admin API call with the admin token; the answer's status and JSON (null if none).
    pub async fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let bearer = format!("Bearer {}", self.admin);
        let mut headers = vec![("authorization", bearer.as_str())];
        let bytes = match body {
            Some(b) => {
                headers.push(("content-type", "application/json"));
                b.to_string().into_bytes()
            }
            None => Vec::new(),
        };
        let answer = crate::common::send(method, &self.service.url(path), &headers, bytes).await;
        let json = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        (answer.status, json)
    }

    /// Registers an app; its id.
    pub async fn app(&self, body: Value) -> i64 {
        let (status, app) = self.api("POST", "/api/v1/apps", Some(body)).await;
        assert_eq!(status, 201, "{app}");
        assert_eq!(
            app["redirect_uri"],
            self.service.url("/connect/callback"),
            "the callback to register"
        );
        app["id"].as_i64().unwrap()
    }

    /// Starts a connection of `acme` through `app`; the authorize URL.
    pub async fn connect(&self, app: i64) -> String {
        let (status, started) = self
            .api(
                "POST",
                "/api/v1/orgs/acme/connections",
                Some(json!({"app": app, "return_url": self.return_base})),
            )
            .await;
        assert_eq!(status, 201, "{started}");
        assert!(started["expires_at"].as_str().unwrap().ends_with('Z'));
        started["authorize_url"].as_str().unwrap().to_owned()
    }

    /// The integrations of `acme`.
    pub async fn integrations(&self) -> Vec<Value> {
        let (status, list) = self
            .api("GET", "/api/v1/orgs/acme/integrations", None)
            .await;
        assert_eq!(status, 200);
        list.as_array().unwrap().clone()
    }

    /// Searches users through an integration with the caller token; the answer's status and
    /// body.
    pub async fn search_users(&self, provider: &str, id: &str, sim: &SimHandle) -> (u16, Value) {
        let name = sim.users()[0].display_name.clone();
        let query: String = name.chars().take(3).collect();
        let url = self.service.url(&format!(
            "/extensions/{provider}/search/acme/{id}/?field=assignee&query={}",
            url::form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
        ));
        let answer = crate::common::get(&url, Some(&self.caller)).await;
        (
            answer.status,
            serde_json::from_slice(&answer.body).unwrap_or(Value::Null),
        )
    }
}

/// The query pairs of a URL.
pub fn query(url: &url::Url) -> Vec<(String, String)> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The value of one query parameter.
pub fn param(url: &url::Url, key: &str) -> Option<String> {
    query(url)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// The calls the service made to a simulator since its log was last cleared, as
/// `METHOD path`, leaving out the browser's own visits (the consent pages and its favicon).
pub fn service_calls(sim: &SimHandle) -> Vec<String> {
    sim.requests()
        .into_iter()
        .filter(|r| !r.path.ends_with("/authorize") && r.path != "/favicon.ico")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}
