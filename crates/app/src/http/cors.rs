//! CORS for the search routes (docs/api.md, "CORS"), so a product's page can call them straight
//! from the browser with a browser token: exact origins from `CORS_ALLOWED_ORIGINS`, only
//! `GET`, only the `Authorization` request header, and no credentials (the token travels in
//! `Authorization`, never in a cookie). Every other route never sends a CORS header.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{
    HeaderMap, HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json;

use crate::reply::{empty_response, json_response};

/// `CORS_MAX_AGE_SECONDS` when unset: how long a browser may reuse a preflight's answer.
pub const DEFAULT_MAX_AGE_SECONDS: u64 = 600;

/// Largest `CORS_MAX_AGE_SECONDS` accepted: a day, Firefox's own cap (Chromium caps at two
/// hours whatever it is told).
pub const MAX_AGE_LIMIT_SECONDS: u64 = 86_400;

/// What every preflight answer varies on.
const PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// The CORS policy of the search routes: the origins allowed and the preflight's max-age.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cors {
    origins: Vec<String>,
    max_age: u64,
}

impl Cors {
    /// The policy from `CORS_ALLOWED_ORIGINS` (comma-separated exact origins; blank entries
    /// are skipped) and `CORS_MAX_AGE_SECONDS`; `None` when no origin is listed (no CORS).
    ///
    /// # Errors
    /// A message naming the setting and the entry that is wrong.
    pub fn from_settings(origins: &str, max_age_seconds: u64) -> Result<Option<Self>, String> {
        if max_age_seconds > MAX_AGE_LIMIT_SECONDS {
            return Err(format!(
                "CORS_MAX_AGE_SECONDS: {max_age_seconds} is more than {MAX_AGE_LIMIT_SECONDS} (a day)"
            ));
        }
        let origins = origins
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|raw| parse_origin(raw).map_err(|why| format!("CORS_ALLOWED_ORIGINS: {why}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((!origins.is_empty()).then_some(Self {
            origins,
            max_age: max_age_seconds,
        }))
    }

    /// The origins allowed, as browsers write them in `Origin`.
    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    /// The request's `Origin` when it is one allowed (exactly, byte for byte; a request with
    /// several `Origin` headers has none).
    fn allowed<'a>(&self, headers: &'a HeaderMap) -> Option<&'a HeaderValue> {
        let mut all = headers.get_all(ORIGIN).iter();
        let (Some(origin), None) = (all.next(), all.next()) else {
            return None;
        };
        self.origins
            .iter()
            .any(|o| o.as_bytes() == origin.as_bytes())
            .then_some(origin)
    }

    /// The answer to a preflight ([`is_preflight`]) of a search route: 204 with the allow
    /// headers when the origin is allowed, the method asked for is `GET` and the headers
    /// asked for (if any) are `Authorization` alone; otherwise 403 with a JSON `detail` and
    /// no allow header, so the browser does not send the request. Never authenticated.
    pub fn preflight(&self, headers: &HeaderMap) -> Response<Full<Bytes>> {
        let refused = |why: &str| {
            let mut r = json_response(
                StatusCode::FORBIDDEN,
                &json!({"detail": format!("CORS preflight refused: {why}")}),
            );
            r.headers_mut()
                .insert(VARY, HeaderValue::from_static(PREFLIGHT_VARY));
            r
        };
        let Some(origin) = self.allowed(headers) else {
            return refused("this origin is not allowed (CORS_ALLOWED_ORIGINS)");
        };
        let method = headers.get(ACCESS_CONTROL_REQUEST_METHOD);
        if method.is_none_or(|m| m.as_bytes() != b"GET") {
            return refused("only GET is allowed");
        }
        if !only_authorization(headers) {
            return refused("only the Authorization request header is allowed");
        }
        let mut r = empty_response(StatusCode::NO_CONTENT);
        let h = r.headers_mut();
        h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        h.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET"),
        );
        h.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Authorization"),
        );
        h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from(self.max_age));
        h.insert(VARY, HeaderValue::from_static(PREFLIGHT_VARY));
        r
    }

    /// Marks any other answer of a search route (every status): `Vary: Origin` always, so a
    /// cache never hands one origin's answer to another, and `Access-Control-Allow-Origin`
    /// naming the request's origin when it is allowed.
    pub fn decorate(&self, request: &HeaderMap, response: &mut Response<Full<Bytes>>) {
        let origin = self.allowed(request).cloned();
        let h = response.headers_mut();
        h.append(VARY, HeaderValue::from_static("Origin"));
        if let Some(origin) = origin {
            h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        }
    }
}

/// Whether a request is a CORS preflight: `OPTIONS` with `Access-Control-Request-Method`.
/// Any other `OPTIONS` is answered as before (405).
pub fn is_preflight<B>(req: &Request<B>) -> bool {
    req.method() == Method::OPTIONS && req.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD)
}

/// Whether `Access-Control-Request-Headers` (every such header, comma lists, any case) asks
/// for `Authorization` alone, or for nothing.
fn only_authorization(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .all(|v| {
            v.to_str().is_ok_and(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .all(|name| name.eq_ignore_ascii_case("authorization"))
            })
        })
}

/// One entry of `CORS_ALLOWED_ORIGINS`: an http(s) origin written exactly as browsers send it
/// in `Origin` (`scheme://host[:port]`, lower case, no default port, no path, no trailing
/// slash, no wildcard).
///
/// # Errors
/// What is wrong with `raw`, quoting it, and the form to write when there is one.
pub fn parse_origin(raw: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("{raw:?} is not an origin: {why}"));
    if raw.contains('*') {
        return bad("wildcards are not accepted; list every origin");
    }
    let Ok(url) = url::Url::parse(raw) else {
        return bad("write scheme://host[:port], e.g. https://app.example.com");
    };
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return bad("only http and https origins with a host are accepted");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return bad("it must not carry a user");
    }
    if url.query().is_some() || url.fragment().is_some() || url.path() != "/" {
        return bad("it must not carry a path, a query or a fragment");
    }
    let origin = url.origin().ascii_serialization();
    if raw.ends_with('/') {
        return bad(&format!("no trailing slash: write {origin}"));
    }
    if origin != raw {
        // Upper case, a default port, an international name: browsers send another text.
        return bad(&format!("browsers send it as {origin}: write that"));
    }
    Ok(origin)
}

#[cfg(test)]
mod tests;
