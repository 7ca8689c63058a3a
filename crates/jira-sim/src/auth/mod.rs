//! Authentication: the credentials a request carries and whether the instance accepts them.
//! Basic and static Bearer tokens are checked here; OAuth 1.0a RSA-SHA1 (RFC 5849, Jira Server
//! application links, with the tokens of its three legs), Atlassian Connect JWT (HS256 with a
//! `qsh` claim) and OAuth 2.0 with rotating refresh tokens (the token endpoint, the
//! authorization codes of the authorization servers and the access tokens issued) have a
//! module each.

mod codes;
mod connect_jwt;
mod credentials;
mod oauth1;
mod oauth1_tokens;
mod oauth2;
mod random;

use std::time::{SystemTime, UNIX_EPOCH};

use self::connect_jwt::ConnectJwt;
use crate::config::SimConfig;

pub(crate) use self::codes::{AuthServer, Grant};
pub(crate) use self::credentials::Credentials;
pub(crate) use self::oauth1::{base_string_uri, OAuth1, Problem, Signed};
pub(crate) use self::oauth1_tokens::IssuedToken;
pub(crate) use self::oauth2::{OAuth2, TokenAnswer, TokenRequest};

/// Who a request is, once authentication has passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Identity {
    /// No credentials on an open instance.
    Anonymous,
    /// Basic authentication as this user name or e-mail.
    Basic(String),
    /// A bearer token: the instance's service user.
    Bearer,
    /// A verified OAuth 1.0a request: the user its access token acts as (`oauth-user` for the
    /// configured tokens, the consenting login for tokens of the three legs).
    OAuth1(String),
    /// A verified Atlassian Connect JWT: the app user of this issuer.
    Jwt(String),
    /// An access token issued by the simulator's OAuth 2.0 token endpoint: the user it acts as
    /// (`oauth2-user` for the configured refresh tokens' families, the consenting login for
    /// tokens of an authorization code).
    OAuth2(String),
}

/// Why a request was refused; each flavour words its 401 differently for the two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The request carried no credentials.
    NoCredentials,
    /// Credentials were sent but refused.
    BadCredentials,
}

/// What authentication needs to know about a request besides its credentials.
pub(crate) struct RequestInfo {
    pub(crate) method: String,
    /// The raw path, context path included.
    pub(crate) path: String,
    /// The `Host` header (or the listen address).
    pub(crate) host: String,
    /// Decoded query pairs.
    pub(crate) query: Vec<(String, String)>,
}

/// The credentials the instance accepts, and the verifiers of the signed schemes.
pub(crate) struct Authenticator {
    accept_tokens: Vec<String>,
    accept_basic: Vec<(String, String)>,
    /// No credentials configured: anonymous requests are served.
    open: bool,
    oauth1: OAuth1,
    jwt: ConnectJwt,
    oauth2: OAuth2,
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Authenticator {
    /// `Err` when an OAuth 1.0a consumer's public key cannot be read.
    pub(crate) fn new(cfg: &SimConfig) -> Result<Self, String> {
        Ok(Self {
            accept_tokens: cfg.accept_tokens.clone(),
            accept_basic: cfg.accept_basic.clone(),
            open: cfg.is_open(),
            oauth1: OAuth1::new(
                &cfg.oauth1_consumers,
                &cfg.oauth1_tokens,
                cfg.oauth_code_ttl_secs,
            )?,
            jwt: ConnectJwt::new(&cfg.connect_apps),
            oauth2: OAuth2::new(
                &cfg.oauth2_clients,
                cfg.oauth2_access_ttl_secs,
                cfg.oauth_code_ttl_secs,
            ),
        })
    }

    /// The OAuth 1.0a verifier and the tokens of its three legs.
    pub(crate) fn oauth1(&self) -> &OAuth1 {
        &self.oauth1
    }

    /// The OAuth 2.0 token endpoint and the access tokens it issued.
    pub(crate) fn oauth2(&self) -> &OAuth2 {
        &self.oauth2
    }

    /// Who the request is, or why it is refused. `jira_path` is the path after the context
    /// path, still percent-encoded.
    pub(crate) fn authenticate(
        &self,
        request: &RequestInfo,
        jira_path: &str,
        credentials: &Credentials,
    ) -> Result<Identity, Refusal> {
        self.authenticate_at(request, jira_path, credentials, now_secs())
    }

    /// [`Self::authenticate`] at `now` (seconds since the Unix epoch), against which the
    /// signed schemes' timestamps, expiry and nonces are judged.
    pub(crate) fn authenticate_at(
        &self,
        request: &RequestInfo,
        jira_path: &str,
        credentials: &Credentials,
        now: i64,
    ) -> Result<Identity, Refusal> {
        if self.open {
            return Ok(match credentials {
                Credentials::Basic { user, .. } => Identity::Basic(user.clone()),
                Credentials::Bearer(_) => Identity::Bearer,
                _ => Identity::Anonymous,
            });
        }
        match credentials {
            Credentials::Basic { user, secret }
                if self
                    .accept_basic
                    .iter()
                    .any(|(u, s)| u.eq_ignore_ascii_case(user) && s == secret) =>
            {
                Ok(Identity::Basic(user.clone()))
            }
            Credentials::Bearer(token) if self.accept_tokens.iter().any(|t| t == token) => {
                Ok(Identity::Bearer)
            }
            Credentials::Bearer(token) => self
                .oauth2
                .access(token)
                .map(|grant| Identity::OAuth2(grant.login))
                .ok_or(Refusal::BadCredentials),
            Credentials::OAuth(Some(params)) if !self.oauth1.is_empty() => {
                let base_uri = oauth1::base_string_uri("http", &request.host, &request.path);
                self.oauth1
                    .verify(&request.method, &base_uri, &request.query, params, now)
                    .map(Identity::OAuth1)
                    .map_err(|_problem| Refusal::BadCredentials)
            }
            Credentials::Jwt(token) if !self.jwt.is_empty() => self
                .jwt
                .verify(token, &request.method, jira_path, &request.query, now)
                .map(Identity::Jwt)
                .map_err(|_reason| Refusal::BadCredentials),
            Credentials::None => Err(Refusal::NoCredentials),
            _ => Err(Refusal::BadCredentials),
        }
    }
}
