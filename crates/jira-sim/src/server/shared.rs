//! The state every connection shares.

use std::sync::atomic::AtomicU64;

use crate::auth::Authenticator;
use crate::config::Flavor;
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
    /// `IP:PORT` it listens on, for requests without a `Host` header.
    pub(super) host_fallback: String,
    pub(super) instance: Instance,
    pub(super) log: RequestLog,
    pub(super) faults: FaultList,
    /// Numbers the answers' `X-AREQUESTID`.
    pub(super) request_ids: AtomicU64,
}

impl Shared {
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
