//! A Jira base URL, parsed once and kept parsed.

use std::fmt;

use super::invalid::InvalidInput;

/// Longest URL accepted (base URL, token URL): real Jira URLs are far shorter, and a URL is
/// echoed in listings and messages.
pub const MAX_URL_LEN: usize = 2048;

/// Longest host name (DNS allows 253 characters).
const MAX_HOST_LEN: usize = 253;

/// A Jira base URL: `http(s)://host[:port][/context]`, written without a trailing `/`.
/// Two base URLs are equal when they are written the same (`https://x/jira/` as parsed
/// equals `https://x/jira` read back from the store).
#[derive(Debug, Clone)]
pub struct BaseUrl {
    url: url::Url,
    text: String,
}

impl PartialEq for BaseUrl {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for BaseUrl {}

impl BaseUrl {
    /// Validates a base URL. Plain `http` is refused for a host other than the loopback
    /// (`localhost`, 127.0.0.0/8, `::1`) unless `allow_http`: Jira credentials must not cross
    /// a network in clear by accident.
    ///
    /// # Errors
    /// [`InvalidInput`] saying what is wrong: too long, a control character (a URL parser
    /// would silently drop a newline), not a URL, another scheme, no host or a host longer
    /// than DNS allows, user info, a query or a fragment, or `http` without `allow_http`.
    pub fn parse(s: &str, allow_http: bool) -> Result<Self, InvalidInput> {
        let trimmed = s.trim();
        if trimmed.len() > MAX_URL_LEN {
            return Err(InvalidInput::new(format!(
                "invalid base URL: it is {} bytes long; at most {MAX_URL_LEN} are accepted",
                trimmed.len()
            )));
        }
        let shown = redact_userinfo(trimmed);
        let bad = |why: &str| InvalidInput::new(format!("invalid base URL {shown:?}: {why}"));
        if trimmed.chars().any(char::is_control) {
            return Err(bad("it contains a control character (a newline or a tab?)"));
        }
        let url = url::Url::parse(trimmed).map_err(|e| bad(&e.to_string()))?;
        match url.scheme() {
            "https" => {}
            "http" if allow_http || is_loopback(&url) => {}
            "http" => {
                return Err(bad(
                    "plain http would send Jira credentials unencrypted; use https, or pass --allow-http for a trusted local network",
                ))
            }
            _ => return Err(bad("the scheme must be https (or http with --allow-http)")),
        }
        match url.host_str() {
            None | Some("") => return Err(bad("it has no host")),
            Some(host) if host.len() > MAX_HOST_LEN => {
                return Err(bad(&format!(
                    "its host is {} characters long; a host name has at most {MAX_HOST_LEN}",
                    host.len()
                )))
            }
            Some(_) => {}
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "credentials do not belong in the URL; pass them with --user and stdin",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("it must not have a query string or a fragment"));
        }
        Ok(Self::from_url(url))
    }

    /// A URL read back from the store, validated when it was stored.
    ///
    /// # Errors
    /// [`InvalidInput`] when the stored text is not a URL with a host (a corrupt row).
    pub fn from_stored(s: &str) -> Result<Self, InvalidInput> {
        let url = url::Url::parse(s)
            .map_err(|e| InvalidInput::new(format!("stored URL is not a URL: {e}")))?;
        if url.host_str().is_none_or(str::is_empty) {
            return Err(InvalidInput::new("stored URL has no host"));
        }
        Ok(Self::from_url(url))
    }

    fn from_url(url: url::Url) -> Self {
        let text = url.as_str().trim_end_matches('/').to_owned();
        Self { url, text }
    }

    /// The URL without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether it uses plain http.
    pub fn is_http(&self) -> bool {
        self.url.scheme() == "http"
    }

    /// The host without the port (an IPv6 address in brackets): what error messages and the
    /// default integration name show.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// The context path (`/jira` of `https://example.com/jira`), empty for none.
    pub fn context_path(&self) -> &str {
        self.url.path().trim_end_matches('/')
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Whether the URL's host is this machine: `localhost`, 127.0.0.0/8 or `::1`.
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `s` with anything between `://` and the last `@` replaced by `***`: a password typed into
/// a URL must not come back in an error message.
fn redact_userinfo(s: &str) -> String {
    match (s.find("://"), s.rfind('@')) {
        (Some(i), Some(at)) if at > i => format!("{}***{}", &s[..i + 3], &s[at..]),
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        let u = BaseUrl::parse("https://jira.example.com/jira/", false).unwrap();
        assert_eq!(u.as_str(), "https://jira.example.com/jira");
        let u = BaseUrl::parse("https://jira.example.com", false).unwrap();
        assert_eq!(u.as_str(), "https://jira.example.com");
        assert!(BaseUrl::parse("http://127.0.0.1:8080", true).is_ok());
        // The loopback needs no --allow-http: nothing crosses a network.
        for local in [
            "http://127.0.0.1:8080",
            "http://127.9.9.9/jira",
            "http://localhost:2990/jira",
            "http://[::1]:8080",
        ] {
            assert!(BaseUrl::parse(local, false).is_ok(), "{local}");
        }
        assert!(BaseUrl::parse("http://10.0.0.5:8080", false).is_err());
        assert!(BaseUrl::parse("http://localhost.example.com", false).is_err());
        let long_host = format!("https://{}.com", "a".repeat(300));
        let long_url = format!("https://jira.example.com/{}", "a".repeat(100_000));
        for (bad, why) in [
            ("http://jira", "plain http"),
            ("ftp://jira", "scheme"),
            ("jira.example.com", "relative URL"),
            ("https://u:p@jira.example.com", "credentials do not belong"),
            ("https://jira.example.com/?a=b", "query string"),
            ("https://jira.example.com/#x", "fragment"),
            ("https://jira.example.com\nx", "control character"),
            ("https://jira.exa\tmple.com", "control character"),
            (long_host.as_str(), "a host name has at most 253"),
            (long_url.as_str(), "at most 2048 are accepted"),
        ] {
            let err = BaseUrl::parse(bad, false).unwrap_err();
            assert!(err.0.contains(why), "{bad:.80}: {err}");
            assert!(!err.0.contains("u:p"), "{err}");
            assert!(err.0.len() < 600, "{}", err.0.len());
        }
    }

    #[test]
    fn hosts_and_context_paths() {
        for (base, host, ctx) in [
            ("https://jira.example.com/jira", "jira.example.com", "/jira"),
            ("https://jira.example.com/a/b/", "jira.example.com", "/a/b"),
            ("http://127.0.0.1:8080", "127.0.0.1", ""),
            ("https://[::1]:8443/x", "[::1]", "/x"),
        ] {
            let url = BaseUrl::from_stored(base).unwrap();
            assert_eq!(url.host(), host, "{base}");
            assert_eq!(url.context_path(), ctx, "{base}");
        }
        assert!(BaseUrl::from_stored("not a url").is_err());
    }

    #[test]
    fn a_url_read_back_equals_the_url_parsed() {
        for given in [
            "https://jira.example.com/jira/",
            "https://jira.example.com/",
        ] {
            let parsed = BaseUrl::parse(given, false).unwrap();
            let stored = BaseUrl::from_stored(parsed.as_str()).unwrap();
            assert_eq!(stored, parsed, "{given}");
        }
        let other = BaseUrl::parse("https://jira.example.com/jira2", false).unwrap();
        assert_ne!(
            BaseUrl::parse("https://jira.example.com/jira", false).unwrap(),
            other
        );
    }
}
