//! The service's front door: a request's method, target (path → route, query string →
//! parameters) and `Authorization` header through `app::http::handle`, the router the server
//! runs, over an in-memory store and a Jira with fixed answers.
//!
//! Input: `METHOD TARGET` on the first line, the `Authorization` header's value on the
//! second (none without one), the `Origin` header's on the third (an `OPTIONS` with one is a
//! preflight, `Access-Control-Request-Method: GET`); CORS allows `https://app.example`. The org `acme`, its integrations 1 (Server) and 2 (Cloud) and
//! its token `jst_fuzz_caller_token_0123456789` exist. Checks: a search route written back
//! parses to the same route; no request gets a 5xx; every body is JSON (but /metrics's); the
//! checks come in the documented order (no token: 401, then the org: 404); a refused token
//! gets the fixed 401 body; the caller's token is never in an answer unless it put it in the
//! URL; HEAD answers GET's status without the body; `Access-Control-Allow-Origin` comes on
//! the search routes alone and only for the origin configured.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use app::http::cors::Cors;
use app::http::{handle, Route};
use app::metrics::Metrics;
use app::AppState;
use bytes::Bytes;
use domain::{
    CacheError, Integration, JiraError, JiraRequest, OrgRef, Provider, SearchCache, SearchService,
    SearchSettings,
};
use http_body_util::{BodyExt, Full};
use hyper::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_REQUEST_METHOD, AUTHORIZATION, ORIGIN,
};
use hyper::{Method, Request, Response, StatusCode};
use jira_search_fuzz::{block_on, store, TOKEN};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

/// The one origin the CORS policy allows.
const ALLOWED_ORIGIN: &str = "https://app.example";

/// A Jira with one fixed answer per call.
struct FixedJira;

impl domain::JiraApi for FixedJira {
    async fn get_json(&self, _: &Integration, request: &JiraRequest) -> Result<Value, JiraError> {
        let path = request.path();
        Ok(match path.as_str() {
            "/rest/api/2/user/search"
            | "/rest/api/3/user/search"
            | "/rest/api/2/user/assignable/search" => {
                json!([{
                    "name": "bob",
                    "accountId": "5b10a2844c20165700ede21g",
                    "displayName": "Bob",
                    "emailAddress": "bob@example.org",
                }])
            }
            "/rest/api/2/search" | "/rest/api/2/search/jql" => {
                json!({"issues": [{"key": "HSP-1", "fields": {"summary": "An issue"}}]})
            }
            "/rest/api/2/project/search" => {
                json!({"values": [{"id": "10000", "key": "HSP", "name": "Help Desk"}]})
            }
            "/rest/api/2/jql/autocompletedata/suggestions" => {
                json!({"results": [{"value": "Sprint 1", "displayName": "<b>Sp</b>rint 1"}]})
            }
            p if p.starts_with("/rest/api/2/project/") => json!({"id": "10000", "key": "HSP"}),
            _ => {
                return Err(JiraError::from_error_answer(
                    404,
                    br#"{"errorMessages":["Not found"],"errors":{}}"#,
                ))
            }
        })
    }
}

/// A cache that keeps nothing, so no input changes what the next one gets.
struct NoCache;

impl SearchCache for NoCache {
    async fn get(&self, _: &str) -> Result<Option<String>, CacheError> {
        Ok(None)
    }
    async fn set(&self, _: &str, _: &str, _: Duration) -> Result<(), CacheError> {
        Ok(())
    }
}

type State = AppState<FixedJira, Arc<domain::testing::InMemoryStore>, NoCache>;

fn state() -> Arc<State> {
    static STATE: OnceLock<Arc<State>> = OnceLock::new();
    STATE
        .get_or_init(|| {
            let search = SearchService::new(FixedJira, store(), NoCache, SearchSettings::default());
            Arc::new(AppState {
                search: Arc::new(search),
                metrics: Metrics::new(),
                admin: None,
                cors: Cors::from_settings(ALLOWED_ORIGIN, 600).expect("a valid policy"),
            })
        })
        .clone()
}

fuzz_target!(|data: &[u8]| {
    let mut lines = data.splitn(2, |&b| b == b'\n');
    let Some(Ok(line)) = lines.next().map(std::str::from_utf8) else {
        return;
    };
    // Line 2: the `Authorization` header; line 3, when there: the `Origin` header.
    let mut rest = lines.next().map(|r| r.splitn(2, |&b| b == b'\n'));
    let authorization = rest.as_mut().and_then(Iterator::next).map(<[u8]>::to_vec);
    let origin = rest
        .as_mut()
        .and_then(Iterator::next)
        .map(|o| o.strip_suffix(b"\n").unwrap_or(o).to_vec());
    let headers = Headers {
        authorization: authorization.as_deref(),
        origin: origin.as_deref(),
    };
    let Some((method, target)) = line.split_once(' ') else {
        return;
    };
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return;
    };
    let Ok(uri) = target.parse::<hyper::Uri>() else {
        return; // no server passes such a target on
    };
    let path = uri.path();
    let route = Route::parse(path);
    if let Route::Search {
        provider,
        org,
        integration_id: Some(id),
    } = &route
    {
        let first = match provider {
            Provider::JiraServer => "jira-server",
            Provider::JiraCloud => "jira",
        };
        let again = Route::parse(&format!("/extensions/{first}/search/{org}/{id}/"));
        assert_eq!(again, route, "written back");
    }

    let Some(answer) = send(&method, &uri, &headers) else {
        return;
    };
    let (status, body, cors) = &answer;
    assert!(!status.is_server_error(), "{status} for {method} {uri}");
    if let Some(allowed) = cors {
        // CORS answers on the search routes alone, and only to the origin configured.
        assert!(matches!(route, Route::Search { .. }), "CORS on {path}");
        assert_eq!(allowed, ALLOWED_ORIGIN, "allowed an origin not configured");
        assert_eq!(origin.as_deref(), Some(ALLOWED_ORIGIN.as_bytes()));
    }
    if !body.is_empty() && path != "/metrics" {
        let _: Value = serde_json::from_slice(body).expect("a JSON body");
    }

    let is_get = method == Method::GET || method == Method::HEAD;
    if let (Route::Search { org, .. }, true) = (&route, is_get) {
        // The token as a header's visible ASCII text: `Bearer <token>`, any case.
        let header = authorization
            .as_deref()
            .and_then(|a| hyper::header::HeaderValue::from_bytes(a).ok());
        let bearer = header
            .as_ref()
            .and_then(|h| h.to_str().ok())
            .and_then(|a| a.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        if bearer != Some(TOKEN) {
            assert_eq!(*status, StatusCode::UNAUTHORIZED, "no token, or not ours");
            if method == Method::GET {
                assert_eq!(
                    body.as_ref(),
                    br#"{"detail":"Authentication credentials were not provided."}"#,
                    "a refused token is never echoed"
                );
            }
        } else if !matches!(org, OrgRef::Slug(s) if s == "acme") && *org != OrgRef::Id(1) {
            assert_eq!(*status, StatusCode::NOT_FOUND, "not the token's org");
        }
        if bearer == Some(TOKEN) {
            let query = uri.query().unwrap_or("");
            let in_url = target.contains(TOKEN)
                || url::form_urlencoded::parse(query.as_bytes())
                    .any(|(k, v)| k.contains(TOKEN) || v.contains(TOKEN));
            let in_body = String::from_utf8_lossy(body).contains(TOKEN);
            assert!(in_url || !in_body, "the caller's token in the answer");
        }
    }

    if method == Method::GET && path != "/metrics" {
        let (head_status, head_body, _) = send(&Method::HEAD, &uri, &headers).expect("as GET");
        assert_eq!(head_status, *status, "HEAD answers as GET");
        assert!(head_body.is_empty(), "HEAD has no body");
    }
});

/// The request headers an input gives.
struct Headers<'a> {
    authorization: Option<&'a [u8]>,
    origin: Option<&'a [u8]>,
}

/// The answer's status, body and `Access-Control-Allow-Origin`, or `None` for a header value
/// no request can carry. An `OPTIONS` with an origin asks as a browser's preflight does.
fn send(
    method: &Method,
    uri: &hyper::Uri,
    headers: &Headers<'_>,
) -> Option<(StatusCode, Bytes, Option<String>)> {
    let mut request = Request::builder().method(method.clone()).uri(uri.clone());
    if let Some(value) = headers.authorization {
        request = request.header(AUTHORIZATION, HeaderValue::from_bytes(value).ok()?);
    }
    if let Some(value) = headers.origin {
        request = request.header(ORIGIN, HeaderValue::from_bytes(value).ok()?);
        if method == Method::OPTIONS {
            request = request.header(ACCESS_CONTROL_REQUEST_METHOD, "GET");
        }
    }
    let request = request.body(http_body_util::Empty::<Bytes>::new()).ok()?;
    let response: Response<Full<Bytes>> = block_on(handle(state(), request));
    let status = response.status();
    let cors = response
        .headers()
        .get(ACCESS_CONTROL_ALLOW_ORIGIN)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let body = block_on(response.into_body().collect())
        .expect("a full body")
        .to_bytes();
    Some((status, body, cors))
}
