//! OAuth clients ("apps") a product registers once per Jira authorization server, and the
//! connections (consent round trips) in flight through them.

use std::fmt;
use std::str::FromStr;

use super::base_url::BaseUrl;
use super::invalid::InvalidInput;
use super::org::OrgId;
use crate::secret::Secret;

/// Numeric id of an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppId(pub i64);

impl fmt::Display for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Which authorization server an app is a client of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppKind {
    /// Atlassian's OAuth 2.0 (3LO), for Jira Cloud.
    Atlassian3lo,
    /// A Jira Data Center (8.22+) OAuth 2.0 incoming application link.
    DcOAuth2,
    /// A Jira Server / Data Center OAuth 1.0a incoming application link.
    ServerOAuth1,
}

impl AppKind {
    /// Every kind, in the order documented.
    pub const ALL: [AppKind; 3] = [Self::Atlassian3lo, Self::DcOAuth2, Self::ServerOAuth1];

    /// The name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Atlassian3lo => "atlassian-3lo",
            Self::DcOAuth2 => "dc-oauth2",
            Self::ServerOAuth1 => "server-oauth1",
        }
    }
}

impl fmt::Display for AppKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AppKind {
    type Err = InvalidInput;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                InvalidInput::new(format!(
                    "unknown app kind {:?}: use atlassian-3lo, dc-oauth2 or server-oauth1",
                    super::invalid::shown(s)
                ))
            })
    }
}

/// An app to store, every rule checked (see `crate::admin`). `Debug` prints no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApp {
    /// Which authorization server.
    pub kind: AppKind,
    /// The Jira it belongs to: `None` for Atlassian 3LO (any Cloud site).
    pub base_url: Option<BaseUrl>,
    /// The OAuth 2.0 client id, or the OAuth 1.0a consumer key.
    pub client_id: String,
    /// The OAuth 2.0 client secret, or the OAuth 1.0a RSA private key (PEM).
    pub secret: Secret,
    /// OAuth 1.0a: the public key (PEM, SPKI) to paste into Jira's application link.
    pub public_key_pem: Option<String>,
    /// Whether the Jira's TLS certificate is verified (always `true` for Atlassian 3LO).
    pub verify_tls: bool,
}

/// A stored app, secret included (never shown: see [`OAuthApp::summary`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthApp {
    /// Numeric id.
    pub id: AppId,
    /// Which authorization server.
    pub kind: AppKind,
    /// The Jira it belongs to: `None` for Atlassian 3LO.
    pub base_url: Option<BaseUrl>,
    /// The OAuth 2.0 client id, or the OAuth 1.0a consumer key.
    pub client_id: String,
    /// The OAuth 2.0 client secret, or the OAuth 1.0a RSA private key (PEM).
    pub secret: Secret,
    /// OAuth 1.0a: the public key (PEM) to paste into Jira.
    pub public_key_pem: Option<String>,
    /// Whether the Jira's TLS certificate is verified (always `true` for Atlassian 3LO).
    pub verify_tls: bool,
    /// When it was stored (RFC 3339, UTC).
    pub created_at: String,
}

/// The public parts of an app, as the admin API lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSummary {
    /// Numeric id.
    pub id: AppId,
    /// Which authorization server.
    pub kind: AppKind,
    /// The Jira it belongs to: `None` for Atlassian 3LO.
    pub base_url: Option<String>,
    /// The OAuth 2.0 client id, or the OAuth 1.0a consumer key.
    pub client_id: String,
    /// OAuth 1.0a: the public key (PEM) to paste into Jira.
    pub public_key_pem: Option<String>,
    /// Whether the Jira's TLS certificate is verified (always `true` for Atlassian 3LO).
    pub verify_tls: bool,
    /// When it was stored (RFC 3339, UTC).
    pub created_at: String,
}

impl OAuthApp {
    /// Everything but the secret.
    pub fn summary(&self) -> AppSummary {
        AppSummary {
            id: self.id,
            kind: self.kind,
            base_url: self.base_url.as_ref().map(|b| b.as_str().to_owned()),
            client_id: self.client_id.clone(),
            public_key_pem: self.public_key_pem.clone(),
            verify_tls: self.verify_tls,
            created_at: self.created_at.clone(),
        }
    }
}

/// A Jira Cloud site an Atlassian grant covers (`accessible-resources`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudSite {
    /// The cloud id: the site's API is `{ATLASSIAN_API_URL}/ex/jira/{id}`.
    pub id: String,
    /// `https://<site>.atlassian.net`.
    pub url: String,
    /// The site's name.
    pub name: String,
}

/// Where a connection in flight stands. `Debug` prints no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionStage {
    /// Sent to the consent page of an OAuth 2.0 server.
    Authorize {
        /// The PKCE code verifier (Data Center OAuth 2.0), kept to finish the exchange.
        pkce_verifier: Option<Secret>,
    },
    /// Sent to an OAuth 1.0a consent page with this request token.
    Authorize1 {
        /// The request token Jira gave.
        request_token: String,
        /// Its secret.
        request_token_secret: Secret,
    },
    /// Atlassian 3LO: the grant covers several sites and the customer picks one.
    ChooseSite {
        /// The grant's refresh token (the integration's credential once a site is picked).
        refresh_token: Secret,
        /// The sites to choose from.
        sites: Vec<CloudSite>,
    },
}

/// A consent round trip in flight, stored under the SHA-256 of its state (128 random bits)
/// until it is used once or expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingConnection {
    /// The org the integration will be linked to.
    pub org: OrgId,
    /// The app (which Jira, which client).
    pub app: AppId,
    /// Where the browser goes back to.
    pub return_url: String,
    /// When it stops being usable, in seconds since the Unix epoch.
    pub expires_at: i64,
    /// Where it stands.
    pub stage: ConnectionStage,
}
