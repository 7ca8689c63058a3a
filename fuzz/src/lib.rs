//! What the fuzz targets share: a runtime to drive the async code on, the tenant they search
//! as, and a Jira that answers what an input says.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use domain::testing::InMemoryStore;
use domain::{
    BaseUrl, Credentials, Integration, IntegrationId, JiraError, JiraRequest, Provider, Secret,
};
use serde_json::Value;

/// The caller token of org `acme`.
pub const TOKEN: &str = "jst_fuzz_caller_token_0123456789";
/// The org's Jira Server integration.
pub const SERVER: IntegrationId = IntegrationId(1);
/// The org's Jira Cloud integration.
pub const CLOUD: IntegrationId = IntegrationId(2);

/// Runs a future to its end on this thread's runtime (one per thread, made once).
pub fn block_on<F: Future>(future: F) -> F::Output {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime");
    }
    RUNTIME.with(|rt| rt.block_on(future))
}

/// Org `acme` (id 1) owning [`TOKEN`], with integrations [`SERVER`] and [`CLOUD`]: made once,
/// never written to by a search.
pub fn store() -> Arc<InMemoryStore> {
    static STORE: OnceLock<Arc<InMemoryStore>> = OnceLock::new();
    STORE
        .get_or_init(|| {
            let store = InMemoryStore::new();
            let acme = store.seed_org("acme");
            store.seed_token(acme.id, TOKEN);
            for (id, provider) in [(SERVER, Provider::JiraServer), (CLOUD, Provider::JiraCloud)] {
                store.seed_integration(
                    acme.id,
                    Integration {
                        id,
                        provider,
                        name: format!("jira {id}"),
                        base_url: BaseUrl::from_stored("https://jira.example.com/jira")
                            .expect("a base URL"),
                        verify_tls: true,
                        enabled: true,
                        credentials: Credentials::Pat {
                            token: Secret::new("jira-personal-access-token"),
                        },
                    },
                );
            }
            Arc::new(store)
        })
        .clone()
}

/// What the HTTP adapter makes of a 2xx body (crates/jira-http/src/attempt.rs): its JSON, or
/// `InvalidBody`.
pub fn read_success_body(body: &[u8]) -> Result<Value, JiraError> {
    serde_json::from_slice(body)
        .map_err(|e| JiraError::InvalidBody(format!("HTTP 200 with a body that is not JSON: {e}")))
}

/// A Jira answering every call with 200 and one body, but the lookup of project `10000`
/// (`/rest/api/2/project/10000`) with another. Records nothing: the state stays the same
/// however many inputs run.
pub struct AnsweringJira {
    /// The body of the project lookup.
    pub project: Vec<u8>,
    /// The body of every other call.
    pub body: Vec<u8>,
}

impl domain::JiraApi for AnsweringJira {
    async fn get_json(
        &self,
        _integration: &Integration,
        request: &JiraRequest,
    ) -> Result<Value, JiraError> {
        if request.path() == "/rest/api/2/project/10000" {
            read_success_body(&self.project)
        } else {
            read_success_body(&self.body)
        }
    }
}

/// A request jira-http would send, read from a fuzz input's lines: a clock offset from `now`,
/// the path segments under `rest/api/2` (split on `/`), then `name=value` parameters. Returns
/// the signing time, the request and its target (path and query) under `base`; `None` when
/// the first two lines are missing or the offset is not a number that fits.
pub fn signed_request_input<'a>(
    mut lines: impl Iterator<Item = &'a str>,
    now: i64,
    base: &str,
) -> Option<(i64, JiraRequest, String)> {
    let (offset, segments) = (lines.next()?, lines.next()?);
    let at = now.checked_add(offset.trim().parse::<i64>().ok()?)?;
    let mut request = JiraRequest::get("rest/api/2");
    for segment in segments.split('/') {
        request = request.segment(segment);
    }
    for pair in lines {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        request = request.param(k, v);
    }
    let url =
        jira_http::url::request_url(&BaseUrl::from_stored(base).expect("a base URL"), &request);
    let target = url[base.len()..].to_owned();
    Some((at, request, target))
}
