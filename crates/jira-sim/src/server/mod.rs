//! The HTTP side: [`start`] and the [`SimHandle`] tests hold. `connection` runs the listener
//! and the connections (HTTP/1.1 and cleartext HTTP/2), `request` serves one request,
//! `faults` applies a fault, `token_endpoint` is the OAuth 2.0 token endpoint (the
//! authorization servers' pages are `crate::authz`'s) and `control` the `/_sim/` routes.

mod body;
mod connection;
mod control;
mod faults;
mod request;
mod reset;
mod shared;
mod token_endpoint;

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use self::connection::accept_loop;
use self::shared::Shared;
use crate::auth::Authenticator;
use crate::authz::{AuthorizationStats, AuthzServers};
use crate::config::{Flavor, SimConfig, SimSite};
use crate::data::{generate, DataSet, SimIssue, SimProject, SimUser};
use crate::fault::{Fault, FaultList};
use crate::jira::Instance;
use crate::request_log::{RecordedRequest, RequestLog};

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

/// A running simulator. Dropping it stops the server as well.
pub struct SimHandle {
    addr: SocketAddr,
    base_url: String,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("addr", &self.addr)
            .field("base_url", &self.base_url)
            .field("flavor", &self.shared.flavor)
            .finish()
    }
}

impl SimHandle {
    /// `http://127.0.0.1:PORT` followed by the context path: what a client configures as Jira's
    /// base URL.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The flavour it plays.
    pub fn flavor(&self) -> Flavor {
        self.shared.flavor
    }

    /// The normalised context path (`""` or `/jira`).
    pub fn context_path(&self) -> &str {
        &self.shared.context_path
    }

    /// Every request received so far, in order (control routes excluded): Jira routes, the
    /// token endpoints and the authorization servers' pages.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log.all()
    }

    /// The requests whose path, after the context path (or after `/ex/jira/{cloud id}` for a
    /// request through Atlassian's API gateway), starts with `jira_path_prefix`.
    pub fn requests_to(&self, jira_path_prefix: &str) -> Vec<RecordedRequest> {
        self.shared
            .log
            .to(&self.shared.context_path, jira_path_prefix)
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    /// Adds a fault after the existing ones (the first matching fault wins).
    pub fn add_fault(&self, fault: Fault) {
        self.shared.faults.add(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// The users of the data set, in creation order (generated, then extra).
    pub fn users(&self) -> Vec<SimUser> {
        self.shared.instance.data.users.clone()
    }

    /// The projects of the data set, in creation order (generated, then extra).
    pub fn projects(&self) -> Vec<SimProject> {
        self.shared.instance.data.projects.clone()
    }

    /// The issues of the data set, in creation order (generated, then extra).
    pub fn issues(&self) -> Vec<SimIssue> {
        self.shared.instance.data.issues.clone()
    }

    /// Expires every OAuth 2.0 access token issued so far (they then get the 401 of bad
    /// credentials); refresh tokens stay valid.
    pub fn expire_access_tokens(&self) {
        self.shared.auth.oauth2().expire_all();
    }

    /// How many refresh-token grants succeeded.
    pub fn oauth2_refresh_count(&self) -> u64 {
        self.shared.auth.oauth2().refreshes()
    }

    /// How many reuses of an already-rotated refresh token were refused (each revoked its
    /// token family).
    pub fn oauth2_reuse_rejections(&self) -> u64 {
        self.shared.auth.oauth2().reuse_rejections()
    }

    /// What the authorization servers did so far: consent decisions, code exchanges, OAuth
    /// 1.0a access tokens.
    pub fn authorization_stats(&self) -> AuthorizationStats {
        self.shared.authz.stats(&self.shared.auth)
    }

    /// The Cloud sites a 3LO grant covers, as configured.
    pub fn cloud_sites(&self) -> Vec<SimSite> {
        self.shared.authz.sites().to_vec()
    }

    /// Stops accepting, closes every connection (including held ones) and waits for the server
    /// task to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// `""` for no context path, otherwise `/name` without a trailing slash.
fn normalize_context_path(raw: &str) -> String {
    let trimmed = raw.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else if trimmed.starts_with('/') {
        trimmed.to_string()
    } else {
        format!("/{trimmed}")
    }
}

/// Builds the data set: generated projects, users, issues and suggestions, then the extras.
fn build_data(cfg: &SimConfig) -> DataSet {
    let mut projects = generate::generate_projects(cfg.projects, cfg.seed);
    let generated_keys: Vec<String> = projects.iter().map(|p| p.key.clone()).collect();
    projects.extend(cfg.extra_projects.iter().cloned());
    let mut users = generate::generate_users(cfg.users, cfg.seed, &generated_keys);
    users.extend(cfg.extra_users.iter().cloned());
    let mut issues = generate::generate_issues(&projects, cfg.issues_per_project, cfg.seed);
    issues.extend(cfg.extra_issues.iter().cloned());
    let mut suggestions = generate::generate_suggestions(cfg.projects.clamp(3, 50));
    suggestions.extend(cfg.extra_suggestions.iter().cloned());
    DataSet {
        users,
        projects,
        issues,
        suggestions,
    }
}

/// Starts a simulator and returns once it accepts connections.
///
/// # Errors
///
/// When the listen address cannot be bound, or the configuration is unusable (an OAuth 1.0a
/// public key that cannot be read, a cloud site id that cannot be a path segment).
pub async fn start(cfg: SimConfig) -> io::Result<SimHandle> {
    let context_path = normalize_context_path(&cfg.context_path);
    let invalid = |e: String| io::Error::new(io::ErrorKind::InvalidInput, e);
    let auth = Authenticator::new(&cfg).map_err(invalid)?;
    let authz = AuthzServers::new(&cfg).map_err(invalid)?;
    let listener = TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let mut shown = addr;
    if shown.ip().is_unspecified() {
        shown.set_ip(if addr.is_ipv4() {
            [127, 0, 0, 1].into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let base_url = format!("http://{shown}{context_path}");
    let data = build_data(&cfg);
    let shared = Arc::new(Shared {
        flavor: cfg.flavor,
        context_path,
        latency_ms: cfg.latency_ms,
        auth,
        authz,
        host_fallback: shown.to_string(),
        instance: Instance::new(cfg.flavor, cfg.hide_emails, base_url.clone(), data),
        log: RequestLog::default(),
        faults: FaultList::default(),
        request_ids: AtomicU64::new(1),
    });
    let (shutdown, rx) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, shared.clone(), rx));
    Ok(SimHandle {
        addr,
        base_url,
        shared,
        shutdown,
        task: Some(task),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_paths_normalise() {
        assert_eq!(normalize_context_path(""), "");
        assert_eq!(normalize_context_path("/"), "");
        assert_eq!(normalize_context_path("jira/"), "/jira");
        assert_eq!(normalize_context_path("/jira"), "/jira");
    }
}
