//! One request, in order: control routes aside, record it, take the first matching fault, wait
//! `latency_ms`, then answer: the fault's answer, or the token endpoint's, or an authorization
//! server's, or authentication and the Jira route's (also through Atlassian's API gateway,
//! `/ex/jira/{cloud id}/...`).

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::HOST;
use hyper::{Request, Response};

use super::body::read_form;
use super::control::{control_route, is_control_path};
use super::faults::apply_fault;
use super::reset::ConnControl;
use super::shared::{Place, Shared};
use super::token_endpoint::{read_token_request, token_endpoint, token_reply};
use crate::auth::{AuthServer, Credentials, RequestInfo, TokenRequest};
use crate::authz::{self, AuthzRequest, Route};
use crate::jira;
use crate::reply::{Reply, HTML};
use crate::request_log::RecordedRequest;
use crate::text::parse_query;

/// Tomcat's answer for a path outside Jira's context path.
const TOMCAT_404_PAGE: &str = "<!doctype html><html lang=\"en\"><head><title>HTTP Status 404 – Not Found</title></head><body><h1>HTTP Status 404 – Not Found</h1><hr class=\"line\" /><p><b>Type</b> Status Report</p><p><b>Description</b> The origin server did not find a current representation for the target resource or is not willing to disclose that one exists.</p><hr class=\"line\" /><h3>Apache Tomcat</h3></body></html>";

/// What a request outside the control routes asks for.
enum Endpoint {
    /// An OAuth 2.0 token endpoint, with the request its body carried (or why it could not be
    /// read).
    Token(AuthServer, Result<TokenRequest, String>),
    /// An authorization server's page or servlet, with the pairs of its form body.
    Authz(Route, Vec<(String, String)>),
    /// Atlassian's API gateway for a cloud id no site has.
    UnknownSite,
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
    let place = shared.place(&path);
    let jira_path = match place {
        Place::Jira(p) | Place::Gateway(p) => Some(p.to_string()),
        Place::UnknownSite | Place::Outside => None,
    };
    // The authorization servers live at the root and under the context path, not behind the
    // API gateway.
    let server_path = match place {
        Place::Jira(p) => Some(p),
        _ => None,
    };
    let gateway = matches!(place, Place::Gateway(_) | Place::UnknownSite);
    let endpoint = if matches!(place, Place::UnknownSite) {
        Endpoint::UnknownSite
    } else if let Some(server) = token_endpoint(&method, &path, server_path).filter(|_| !gateway) {
        Endpoint::Token(server, read_token_request(req, &credentials).await)
    } else if let Some(route) = Route::of(&path, server_path).filter(|_| !gateway) {
        Endpoint::Authz(route, read_form(req).await)
    } else {
        drop(req);
        Endpoint::Jira
    };
    // The token endpoints' query is not kept: a careless client may put secrets there.
    let keep_query = match &endpoint {
        Endpoint::Token(..) => false,
        Endpoint::Authz(route, _) => route.logs_query(),
        Endpoint::UnknownSite | Endpoint::Jira => true,
    };
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
        Endpoint::Token(server, token_request) => {
            token_reply(shared.auth.oauth2(), *server, token_request)
        }
        Endpoint::Authz(route, form) => {
            let authz_request = AuthzRequest {
                info: &request,
                credentials: &credentials,
                form,
            };
            authz::answer(&shared.authz, &shared.auth, *route, &authz_request)
        }
        Endpoint::UnknownSite => authz::unknown_site(),
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
