//! Building answers: JSON bodies, JSON text made elsewhere, empty bodies, HTML pages and
//! redirects, each with its content type.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use hyper::{Response, StatusCode};

/// A JSON answer.
pub fn json_response<T: serde::Serialize>(status: StatusCode, body: &T) -> Response<Full<Bytes>> {
    // Serialising our own plain types cannot fail; fall back to an empty array if it did.
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"[]".to_vec());
    let mut r = Response::new(Full::new(Bytes::from(bytes)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// An answer whose body is JSON text made elsewhere (a search's list, as cached).
pub fn json_text_response(status: StatusCode, json: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(json)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

pub fn empty_response(status: StatusCode) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = status;
    r
}

/// The service's pages load nothing and cannot be framed (no
/// clickjacking of the site choice); the URLs of the connect flow carry codes and states, so
/// they are never sent on as a referrer. No `form-action`: browsers apply it to the 303 that
/// follows the site choice, which goes to the product's return URL.
const PAGE_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

fn browser_headers(r: &mut Response<Full<Bytes>>) {
    let h = r.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(PAGE_POLICY),
    );
}

/// An HTML page (UTF-8), never cached (it may carry a connection state).
pub fn html_response(status: StatusCode, html: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(html)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    browser_headers(&mut r);
    r
}

/// A 303 See Other to `location` (a URL the service built and checked).
pub fn see_other(location: &str) -> Response<Full<Bytes>> {
    match HeaderValue::from_str(location) {
        Ok(v) => {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::SEE_OTHER;
            r.headers_mut().insert(LOCATION, v);
            browser_headers(&mut r);
            r
        }
        // Built from a parsed URL, so always a valid header; refuse rather than panic.
        Err(_) => html_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "<!doctype html><title>Error</title><p>The return URL cannot be sent.</p>".into(),
        ),
    }
}
