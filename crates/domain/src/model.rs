//! Organizations, integrations and credentials, with the validation rules for each.

use std::fmt;
use std::str::FromStr;

use crate::secret::Secret;

/// Input a user can get wrong. The message says what is wrong and never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidInput(pub String);

impl InvalidInput {
    fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

/// Numeric id of an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(pub i64);

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An organization's slug: `[a-z0-9][a-z0-9-]{0,49}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    /// Validates a slug.
    ///
    /// # Errors
    /// [`InvalidInput`] naming the rule when `s` is not a valid slug.
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        let bytes = s.as_bytes();
        let ok = !bytes.is_empty()
            && bytes.len() <= 50
            && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidInput::new(format!(
                "invalid org slug {s:?}: use 1 to 50 characters of a-z, 0-9 and '-', starting with a letter or digit"
            )))
        }
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a caller or an admin names an org: its numeric id or its slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgRef {
    /// All digits: the numeric id.
    Id(i64),
    /// Anything else: the slug (not validated; an invalid slug simply matches nothing).
    Slug(String),
}

impl OrgRef {
    /// Reads `10` as an id and `acme` as a slug. A digits-only string too long for an id
    /// names nothing and is kept as a slug (which cannot match either).
    pub fn parse(s: &str) -> Self {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(id) = s.parse() {
                return Self::Id(id);
            }
        }
        Self::Slug(s.to_owned())
    }
}

/// An organization: the tenant that owns tokens and is linked to integrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    /// Numeric id.
    pub id: OrgId,
    /// Unique slug.
    pub slug: Slug,
}

/// Numeric id of an integration (one connected Jira instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IntegrationId(pub i64);

impl fmt::Display for IntegrationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Which flavour of Jira an integration talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Jira Server / Data Center (`jira_server`).
    JiraServer,
    /// Jira Cloud (`jira`).
    JiraCloud,
}

impl Provider {
    /// The stored and CLI name: `jira_server` or `jira`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::JiraServer => "jira_server",
            Self::JiraCloud => "jira",
        }
    }

    /// The name used in error messages: `Jira Server` or `Jira`.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::JiraServer => "Jira Server",
            Self::JiraCloud => "Jira",
        }
    }

    /// The user object's id field: `name` on Server, `accountId` on Cloud.
    pub fn user_id_field(self) -> &'static str {
        match self {
            Self::JiraServer => "name",
            Self::JiraCloud => "accountId",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = InvalidInput;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "jira_server" => Ok(Self::JiraServer),
            "jira" => Ok(Self::JiraCloud),
            other => Err(InvalidInput::new(format!(
                "unknown provider {other:?}: use jira_server (Jira Server / Data Center) or jira (Jira Cloud)"
            ))),
        }
    }
}

/// How the service authenticates to Jira (`--auth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Personal access token, sent as Bearer (Server / Data Center 8.14+).
    Pat,
    /// Basic user:password (Server) or email:api_token (Cloud).
    Basic,
    /// OAuth 1.0a RSA-SHA1 (Server application links).
    OAuth1,
    /// OAuth 2.0 with refresh-token renewal.
    OAuth2,
    /// Atlassian Connect JWT (Cloud).
    ConnectJwt,
}

impl AuthMethod {
    /// The CLI and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pat => "pat",
            Self::Basic => "basic",
            Self::OAuth1 => "oauth1",
            Self::OAuth2 => "oauth2",
            Self::ConnectJwt => "connect-jwt",
        }
    }

    /// Whether the provider offers this method at all (contract.md's table).
    pub fn offered_by(self, provider: Provider) -> bool {
        match provider {
            Provider::JiraServer => {
                matches!(self, Self::Pat | Self::Basic | Self::OAuth1 | Self::OAuth2)
            }
            Provider::JiraCloud => matches!(self, Self::Basic | Self::OAuth2 | Self::ConnectJwt),
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthMethod {
    type Err = InvalidInput;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pat" => Ok(Self::Pat),
            "basic" => Ok(Self::Basic),
            "oauth1" => Ok(Self::OAuth1),
            "oauth2" => Ok(Self::OAuth2),
            "connect-jwt" => Ok(Self::ConnectJwt),
            other => Err(InvalidInput::new(format!(
                "unknown auth method {other:?}: use pat, basic, oauth1, oauth2 or connect-jwt"
            ))),
        }
    }
}

/// What the service sends to Jira to prove who it is. `Debug` prints no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// `Authorization: Bearer <token>`.
    Pat {
        /// The personal access token.
        token: Secret,
    },
    /// `Authorization: Basic base64(user:secret)`.
    Basic {
        /// Username (Server) or account email (Cloud).
        user: String,
        /// Password (Server) or API token (Cloud).
        secret: Secret,
    },
    /// OAuth 1.0a with RSA-SHA1 (Jira Server application links): every request signed afresh.
    OAuth1 {
        /// The application link's consumer key.
        consumer_key: String,
        /// The RSA private key, PKCS#8 or PKCS#1 PEM.
        private_key_pem: Secret,
        /// The access token of the authorised user.
        access_token: Secret,
        /// The access token's secret (unused by RSA-SHA1 signatures, kept for completeness).
        token_secret: Secret,
    },
    /// OAuth 2.0: a Bearer access token obtained, and renewed, with a rotating refresh token.
    OAuth2 {
        /// The OAuth client id.
        client_id: String,
        /// Where tokens are renewed (`grant_type=refresh_token`).
        token_url: String,
        /// The OAuth client secret.
        client_secret: Secret,
        /// The current refresh token; Atlassian rotates it on every renewal.
        refresh_token: Secret,
    },
    /// Atlassian Connect: an HS256 JWT with a `qsh` claim, signed with the shared secret.
    ConnectJwt {
        /// The `iss` claim: the Connect app's key.
        issuer: String,
        /// The shared secret from the app's installation.
        shared_secret: Secret,
    },
}

/// Atlassian's token endpoint, the default `--token-url` of Cloud OAuth 2.0.
pub const ATLASSIAN_TOKEN_URL: &str = "https://auth.atlassian.com/oauth/token";

impl Credentials {
    /// The auth method these credentials belong to.
    pub fn method(&self) -> AuthMethod {
        match self {
            Self::Pat { .. } => AuthMethod::Pat,
            Self::Basic { .. } => AuthMethod::Basic,
            Self::OAuth1 { .. } => AuthMethod::OAuth1,
            Self::OAuth2 { .. } => AuthMethod::OAuth2,
            Self::ConnectJwt { .. } => AuthMethod::ConnectJwt,
        }
    }
}

/// A Jira base URL: `http(s)://host[:port][/context]`, stored without a trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Validates a base URL. Plain `http` is refused for a host other than the loopback
    /// (`localhost`, 127.0.0.0/8, `::1`) unless `allow_http`: Jira credentials must not cross
    /// a network in clear by accident.
    ///
    /// # Errors
    /// [`InvalidInput`] saying what is wrong: not a URL, another scheme, no host, user info,
    /// a query or a fragment, or `http` without `allow_http`.
    pub fn parse(s: &str, allow_http: bool) -> Result<Self, InvalidInput> {
        let shown = redact_userinfo(s.trim());
        let bad = |why: &str| InvalidInput::new(format!("invalid base URL {shown:?}: {why}"));
        let url = url::Url::parse(s.trim()).map_err(|e| bad(&e.to_string()))?;
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
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it has no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "credentials do not belong in the URL; pass them with --user and stdin",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("it must not have a query string or a fragment"));
        }
        let mut text = url.as_str().to_owned();
        while text.ends_with('/') {
            text.pop();
        }
        Ok(Self(text))
    }

    /// Wraps a URL read back from the store, already validated when it was stored.
    pub fn from_trusted(s: impl Into<String>) -> Self {
        let mut s = s.into();
        while s.ends_with('/') {
            s.pop();
        }
        Self(s)
    }

    /// The URL without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it uses plain http.
    pub fn is_http(&self) -> bool {
        self.0.starts_with("http://")
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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

/// One connected Jira instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    /// Numeric id.
    pub id: IntegrationId,
    /// Server / Data Center or Cloud.
    pub provider: Provider,
    /// A human name (defaults to the host).
    pub name: String,
    /// Where Jira lives.
    pub base_url: BaseUrl,
    /// Whether TLS certificates are verified (always true on Cloud).
    pub verify_tls: bool,
    /// A disabled integration answers 404, like a missing one.
    pub enabled: bool,
    /// How to authenticate.
    pub credentials: Credentials,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for ok in ["a", "acme", "0", "a-b-9", &"a".repeat(50)] {
            assert!(Slug::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "Acme", "a_b", "a b", &"a".repeat(51), "é"] {
            let err = Slug::parse(bad).unwrap_err();
            assert!(err.0.contains("invalid org slug"), "{err}");
        }
    }

    #[test]
    fn org_refs() {
        assert_eq!(OrgRef::parse("12"), OrgRef::Id(12));
        assert_eq!(OrgRef::parse("acme"), OrgRef::Slug("acme".into()));
        assert_eq!(OrgRef::parse("1a"), OrgRef::Slug("1a".into()));
        assert_eq!(
            OrgRef::parse("99999999999999999999999"),
            OrgRef::Slug("99999999999999999999999".into())
        );
    }

    #[test]
    fn providers_and_methods() {
        assert_eq!(
            "jira_server".parse::<Provider>().unwrap(),
            Provider::JiraServer
        );
        assert_eq!("jira".parse::<Provider>().unwrap(), Provider::JiraCloud);
        assert!("cloud".parse::<Provider>().is_err());
        assert!(AuthMethod::Pat.offered_by(Provider::JiraServer));
        assert!(!AuthMethod::Pat.offered_by(Provider::JiraCloud));
        assert!(AuthMethod::ConnectJwt.offered_by(Provider::JiraCloud));
        assert!(!AuthMethod::OAuth1.offered_by(Provider::JiraCloud));
        for m in ["pat", "basic", "oauth1", "oauth2", "connect-jwt"] {
            assert_eq!(m.parse::<AuthMethod>().unwrap().as_str(), m);
        }
    }

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
        for (bad, why) in [
            ("http://jira", "plain http"),
            ("ftp://jira", "scheme"),
            ("jira.example.com", "relative URL"),
            ("https://u:p@jira.example.com", "credentials do not belong"),
            ("https://jira.example.com/?a=b", "query string"),
            ("https://jira.example.com/#x", "fragment"),
        ] {
            let err = BaseUrl::parse(bad, false).unwrap_err();
            assert!(err.0.contains(why), "{bad}: {err}");
            assert!(!err.0.contains("u:p"), "{err}");
        }
    }

    #[test]
    fn every_credential_kind_hides_its_secrets() {
        let all = [
            Credentials::OAuth1 {
                consumer_key: "ck".into(),
                private_key_pem: Secret::new("-----BEGIN PRIVATE KEY-----s3cr3t"),
                access_token: Secret::new("at-s3cr3t"),
                token_secret: Secret::new("ts-s3cr3t"),
            },
            Credentials::OAuth2 {
                client_id: "cid".into(),
                token_url: ATLASSIAN_TOKEN_URL.into(),
                client_secret: Secret::new("cs-s3cr3t"),
                refresh_token: Secret::new("rt-s3cr3t"),
            },
            Credentials::ConnectJwt {
                issuer: "app".into(),
                shared_secret: Secret::new("ss-s3cr3t"),
            },
        ];
        for c in all {
            assert!(!format!("{c:?}").contains("s3cr3t"), "{c:?}");
            assert!(
                c.method().offered_by(Provider::JiraServer)
                    || c.method().offered_by(Provider::JiraCloud)
            );
        }
    }

    #[test]
    fn credentials_debug_has_no_secret() {
        let c = Credentials::Basic {
            user: "bob".into(),
            secret: Secret::new("s3cr3t"),
        };
        assert!(!format!("{c:?}").contains("s3cr3t"));
        let c = Credentials::Pat {
            token: Secret::new("tok-123"),
        };
        assert!(!format!("{c:?}").contains("tok-123"));
    }
}
