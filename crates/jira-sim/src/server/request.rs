//! One request, in order: control routes aside, record it, take the first matching fault, wait
//! `latency_ms`, then answer: the fault's answer, or the token endpoint's, or authentication
//! and the Jira route's.

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::HOST;
use hyper::{Request, Response};

use super::control::{control_route, is_control_path};
use super::faults::apply_fault;
use super::reset::ConnControl;
use super::shared::Shared;
use super::token_endpoint::{is_token_endpoint, read_token_request, token_reply};
use crate::auth::{Credentials, RequestInfo, TokenRequest};
use crate::jira;
use crate::reply::{Reply, HTML};
use crate::request_log::RecordedRequest;
use crate::text::parse_query;

/// Tomcat's answer for a path outside Jira's context path.
const TOMCAT_404_PAGE: &str = "<!doctype html><html lang=\"en\"><head><title>HTTP Status 404 – Not Found</title></head><body><h1>HTTP Status 404 – Not Found</h1><hr class=\"line\" /><p><b>Type</b> Status Report</p><p><b>Description</b> The origin server did not find a current representation for the target resource or is not willing to disclose that one exists.</p><hr class=\"line\" /><h3>Apache Tomcat</h3></body></html>";

/// What a request outside the control routes asks for.
enum Endpoint {
    /// The OAuth 2.0 token endpoint, with the request its body carried (or why it could not be
    /// read).
    Token(Result<TokenRequest, String>),
    /// Anything else: a Jira resource, or a path outside the context path.
    Jira,
}

/// Serves one request of a connection.
pub(super) async fn handle(
    shared: Arc<Shared>,
    control: Arc<ConnControl>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    if is_control_path(&path) {
        return Ok(control_route(&shared, req).await.into_response());
    }
    let method = req.method().as_str().to_string();
    let raw_query = req.uri().query().map(str::to_string);
    let query = parse_query(raw_query.as_deref());
    let credentials = Credentials::from_headers(req.headers());
    let host = request_host(&req, &shared.host_fallback);
    let jira_path = shared.jira_path(&path).map(str::to_string);
    let endpoint = if is_token_endpoint(&method, &path, jira_path.as_deref()) {
        Endpoint::Token(read_token_request(req, &credentials).await)
    } else {
        drop(req);
        Endpoint::Jira
    };
    // The token endpoint's query is not kept: a careless client may put secrets there.
    let keep_query = matches!(endpoint, Endpoint::Jira);
    shared.log.record(RecordedRequest {
        method: method.clone(),
        path: path.clone(),
        query: if keep_query {
            query.clone()
        } else {
            Vec::new()
        },
        raw_query: if keep_query { raw_query } else { None },
        auth: credentials.kind(),
        auth_user: credentials.user(),
        auth_nonce: credentials.nonce(),
    });
    let request = RequestInfo {
        method,
        path,
        host,
        query,
    };
    let fault = shared
        .faults
        .take(jira_path.as_deref().unwrap_or(&request.path));
    if shared.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(shared.latency_ms)).await;
    }
    let request_id = shared.request_ids.fetch_add(1, Ordering::Relaxed);
    let real_answer = || match &endpoint {
        Endpoint::Token(token_request) => token_reply(shared.auth.oauth2(), token_request),
        Endpoint::Jira => answer_jira(&shared, &request, jira_path.as_deref(), &credentials),
    };
    if let Some(fault) = fault {
        return Ok(apply_fault(fault, &control, real_answer)
            .await
            .into_response());
    }
    let reply = real_answer().header("X-AREQUESTID", arequest_id(request_id));
    Ok(reply.into_response())
}

/// The `Host` header, else the URI's authority (HTTP/2), else the listen address.
fn request_host(req: &Request<Incoming>, fallback: &str) -> String {
    req.headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_string()))
        .unwrap_or_else(|| fallback.to_string())
}

/// Authenticates and routes a request; outside the context path Tomcat answers instead.
fn answer_jira(
    shared: &Shared,
    request: &RequestInfo,
    jira_path: Option<&str>,
    credentials: &Credentials,
) -> Reply {
    let Some(jira_path) = jira_path else {
        // Outside the webapp: Tomcat answers, no Jira authentication involved.
        return Reply::new(404, Some(HTML), TOMCAT_404_PAGE);
    };
    match shared.auth.authenticate(request, jira_path, credentials) {
        Ok(identity) => jira::answer(
            &shared.instance,
            &request.method,
            jira_path,
            &request.query,
            &identity,
        ),
        Err(refusal) => jira::unauthorized(&shared.instance, refusal),
    }
}

/// Jira's `X-AREQUESTID` reads `<minute of the day>x<request number>x<concurrency>`; the minute
/// (600 to 1439) is derived from the request number so that answers stay reproducible.
fn arequest_id(request_id: u64) -> String {
    format!("{}x{request_id}x1", 600 + request_id % 840)
}
