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
    for segment in request.segments() {
        path.push('/');
        path.push_str(&encode(segment));
    }
    path
}

/// `base` + `/seg1/seg2` + `?k=v&...`, each segment and component encoded.
pub fn request_url(base: &BaseUrl, request: &JiraRequest) -> String {
    let mut url = base.as_str().trim_end_matches('/').to_owned();
    url.push_str(&relative_path(request));
    for (i, (k, v)) in request.query().iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(&encode(k));
        url.push('=');
        url.push_str(&encode(v));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> BaseUrl {
        BaseUrl::from_stored(s).unwrap()
    }

    #[test]
    fn segments_and_query_are_encoded_and_context_paths_kept() {
        let req = JiraRequest::get("rest/api/2/project")
            .segment("../x?y=1#z")
            .param("username", "a b&c=d+é/")
            .param("project", "HSP");
        assert_eq!(
            request_url(&base("https://example.com/jira/"), &req),
            "https://example.com/jira/rest/api/2/project/..%2Fx%3Fy%3D1%23z?username=a%20b%26c%3Dd%2B%C3%A9%2F&project=HSP"
        );
        let req = JiraRequest::get("rest/api/2/myself");
        assert_eq!(
            request_url(&base("http://127.0.0.1:8080"), &req),
            "http://127.0.0.1:8080/rest/api/2/myself"
        );
    }

    #[test]
    fn a_request_without_segments_is_the_base_url() {
        let req = JiraRequest::get("");
        assert_eq!(relative_path(&req), "");
        assert_eq!(
            request_url(&base("https://example.com/jira"), &req),
            "https://example.com/jira"
        );
    }
}
