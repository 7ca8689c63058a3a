//! jira-sim: a faithful Jira Server / Data Center and Jira Cloud simulator.
//!
//! It plays one Jira instance over HTTP (HTTP/1.1 and cleartext HTTP/2) with the behaviours that
//! trip clients up: Server ignores `query` in user searches, Cloud pages project searches and
//! filters assignable users after paging, bad credentials get an HTML 401, and so on
//! (spec/jira-api.md, "What a faithful simulator does"). Tests start it in-process with
//! [`start`]; demos run the `jira-sim` binary and drive it through the `/_sim/` control routes.
//!
//! It deliberately shares no code with the client crates of this workspace: it must not share
//! their assumptions about Jira.
//!
//! Control routes (outside the context path, never authenticated, never recorded):
//! `GET /_sim/requests` (the [`RecordedRequest`] log), `DELETE /_sim/requests`,
//! `POST /_sim/faults` (one [`Fault`] or an array; missing fields take their defaults),
//! `GET /_sim/faults`, `DELETE /_sim/faults`, `GET /_sim/data` (users, projects, issues,
//! suggestions), `GET /_sim/health`, `POST /_sim/oauth2/expire` (expire every issued OAuth 2.0
//! access token) and `GET /_sim/oauth2/stats` (`{"refreshes":N,"reuse_rejections":M}`).
//!
//! Authentication: Basic and static Bearer tokens, OAuth 1.0a RSA-SHA1 (RFC 5849), Atlassian
//! Connect JWT (HS256 with `qsh`) and OAuth 2.0 access tokens issued by the simulator's token
//! endpoint (`POST {context}/rest/oauth2/latest/token` and `POST /oauth/token`, rotating refresh
//! tokens with reuse detection). Any refused credential gets the flavour's 401.
//!
//! Order of work for a Jira request: record it, wait `latency_ms`, apply the first matching
//! fault (faults come before authentication), authenticate, route.

#![forbid(unsafe_code)]

mod auth;
mod data;
mod jira;
mod jql;
mod server;
mod text;

use std::net::SocketAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use data::{DataSet, SimIssue, SimProject, SimSuggestion, SimUser, TEAM_FIELD};
pub use server::{start, SimHandle};

/// Namespace for starting a simulator; [`start`] does the same.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sim;

impl Sim {
    /// Starts a simulator; see [`start`].
    ///
    /// # Errors
    ///
    /// When the listen address cannot be bound.
    pub async fn start(cfg: SimConfig) -> std::io::Result<SimHandle> {
        start(cfg).await
    }
}

/// Which Jira the simulator plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    /// Jira Server / Data Center (`/rest/api/2`, usernames, unpaginated project list).
    Server,
    /// Jira Cloud (`/rest/api/2|3`, account ids, paged project search).
    Cloud,
}

impl FromStr for Flavor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "server" | "datacenter" | "data-center" => Ok(Flavor::Server),
            "cloud" => Ok(Flavor::Cloud),
            other => Err(format!(
                "unknown flavor '{other}' (expected 'server' or 'cloud')"
            )),
        }
    }
}

impl std::fmt::Display for Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Flavor::Server => "server",
            Flavor::Cloud => "cloud",
        })
    }
}

/// How the simulator is set up. Build it with struct-update syntax over `Default::default()`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    /// Server or Cloud behaviour.
    pub flavor: Flavor,
    /// Where to listen; port 0 picks a free one (default `127.0.0.1:0`).
    pub listen: SocketAddr,
    /// Prefix under which every Jira route lives (e.g. `/jira`); empty for none.
    pub context_path: String,
    /// How many users to generate.
    pub users: usize,
    /// How many projects to generate.
    pub projects: usize,
    /// Seed of the generated data.
    pub seed: u64,
    /// Exact users added after the generated ones.
    pub extra_users: Vec<SimUser>,
    /// Exact projects added after the generated ones.
    pub extra_projects: Vec<SimProject>,
    /// Issues generated in each project (numbered `KEY-1`, `KEY-2`, ...).
    pub issues_per_project: usize,
    /// Exact issues added after the generated ones.
    pub extra_issues: Vec<SimIssue>,
    /// Exact autocomplete values added after the generated ones.
    pub extra_suggestions: Vec<SimSuggestion>,
    /// Milliseconds added to every Jira answer.
    pub latency_ms: u64,
    /// Bearer tokens accepted (personal access tokens, OAuth 2.0 access tokens).
    pub accept_tokens: Vec<String>,
    /// `(user or e-mail, secret)` pairs accepted for Basic authentication.
    pub accept_basic: Vec<(String, String)>,
    /// Server only: the instance hides e-mail addresses, so `emailAddress` is absent.
    pub hide_emails: bool,
    /// OAuth 1.0a RSA-SHA1 consumers: `(consumer key, RSA public key PEM)`; the PEM is SPKI
    /// (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`).
    pub oauth1_consumers: Vec<(String, String)>,
    /// OAuth 1.0a access tokens accepted (`oauth_token`).
    pub oauth1_tokens: Vec<String>,
    /// Atlassian Connect apps: `(issuer = app key, shared secret)` for `Authorization: JWT`.
    pub connect_apps: Vec<(String, String)>,
    /// OAuth 2.0 clients: `(client id, client secret, initial refresh token)`.
    pub oauth2_clients: Vec<(String, String, String)>,
    /// Lifetime of the access tokens the token endpoint issues, in seconds.
    pub oauth2_access_ttl_secs: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            flavor: Flavor::Server,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            context_path: String::new(),
            users: 25,
            projects: 5,
            seed: 1,
            extra_users: Vec::new(),
            extra_projects: Vec::new(),
            issues_per_project: 3,
            extra_issues: Vec::new(),
            extra_suggestions: Vec::new(),
            latency_ms: 0,
            accept_tokens: Vec::new(),
            accept_basic: Vec::new(),
            hide_emails: false,
            oauth1_consumers: Vec::new(),
            oauth1_tokens: Vec::new(),
            connect_apps: Vec::new(),
            oauth2_clients: Vec::new(),
            oauth2_access_ttl_secs: 3600,
        }
    }
}

impl SimConfig {
    /// Whether the instance accepts anonymous requests (no credentials configured).
    pub fn is_open(&self) -> bool {
        self.accept_tokens.is_empty()
            && self.accept_basic.is_empty()
            && self.oauth1_consumers.is_empty()
            && self.connect_apps.is_empty()
            && self.oauth2_clients.is_empty()
    }
}

/// The kind of `Authorization` header a request carried (never its secret).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuthKind {
    /// No `Authorization` header.
    None,
    /// `Basic ...`
    Basic,
    /// `Bearer ...`
    Bearer,
    /// `JWT ...` (Atlassian Connect)
    Jwt,
    /// `OAuth ...` (OAuth 1.0a)
    OAuth,
    /// Any other scheme, or a header that is not valid text.
    Other,
}

/// One request the simulator received on a Jira route (control routes are never recorded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// The full raw path as received, context path included, still percent-encoded.
    pub path: String,
    /// Percent-decoded query pairs in order (`+` decoded as a space, like a form).
    pub query: Vec<(String, String)>,
    /// The raw query string, if the URL had one.
    pub raw_query: Option<String>,
    /// The authentication scheme used.
    pub auth: AuthKind,
    /// The Basic user name, when Basic was used (the password is never recorded).
    #[serde(default)]
    pub auth_user: Option<String>,
    /// The OAuth 1.0a `oauth_nonce`, when OAuth 1.0a was used (single-use: a retry must bring
    /// a new one).
    #[serde(default)]
    pub auth_nonce: Option<String>,
}

impl RecordedRequest {
    /// The last value of query parameter `name`, like Jira reads a repeated parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of query parameter `name`, in order.
    pub fn params(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The path with the given context path removed (unchanged when it does not start with it).
    pub fn path_without_context<'a>(&'a self, context_path: &str) -> &'a str {
        match self.path.strip_prefix(context_path) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
            _ => &self.path,
        }
    }
}

/// What a fault does to a matching request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultKind {
    /// Answer with the fault's status, headers and body after its delay.
    #[default]
    Respond,
    /// Never answer: the connection stays open until the simulator shuts down.
    NeverAnswer,
    /// Drop the connection without answering (TCP reset).
    ResetConnection,
    /// Answer 200 `application/json` with a truncated JSON body.
    MalformedJson,
}

/// A fault injected in front of the Jira routes. Faults are checked in the order they were added
/// and the first one that matches wins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Fault {
    /// Matched against the path after the context path (e.g. `/rest/api/2/user`); `None` matches
    /// every Jira request.
    pub path_prefix: Option<String>,
    /// Status of a `Respond` fault.
    pub status: u16,
    /// Body of a `Respond` fault (for `MalformedJson`, an explicit body to send instead of a
    /// truncated real answer).
    pub body: String,
    /// `Content-Type` of a `Respond` fault.
    pub content_type: String,
    /// Extra response headers (e.g. `Retry-After`).
    pub headers: Vec<(String, String)>,
    /// Delay before the fault takes effect, in milliseconds.
    pub delay_ms: u64,
    /// `None`: forever; `Some(n)`: only the first `n` matching requests.
    pub times: Option<u32>,
    /// What happens.
    pub kind: FaultKind,
}

impl Default for Fault {
    fn default() -> Self {
        Self {
            path_prefix: None,
            status: 500,
            body: String::new(),
            content_type: "text/plain;charset=UTF-8".into(),
            headers: Vec::new(),
            delay_ms: 0,
            times: None,
            kind: FaultKind::Respond,
        }
    }
}

impl Fault {
    /// Answer `status` with an empty plain-text body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            ..Self::default()
        }
    }

    /// Answer `status` with an HTML page (`text/html;charset=UTF-8`), like a proxy or Seraph.
    pub fn html(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            body: body.into(),
            content_type: "text/html;charset=UTF-8".into(),
            ..Self::default()
        }
    }

    /// Answer `status` with a JSON body (`application/json;charset=UTF-8`).
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            body: body.into(),
            content_type: "application/json;charset=UTF-8".into(),
            ..Self::default()
        }
    }

    /// Answer `status` with a plain-text body.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            body: body.into(),
            ..Self::default()
        }
    }

    /// A 429 like Jira's rate limiter: JSON body, `Retry-After` (seconds) when given.
    pub fn rate_limited(retry_after_secs: Option<u64>) -> Self {
        let fault = Self::json(
            429,
            r#"{"errorMessages":["Rate limit exceeded."],"errors":{}}"#,
        );
        match retry_after_secs {
            Some(secs) => fault.header("Retry-After", secs.to_string()),
            None => fault,
        }
    }

    /// Hold the connection open without ever answering.
    pub fn never_answer() -> Self {
        Self {
            kind: FaultKind::NeverAnswer,
            ..Self::default()
        }
    }

    /// Drop the connection without answering.
    pub fn reset_connection() -> Self {
        Self {
            kind: FaultKind::ResetConnection,
            ..Self::default()
        }
    }

    /// Answer 200 with a truncated JSON body.
    pub fn malformed_json() -> Self {
        Self {
            status: 200,
            kind: FaultKind::MalformedJson,
            ..Self::default()
        }
    }

    /// Only requests whose path (after the context path) starts with `prefix`.
    pub fn on(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Only the first `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Wait `ms` milliseconds first.
    pub fn delay(mut self, ms: u64) -> Self {
        self.delay_ms = ms;
        self
    }

    /// Add a response header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replace the body.
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    /// Replace the content type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// Whether the fault applies to a Jira path (already stripped of the context path).
    pub fn matches(&self, jira_path: &str) -> bool {
        self.path_prefix
            .as_deref()
            .is_none_or(|prefix| jira_path.starts_with(prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flavor_parses() {
        assert_eq!("server".parse::<Flavor>().unwrap(), Flavor::Server);
        assert_eq!("Cloud".parse::<Flavor>().unwrap(), Flavor::Cloud);
        assert!("jira".parse::<Flavor>().is_err());
    }

    #[test]
    fn fault_deserializes_with_defaults() {
        let f: Fault = serde_json::from_str(r#"{"status":503,"path_prefix":"/rest"}"#).unwrap();
        assert_eq!(f, Fault::status(503).on("/rest"));
        let f: Fault = serde_json::from_str(r#"{"kind":"NeverAnswer"}"#).unwrap();
        assert_eq!(f.kind, FaultKind::NeverAnswer);
        assert!(f.matches("/anything"));
    }

    #[test]
    fn param_takes_last_value() {
        let r = RecordedRequest {
            method: "GET".into(),
            path: "/jira/rest/api/2/user/search".into(),
            query: vec![("a".into(), "1".into()), ("a".into(), "2".into())],
            raw_query: Some("a=1&a=2".into()),
            auth: AuthKind::None,
            auth_user: None,
            auth_nonce: None,
        };
        assert_eq!(r.param("a"), Some("2"));
        assert_eq!(r.params("a"), vec!["1", "2"]);
        assert_eq!(r.param("b"), None);
        assert_eq!(r.path_without_context("/jira"), "/rest/api/2/user/search");
        assert_eq!(
            r.path_without_context("/ji"),
            "/jira/rest/api/2/user/search"
        );
    }
}
