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
use hyper::header::{
    HeaderValue, ALLOW, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE,
};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json;

use crate::api::route::ApiRoute;
use crate::api::{input::ApiError, input::MAX_BODY_BYTES, AdminRequest, AdminRoutes};
use crate::error::error_chain;
use crate::reply::{empty_response, json_response, json_text_response};
use crate::state::AppState;

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

/// Longest request target (path and query) served; longer ones get 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;

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
    let mut response = match &route {
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
    };
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

/// Answers an admin API or connect request: reads its body (at most [`MAX_BODY_BYTES`]),
/// hands it to the admin routes, and logs one line for it (never the body).
async fn handle_admin<J, S, C, B>(
    state: &AppState<J, S, C>,
    admin: &dyn AdminRoutes,
    req: Request<B>,
) -> Response<Full<Bytes>>
where
    B: Body<Data = Bytes>,
    B::Error: Into<domain::BoxError>,
{
    let started = Instant::now();
    let _in_flight = state.metrics.start();
    let request_id = request_id(&req);
    let route_name = ApiRoute::parse(req.uri().path()).name();
    let method = req.method().clone();
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is too large: at most {MAX_BODY_BYTES} bytes are accepted"),
    );
    let mut response = if req.uri().path_and_query().map_or(0, |p| p.as_str().len()) > MAX_URI_BYTES
    {
        ApiError::new(
            StatusCode::URI_TOO_LONG,
            format!("URI too long: at most {MAX_URI_BYTES} bytes"),
        )
        .response()
    } else if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        too_large.response()
    } else {
        let token = bearer(&req);
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let path = req.uri().path().to_owned();
        let query = req.uri().query().map(str::to_owned);
        match http_body_util::BodyExt::collect(http_body_util::Limited::new(
            req.into_body(),
            MAX_BODY_BYTES,
        ))
        .await
        {
            Ok(body) => {
                admin
                    .answer(AdminRequest {
                        method: method.clone(),
                        path,
                        query,
                        token,
                        content_type,
                        body: body.to_bytes(),
                    })
                    .await
            }
            Err(e)
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some() =>
            {
                too_large.response()
            }
            Err(e) => ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("the body could not be read: {e}"),
            )
            .response(),
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(X_REQUEST_ID, v);
    }
    if method == Method::HEAD {
        response = without_body(response);
    }
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.record(route_name, "none", status, elapsed);
    tracing::info!(
        request_id = %request_id,
        method = %method,
        route = route_name,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// The request's bearer token, if any.
fn bearer<B>(req: &Request<B>) -> Option<String> {
    req.headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| rest.trim().to_owned())
        })
        .filter(|t| !t.is_empty())
}

/// The request id header, accepted from the caller or generated, and returned.
const X_REQUEST_ID: &str = "x-request-id";

/// The caller's `X-Request-Id` when it is 1 to 128 visible ASCII characters, else a new
/// random one (32 hex digits), so a log line can be tied to what the caller saw.
fn request_id<B>(req: &Request<B>) -> String {
    req.headers()
        .get(X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{:032x}", rand::random::<u128>()))
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

/// The answer to a HEAD request: GET's status and headers, with `Content-Length` the length
/// of GET's body, and no body.
fn without_body(response: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    let (mut parts, body) = response.into_parts();
    if let Some(len) = body.size_hint().exact() {
        parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    }
    Response::from_parts(parts, Full::new(Bytes::new()))
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
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let search = |p, org: &str, id| Route::Search {
            provider: p,
            org: OrgRef::parse(org),
            integration_id: Some(IntegrationId(id)),
        };
        let cases = [
            ("/healthz", Route::Healthz),
            ("/readyz", Route::Readyz),
            ("/metrics", Route::Metrics),
            (
                "/extensions/jira-server/search/acme/1/",
                search(Provider::JiraServer, "acme", 1),
            ),
            (
                "/extensions/jira-server/search/acme/1",
                search(Provider::JiraServer, "acme", 1),
            ),
            (
                "/extensions/jira/search/7/42/",
                search(Provider::JiraCloud, "7", 42),
            ),
            ("/extensions/jira/search/acme/x/", Route::NotFound),
            ("/extensions/jira/search/acme/-1/", Route::NotFound),
            (
                // Too many digits for any id: still the search route, so the token and the
                // org are checked before the integration is found missing.
                "/extensions/jira/search/acme/99999999999999999999/",
                Route::Search {
                    provider: Provider::JiraCloud,
                    org: OrgRef::parse("acme"),
                    integration_id: None,
                },
            ),
            ("/extensions/jira/search/acme/", Route::NotFound),
            ("/extensions/jira/search//1/", Route::NotFound),
            ("/extensions/jira/search/acme/1/extra", Route::NotFound),
            ("/extensions/jira/search/acme/1//", Route::NotFound),
            ("/extensions/github/search/acme/1/", Route::NotFound),
            ("/healthz/", Route::NotFound),
            ("/", Route::NotFound),
        ];
        for (path, want) in cases {
            assert_eq!(Route::parse(path), want, "{path}");
        }
    }

    #[test]
    fn parameters_last_value_wins_and_bearer_is_read() {
        let req = Request::builder()
            .uri("/x?field=a&query=b+c&field=assignee&project=1&query=%20&other=z")
            .header(AUTHORIZATION, "bearer jst_abc")
            .body(())
            .unwrap();
        let s = search_request(&req, OrgRef::parse("acme"), Some(IntegrationId(3)));
        assert_eq!(s.field.as_deref(), Some("assignee"));
        assert_eq!(s.query.as_deref(), Some(" "));
        assert_eq!(s.project.as_deref(), Some("1"));
        assert_eq!(s.token.as_deref(), Some("jst_abc"));
        let req = Request::builder()
            .uri("/x?field=")
            .header(AUTHORIZATION, "Basic abc")
            .body(())
            .unwrap();
        let s = search_request(&req, OrgRef::parse("acme"), Some(IntegrationId(3)));
        assert_eq!(s.field.as_deref(), Some(""));
        assert_eq!(s.query, None);
        assert_eq!(s.token, None);
    }
}
