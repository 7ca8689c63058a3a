//! The consent port: the calls a connection makes to Jira's authorization servers once the
//! customer has consented (Atlassian 3LO, Data Center OAuth 2.0, OAuth 1.0a application links).

use std::future::Future;

use crate::model::CloudSite;
use crate::secret::Secret;

/// Why a call to an authorization server failed. Every variant ends a connection with
/// `exchange_failed`; the message names no secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    /// The server answered with a non-2xx status (an expired or reused code, a wrong client
    /// secret, a bad signature). `detail` is the server's error code or `oauth_problem`.
    #[error("the authorization server answered HTTP {status}: {detail}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The server's `error` / `oauth_problem`, or a short reason (no secret).
        detail: String,
    },
    /// The server could not be reached or did not answer in time.
    #[error("the authorization server could not be reached: {0}")]
    Unreachable(String),
    /// The server answered 2xx with a body that is not what the protocol says.
    #[error("the authorization server answered with an unexpected body: {0}")]
    InvalidBody(String),
}

/// How a token endpoint takes its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStyle {
    /// Atlassian's `auth.atlassian.com/oauth/token`: a JSON body.
    Json,
    /// Jira Data Center's `/rest/oauth2/latest/token`: a form body.
    Form,
}

/// An OAuth 2.0 authorization-code exchange (`grant_type=authorization_code`). `Debug`
/// prints no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeExchange {
    /// The token endpoint.
    pub token_url: String,
    /// JSON (Atlassian) or form (Data Center).
    pub style: TokenStyle,
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: Secret,
    /// The code the consent gave.
    pub code: Secret,
    /// The redirect URI of the authorize request, sent again as the protocol requires.
    pub redirect_uri: String,
    /// The PKCE verifier (Data Center).
    pub code_verifier: Option<Secret>,
    /// Whether the token endpoint's TLS certificate is verified (the app's setting; always
    /// `true` for Atlassian).
    pub verify_tls: bool,
}

/// What a token endpoint grants. `Debug` prints no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// The access token.
    pub access_token: Secret,
    /// The refresh token: the integration's lasting credential.
    pub refresh_token: Secret,
    /// The access token's lifetime in seconds, when the server said.
    pub expires_in: Option<u64>,
}

/// An OAuth 1.0a consumer at one Jira: where its servlets are and how it signs (RSA-SHA1).
/// `Debug` prints no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth1Consumer {
    /// The Jira base URL; the servlets are under `{base_url}/plugins/servlet/oauth/`.
    pub base_url: String,
    /// The application link's consumer key.
    pub consumer_key: String,
    /// The RSA private key (PEM, PKCS#8 or PKCS#1).
    pub private_key_pem: Secret,
    /// Whether Jira's TLS certificate is verified (the app's setting).
    pub verify_tls: bool,
}

/// An OAuth 1.0a token and its secret. `Debug` prints no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth1Token {
    /// `oauth_token`.
    pub token: Secret,
    /// `oauth_token_secret`.
    pub secret: Secret,
}

/// The calls a connection makes to Jira's authorization servers.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
pub trait ConsentApi: Send + Sync + 'static {
    /// Exchanges an authorization code for tokens.
    ///
    /// # Errors
    /// [`ConsentError`] when the server refuses, cannot be reached, or answers nonsense.
    fn exchange_code(
        &self,
        exchange: &CodeExchange,
    ) -> impl Future<Output = Result<TokenGrant, ConsentError>> + Send;

    /// The Jira Cloud sites an Atlassian access token covers:
    /// `GET {api_url}/oauth/token/accessible-resources`.
    ///
    /// # Errors
    /// [`ConsentError`].
    fn accessible_resources(
        &self,
        api_url: &str,
        access_token: &Secret,
    ) -> impl Future<Output = Result<Vec<CloudSite>, ConsentError>> + Send;

    /// OAuth 1.0a: asks for a request token, `oauth_callback` = `callback`
    /// (`POST {base}/plugins/servlet/oauth/request-token`).
    ///
    /// # Errors
    /// [`ConsentError`].
    fn oauth1_request_token(
        &self,
        consumer: &OAuth1Consumer,
        callback: &str,
    ) -> impl Future<Output = Result<OAuth1Token, ConsentError>> + Send;

    /// OAuth 1.0a: exchanges an authorized request token and its verifier for an access
    /// token (`POST {base}/plugins/servlet/oauth/access-token`).
    ///
    /// # Errors
    /// [`ConsentError`].
    fn oauth1_access_token(
        &self,
        consumer: &OAuth1Consumer,
        request_token: &OAuth1Token,
        verifier: &Secret,
    ) -> impl Future<Output = Result<OAuth1Token, ConsentError>> + Send;
}
