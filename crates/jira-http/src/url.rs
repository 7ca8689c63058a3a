//! Request URLs: the base URL (with any context path), the encoded path, the encoded query.

use domain::{BaseUrl, JiraRequest};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// RFC 3986 unreserved characters stay; everything else is percent-encoded. Strict on
/// purpose: a `/`, `?`, `#`, `&` or `+` in a value can never change the path or the query.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment or query component.
pub fn encode(component: &str) -> String {
    utf8_percent_encode(component, COMPONENT).to_string()
}

/// The request's path relative to the base URL, as sent: `/seg1/seg2`, each segment encoded
/// (empty for no segment).
pub fn relative_path(request: &JiraRequest) -> String {
    let mut path = String::new();
    for segment in &request.segments {
        path.push('/');
        path.push_str(&encode(segment));
    }
    path
}

/// The base URL's context path (`/jira` of `https://example.com/jira`), empty for none.
pub fn context_path(base: &BaseUrl) -> String {
    let s = base.as_str();
    let after_scheme = s.split_once("://").map_or(s, |(_, rest)| rest);
    match after_scheme.find('/') {
        Some(i) => after_scheme[i..].trim_end_matches('/').to_owned(),
        None => String::new(),
    }
}

/// `base` + `/seg1/seg2` + `?k=v&...`, each segment and component encoded.
pub fn request_url(base: &BaseUrl, request: &JiraRequest) -> String {
    let mut url = base.as_str().trim_end_matches('/').to_owned();
    url.push_str(&relative_path(request));
    for (i, (k, v)) in request.query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(&encode(k));
        url.push('=');
        url.push_str(&encode(v));
    }
    url
}

/// The host (with port, if any) of a base URL, for error messages: no path, no secret.
pub fn host_of(base: &BaseUrl) -> String {
    let s = base.as_str();
    let after_scheme = s.split_once("://").map_or(s, |(_, rest)| rest);
    let authority = after_scheme.split('/').next().unwrap_or(after_scheme);
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    // Drop the port: Sentry's message names the host alone.
    if let Some(stripped) = host_port.strip_prefix('[') {
        return format!("[{}", stripped.split(']').next().unwrap_or(stripped)) + "]";
    }
    host_port.split(':').next().unwrap_or(host_port).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_and_query_are_encoded_and_context_paths_kept() {
        let base = BaseUrl::from_trusted("https://example.com/jira/");
        let req = JiraRequest::get("rest/api/2/project")
            .segment("../x?y=1#z")
            .param("username", "a b&c=d+é/")
            .param("project", "HSP");
        assert_eq!(
            request_url(&base, &req),
            "https://example.com/jira/rest/api/2/project/..%2Fx%3Fy%3D1%23z?username=a%20b%26c%3Dd%2B%C3%A9%2F&project=HSP"
        );
        let req = JiraRequest::get("rest/api/2/myself");
        assert_eq!(
            request_url(&BaseUrl::from_trusted("http://127.0.0.1:8080"), &req),
            "http://127.0.0.1:8080/rest/api/2/myself"
        );
    }

    #[test]
    fn context_paths() {
        for (base, ctx) in [
            ("https://jira.example.com/jira", "/jira"),
            ("https://jira.example.com/a/b/", "/a/b"),
            ("http://127.0.0.1:8080", ""),
        ] {
            assert_eq!(context_path(&BaseUrl::from_trusted(base)), ctx, "{base}");
        }
    }

    #[test]
    fn hosts() {
        for (base, host) in [
            ("https://jira.example.com/jira", "jira.example.com"),
            ("http://127.0.0.1:8080", "127.0.0.1"),
            ("https://[::1]:8443/x", "[::1]"),
        ] {
            assert_eq!(host_of(&BaseUrl::from_trusted(base)), host, "{base}");
        }
    }
}
