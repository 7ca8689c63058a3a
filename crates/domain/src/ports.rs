//! The ports: what the domain needs from the outside world. Adapters implement them.

use std::future::Future;
use std::time::Duration;

use crate::model::{Integration, IntegrationId, Org, OrgId, OrgRef};
use crate::secret::Secret;

/// One GET request to Jira, relative to the integration's base URL.
///
/// The path is kept as segments so that an adapter percent-encodes each one: a value that
/// came from a caller (a project id) can never add a segment or a query to the path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JiraRequest {
    /// Path segments after the base URL, e.g. `["rest", "api", "2", "project", "10000"]`.
    pub segments: Vec<String>,
    /// Query parameters in order, not yet encoded.
    pub query: Vec<(String, String)>,
    /// How many leading segments are the constant of [`JiraRequest::get`]; the rest were
    /// appended with [`JiraRequest::segment`] and may hold caller input.
    pub fixed: usize,
}

impl JiraRequest {
    /// A GET of `/`-separated `path` (a constant written in this crate, never caller input).
    pub fn get(path: &str) -> Self {
        let segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        Self {
            fixed: segments.len(),
            segments,
            query: Vec::new(),
        }
    }

    /// Appends one path segment (may contain anything; the adapter encodes it).
    #[must_use]
    pub fn segment(mut self, s: impl Into<String>) -> Self {
        self.segments.push(s.into());
        self
    }

    /// Appends one query parameter.
    #[must_use]
    pub fn param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    /// The path template for logs and metrics: segments joined, without the query (which
    /// may hold what a user typed).
    pub fn path(&self) -> String {
        let mut p = String::new();
        for s in &self.segments {
            p.push('/');
            p.push_str(s);
        }
        p
    }

    /// The path as a template, appended segments (ids a caller chose) written `{id}`: a
    /// bounded label for metrics, e.g. `/rest/api/2/project/{id}`.
    pub fn endpoint(&self) -> String {
        let mut p = String::new();
        for (i, s) in self.segments.iter().enumerate() {
            p.push('/');
            p.push_str(if i < self.fixed { s } else { "{id}" });
        }
        p
    }
}

/// Why a call to Jira failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JiraError {
    /// Jira answered with a non-2xx status. `error_messages` and `errors` come from a JSON
    /// error collection when the body was one; an HTML page leaves both empty.
    #[error("Jira answered HTTP {status}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// `errorMessages` of a JSON error body.
        error_messages: Vec<String>,
        /// `errors` of a JSON error body, as `(field, message)` in Jira's order.
        errors: Vec<(String, String)>,
    },
    /// The call did not finish within the deadline.
    #[error("Jira did not answer within the deadline")]
    Timeout,
    /// The host could not be reached (DNS, refused, TLS handshake).
    #[error("unable to reach host {host}: {detail}")]
    Unreachable {
        /// The host name.
        host: String,
        /// What went wrong (no secret).
        detail: String,
    },
    /// Jira answered 2xx with a body that is not the JSON expected.
    #[error("Jira answered with an unexpected body: {0}")]
    InvalidBody(String),
    /// The integration cannot be used as configured (e.g. an auth method not built yet).
    #[error("integration misconfigured: {0}")]
    Config(String),
}

/// Talks to one Jira instance on behalf of an integration.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait JiraApi: Send + Sync + 'static {
    /// Sends `request` to the integration's Jira with its credentials and returns the
    /// parsed JSON body of a 2xx answer.
    ///
    /// The adapter must: join the base URL and the encoded segments, percent-encode the
    /// query, authenticate with the integration's credentials, honour its TLS setting, and
    /// give up after its deadline.
    ///
    /// # Errors
    /// [`JiraError::Status`] for a non-2xx answer (the body parsed when it is a JSON error
    /// collection), [`JiraError::Timeout`], [`JiraError::Unreachable`],
    /// [`JiraError::InvalidBody`] for a 2xx body that is not JSON, [`JiraError::Config`].
    fn get_json(
        &self,
        integration: &Integration,
        request: &JiraRequest,
    ) -> impl Future<Output = Result<serde_json::Value, JiraError>> + Send;
}

/// A failure of the store.
#[derive(Debug, thiserror::Error)]
#[error("store unavailable: {0}")]
pub struct StoreError(pub String);

/// Reads orgs, integrations and caller tokens.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait IntegrationStore: Send + Sync + 'static {
    /// The org whose non-revoked caller token has this SHA-256 hash (see
    /// [`crate::token::hash_token`]), if any.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer.
    fn org_for_token_hash(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<OrgId>, StoreError>> + Send;

    /// The org named by id or slug, if it exists.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer.
    fn find_org(
        &self,
        org: &OrgRef,
    ) -> impl Future<Output = Result<Option<Org>, StoreError>> + Send;

    /// The integration with this id if it is linked to `org` (enabled or not), with its
    /// credentials ready to use.
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer or a stored credential cannot be read.
    fn linked_integration(
        &self,
        org: OrgId,
        id: IntegrationId,
    ) -> impl Future<Output = Result<Option<Integration>, StoreError>> + Send;
}

/// Persists credentials that change while the service runs: OAuth 2.0 refresh tokens rotate
/// on every renewal, and losing the new one locks the integration out.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait CredentialUpdates: Send + Sync + 'static {
    /// Replaces the integration's stored refresh token with `refresh_token`, durably (committed)
    /// before the caller uses the access token that came with it.
    ///
    /// # Errors
    /// [`StoreError`] when it could not be stored; the caller must then not rely on the new
    /// token surviving a restart, and should fail the renewal loudly.
    fn save_refresh_token(
        &self,
        integration: IntegrationId,
        refresh_token: &Secret,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A failure of the cache; the search treats it as a miss.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cache unavailable: {0}")]
pub struct CacheError(pub String);

/// A key-value cache with expiry, shared (Redis) or in-process.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait SearchCache: Send + Sync + 'static {
    /// The value stored under `key`, if present and not expired.
    ///
    /// # Errors
    /// [`CacheError`] when the cache cannot answer quickly; callers treat it as a miss.
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<String>, CacheError>> + Send;

    /// Stores `value` under `key` for `ttl`.
    ///
    /// # Errors
    /// [`CacheError`] when the cache cannot store; callers go on without it.
    fn set(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<(), CacheError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::JiraRequest;

    #[test]
    fn endpoint_templates_hide_ids_and_queries() {
        let r = JiraRequest::get("rest/api/2/project")
            .segment("10000")
            .param("query", "alice");
        assert_eq!(r.path(), "/rest/api/2/project/10000");
        assert_eq!(r.endpoint(), "/rest/api/2/project/{id}");
        let r = JiraRequest::get("rest/api/2/user/search").param("username", "bob");
        assert_eq!(r.endpoint(), "/rest/api/2/user/search");
    }
}
