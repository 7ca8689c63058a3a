//! The state every connection shares.

use std::sync::atomic::AtomicU64;

use crate::auth::Authenticator;
use crate::authz::AuthzServers;
use crate::config::{split_gateway_path, Flavor};
use crate::fault::FaultList;
use crate::jira::Instance;
use crate::request_log::RequestLog;

/// State shared by every connection.
pub(super) struct Shared {
    pub(super) flavor: Flavor,
    /// `""` or `/jira`: every Jira route lives under it.
    pub(super) context_path: String,
    pub(super) latency_ms: u64,
    pub(super) auth: Authenticator,
    /// The authorization servers' sites, redirect URIs and counters.
    pub(super) authz: AuthzServers,
    /// `IP:PORT` it listens on, for requests without a `Host` header.
    pub(super) host_fallback: String,
    pub(super) instance: Instance,
    pub(super) log: RequestLog,
    pub(super) faults: FaultList,
    /// Numbers the answers' `X-AREQUESTID`.
    pub(super) request_ids: AtomicU64,
}

/// Where a request's path leads.
pub(super) enum Place<'a> {
    /// Inside the context path: the path after it.
    Jira(&'a str),
    /// Atlassian's API gateway for a configured site: the path after `/ex/jira/{cloud id}`,
    /// served like a path inside the context path.
    Gateway(&'a str),
    /// Atlassian's API gateway, for a cloud id no site has.
    UnknownSite,
    /// Outside the context path (and outside the gateway).
    Outside,
}

impl Shared {
    /// Where a raw path leads: Atlassian's API gateway (`/ex/jira/{cloud id}/...`, at the root
    /// whatever the context path) or the context path.
    pub(super) fn place<'a>(&self, path: &'a str) -> Place<'a> {
        match split_gateway_path(path) {
            Some((id, _)) if self.authz.site(id).is_none() => Place::UnknownSite,
            Some((_, "")) => Place::Gateway("/"),
            Some((_, rest)) => Place::Gateway(rest),
            None => self.jira_path(path).map_or(Place::Outside, Place::Jira),
        }
    }

    /// The path inside Jira's context path, or `None` when the request is outside it.
    pub(super) fn jira_path<'a>(&self, path: &'a str) -> Option<&'a str> {
        if self.context_path.is_empty() {
            return Some(path);
        }
        match path.strip_prefix(self.context_path.as_str()) {
            Some("") => Some("/"),
            Some(rest) if rest.starts_with('/') => Some(rest),
            _ => None,
        }
    }
}
