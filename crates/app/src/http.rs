//! HTTP routing and the mapping of domain errors to statuses and bodies, in one place.
//!
//! The router is generic over the request body (it reads none), so tests can drive it with
//! any body type.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use domain::{
    Branch, IntegrationId, IntegrationStore, JiraApi, OrgRef, Provider, SearchCache, SearchError,
    SearchRequest, SearchTrace,
};
use http_body_util::Full;
use hyper::body::Body;
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE, WWW_AUTHENTICATE};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json;

use crate::api::route::ApiRoute;
use crate::error::error_chain;
use crate::reply::{empty_response, json_response, json_text_response};
use crate::state::AppState;
use admin::handle_admin;
use request::{bearer, request_id, without_body, X_REQUEST_ID};

mod admin;
pub mod cors;
mod request;

pub use request::MAX_URI_BYTES;

/// A route, recognised from the path alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /healthz`.
    Healthz,
    /// `GET /readyz`.
    Readyz,
    /// `GET /metrics`.
    Metrics,
    /// `GET /extensions/{jira-server|jira}/search/{org}/{integration_id}/`.
    Search {
        /// From the route's first segment.
        provider: Provider,
        /// Slug or numeric id.
        org: OrgRef,
        /// Digits; `None` when too many for any id (no integration has it, but the caller's
        /// token and org are checked first, in the documented order).
        integration_id: Option<IntegrationId>,
    },
    /// Anything else.
    NotFound,
}

impl Route {
    /// Parses a request path. `{integration_id}` must be digits; the trailing slash is
    /// optional.
    pub fn parse(path: &str) -> Self {
        match path {
            "/healthz" => return Self::Healthz,
            "/readyz" => return Self::Readyz,
            "/metrics" => return Self::Metrics,
            _ => {}
        }
        let Some(rest) = path.strip_prefix("/extensions/") else {
            return Self::NotFound;
        };
        let (provider, rest) = if let Some(r) = rest.strip_prefix("jira-server/search/") {
            (Provider::JiraServer, r)
        } else if let Some(r) = rest.strip_prefix("jira/search/") {
            (Provider::JiraCloud, r)
        } else {
            return Self::NotFound;
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let mut parts = rest.split('/');
        let (Some(org), Some(id), None) = (parts.next(), parts.next(), parts.next()) else {
            return Self::NotFound;
        };
        if org.is_empty() || id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Self::NotFound;
        }
        Self::Search {
            provider,
            org: OrgRef::parse(org),
            integration_id: id.parse().ok().map(IntegrationId),
        }
    }

    /// The bounded name used in metrics and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Healthz => "healthz",
            Self::Readyz => "readyz",
            Self::Metrics => "metrics",
            Self::Search {
                provider: Provider::JiraServer,
                ..
            } => "search_server",
            Self::Search {
                provider: Provider::JiraCloud,
                ..
            } => "search_cloud",
            Self::NotFound => "not_found",
        }
    }
}

/// The methods every route answers (HEAD as GET without the body), as `Allow` names them.
pub const ALLOWED_METHODS: &str = "GET, HEAD";

/// Answers one request, and logs one line for it.
pub async fn handle<J, S, C, B>(
    state: Arc<AppState<J, S, C>>,
    req: Request<B>,
) -> Response<Full<Bytes>>
where
    J: JiraApi,
    S: IntegrationStore,
    C: SearchCache,
    B: Body<Data = Bytes>,
    B::Error: Into<domain::BoxError>,
{
    if let Some(admin) = state.admin.clone() {
        if ApiRoute::owns(req.uri().path()) {
            return handle_admin(&state, admin.as_ref(), req).await;
        }
    }
    let started = Instant::now();
    let _in_flight = state.metrics.start();
    let request_id = request_id(&req);
    let target_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let route = if target_len > MAX_URI_BYTES {
        None
    } else {
        Some(Route::parse(req.uri().path()))
    };
    let route_name = route.as_ref().map_or("uri_too_long", Route::name);
    let mut search = None;
    let trace = SearchTrace::default();
    // CORS takes part on the search routes alone, and only when origins are configured.
    let policy = match (&route, &state.cors) {
        (Some(Route::Search { .. }), Some(policy)) => Some(policy),
        _ => None,
    };
    let preflight = policy.filter(|_| cors::is_preflight(&req));
    let mut response = if let Some(policy) = preflight {
        policy.preflight(req.headers())
    } else {
        match &route {
            None => json_response(
                StatusCode::URI_TOO_LONG,
                &json!({"detail": format!("URI too long: at most {MAX_URI_BYTES} bytes")}),
            ),
            Some(Route::NotFound) => {
                json_response(StatusCode::NOT_FOUND, &json!({"detail": "Not found"}))
            }
            Some(_) if req.method() != Method::GET && req.method() != Method::HEAD => {
                let mut r = json_response(
                    StatusCode::METHOD_NOT_ALLOWED,
                    &json!({"detail": format!("Method \"{}\" not allowed.", req.method())}),
                );
                r.headers_mut()
                    .insert(ALLOW, HeaderValue::from_static(ALLOWED_METHODS));
                r
            }
            Some(Route::Healthz) => json_response(StatusCode::OK, &json!({"status": "ok"})),
            Some(Route::Readyz) => readyz(&state).await,
            Some(Route::Metrics) => metrics(&state),
            Some(Route::Search {
                provider,
                org,
                integration_id,
            }) => {
                let s = search_request(&req, org.clone(), *integration_id);
                let r = match state.search.search(*provider, &s, &trace).await {
                    Ok(json) => json_text_response(StatusCode::OK, json.into_string()),
                    Err(e) => {
                        if let SearchError::Jira { source, .. } = &e {
                            // Which tenant's Jira failed, tied to the request's own line.
                            tracing::warn!(
                                request_id = %request_id,
                                route = route_name,
                                integration = integration_id.map(|i| i.0),
                                error = %error_chain(source),
                                "jira call failed"
                            );
                        }
                        error_response(&e)
                    }
                };
                search = Some(s);
                r
            }
        }
    };
    if let (Some(policy), None) = (policy, preflight) {
        policy.decorate(req.headers(), &mut response);
    }
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(X_REQUEST_ID, v);
    }
    if req.method() == Method::HEAD {
        response = without_body(response);
    }
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    match &search {
        Some(s) => {
            let branch = trace.branch().map_or("none", Branch::name);
            state.metrics.record(route_name, branch, status, elapsed);
            // The org and integration as the route names them; never the query or a user.
            tracing::info!(
                request_id = %request_id,
                method = %req.method(),
                route = route_name,
                branch,
                org = %s.org,
                integration = s.integration_id.map(|i| i.0),
                status,
                latency_ms,
                jira_calls = trace.jira_calls(),
                cache = trace.cache().name(),
                "request"
            );
            tracing::debug!(request_id = %request_id, field = ?s.field, query = ?s.query, project = ?s.project, "search parameters");
        }
        None => {
            state.metrics.record(route_name, "none", status, elapsed);
            tracing::info!(
                request_id = %request_id,
                method = %req.method(),
                route = route_name,
                status,
                latency_ms,
                "request"
            );
        }
    }
    response
}

/// The caller's request: bearer token, route parts, and the last value of each parameter.
fn search_request<B>(
    req: &Request<B>,
    org: OrgRef,
    integration_id: Option<IntegrationId>,
) -> SearchRequest {
    let token = bearer(req);
    let mut search = SearchRequest {
        token,
        org,
        integration_id,
        field: None,
        query: None,
        project: None,
    };
    if let Some(q) = req.uri().query() {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            match k.as_ref() {
                "field" => search.field = Some(v.into_owned()),
                "query" => search.query = Some(v.into_owned()),
                "project" => search.project = Some(v.into_owned()),
                _ => {}
            }
        }
    }
    search
}

/// Every [`SearchError`] to its status and body (docs/api.md's table). A Jira failure is
/// logged by [`handle`], which knows the integration and the request id.
pub fn error_response(e: &SearchError) -> Response<Full<Bytes>> {
    let detail = |status| json_response(status, &json!({"detail": e.to_string()}));
    match e {
        SearchError::Unauthenticated => {
            let mut r = detail(StatusCode::UNAUTHORIZED);
            r.headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            r
        }
        SearchError::OrgNotFound => detail(StatusCode::NOT_FOUND),
        SearchError::IntegrationNotFound => empty_response(StatusCode::NOT_FOUND),
        SearchError::FieldRequired | SearchError::QueryRequired => detail(StatusCode::BAD_REQUEST),
        // Logged by the caller, which knows the integration and the request.
        SearchError::Jira { .. } => detail(StatusCode::BAD_REQUEST),
        SearchError::Store(source) => {
            tracing::error!(error = %error_chain(source), "store failed");
            json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({"detail": "Service unavailable: the database did not answer"}),
            )
        }
    }
}

async fn readyz<J: JiraApi, S: IntegrationStore, C: SearchCache>(
    state: &AppState<J, S, C>,
) -> Response<Full<Bytes>> {
    let database = state.search.store().ping().await;
    let cache = state.search.cache();
    let cache_ok = cache.ping().await.is_ok();
    let body = json!({
        "status": if database.is_ok() { "ready" } else { "unready" },
        "database": if database.is_ok() { "ok" } else { "error" },
        "cache": {"kind": cache.kind(), "status": if cache_ok { "ok" } else { "down" }},
    });
    if let Err(e) = &database {
        tracing::error!(error = %error_chain(e), "readiness: database failed");
    }
    let status = if database.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json_response(status, &body)
}

fn metrics<J, S, C>(state: &AppState<J, S, C>) -> Response<Full<Bytes>> {
    match state.metrics.encode() {
        Ok(text) => {
            let mut r = Response::new(Full::new(Bytes::from(text)));
            r.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            );
            r
        }
        Err(_) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"detail": "metrics could not be encoded"}),
        ),
    }
}

#[cfg(test)]
mod tests;
