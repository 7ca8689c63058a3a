//! Where connections send browsers (`PUBLIC_URL`), where they may send them back
//! (`CONNECT_RETURN_URLS`) and which Atlassian servers they talk to.

use crate::model::{InvalidInput, MAX_URL_LEN};

/// Where connections send browsers and which servers they talk to (`PUBLIC_URL`,
/// `CONNECT_RETURN_URLS`, `ATLASSIAN_AUTH_URL`, `ATLASSIAN_API_URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectSettings {
    /// Where browsers reach the service, without a trailing slash.
    pub public_url: String,
    /// The return URLs allowed, as prefixes.
    pub return_urls: Vec<ReturnPrefix>,
    /// Atlassian's authorization server, without a trailing slash.
    pub atlassian_auth_url: String,
    /// Atlassian's API gateway, without a trailing slash.
    pub atlassian_api_url: String,
}

impl ConnectSettings {
    /// The redirect (callback) URL registered at every authorization server.
    pub fn callback_url(&self) -> String {
        format!("{}/connect/callback", self.public_url)
    }

    /// Atlassian's token endpoint.
    pub fn atlassian_token_url(&self) -> String {
        format!("{}/oauth/token", self.atlassian_auth_url)
    }
}

/// One entry of `CONNECT_RETURN_URLS`: scheme, host, port and path prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPrefix {
    url: url::Url,
}

impl ReturnPrefix {
    /// Parses one prefix.
    ///
    /// # Errors
    /// [`InvalidInput`] when it is not an absolute http(s) URL with a host, or carries user
    /// info, a query or a fragment.
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        let url = absolute_url(s.trim())
            .map_err(|why| InvalidInput::new(format!("CONNECT_RETURN_URLS: {s:?} {why}")))?;
        if url.query().is_some() {
            return Err(InvalidInput::new(format!(
                "CONNECT_RETURN_URLS: {s:?} must not carry a query"
            )));
        }
        Ok(Self { url })
    }

    /// The prefix as written (normalised).
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    /// Whether `url` starts with this prefix: same scheme, host and port, and a path that is
    /// the prefix's or below it (`/settings` covers `/settings/jira`, not `/settingsx`).
    pub fn covers(&self, url: &url::Url) -> bool {
        if url.scheme() != self.url.scheme()
            || url.host_str() != self.url.host_str()
            || url.port_or_known_default() != self.url.port_or_known_default()
        {
            return false;
        }
        let prefix = self.url.path();
        let path = url.path();
        prefix.ends_with('/') && path.starts_with(prefix)
            || path == prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

/// An absolute http(s) URL with a host and no user info or fragment.
fn absolute_url(s: &str) -> Result<url::Url, &'static str> {
    if s.chars().any(char::is_control) {
        return Err("contains a control character");
    }
    let url = url::Url::parse(s).map_err(|_| "is not an absolute URL")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry a user name or password");
    }
    if url.fragment().is_some() {
        return Err("must not carry a fragment (#...)");
    }
    Ok(url)
}

/// Checks a `return_url` against the allowed prefixes: the service never redirects to a URL
/// a caller made up.
///
/// # Errors
/// [`InvalidInput`] saying why it is refused.
pub fn check_return_url(settings: &ConnectSettings, s: &str) -> Result<url::Url, InvalidInput> {
    if s.len() > MAX_URL_LEN {
        return Err(InvalidInput::new(format!(
            "return_url is {} bytes long; at most {} are accepted",
            s.len(),
            MAX_URL_LEN
        )));
    }
    let url = absolute_url(s).map_err(|why| InvalidInput::new(format!("return_url {why}")))?;
    if !settings.return_urls.iter().any(|p| p.covers(&url)) {
        return Err(InvalidInput::new(
            "return_url is not allowed: it must start with one of the prefixes in CONNECT_RETURN_URLS",
        ));
    }
    Ok(url)
}
