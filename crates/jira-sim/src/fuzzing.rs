//! Entry points for the fuzz targets of `fuzz/` (`make fuzz`, docs/operations.md): what the
//! simulator does with a client's request line, `Authorization` header and token request, over
//! a fixed set of accepted credentials and a clock the caller sets. Not an API: hidden from the
//! documentation, it changes with the targets.

use hyper::header::{HeaderMap, HeaderValue, AUTHORIZATION};

use crate::auth::{
    AuthServer, Authenticator, Credentials, Identity, OAuth2, RequestInfo, TokenAnswer,
    TokenRequest,
};
use crate::config::SimConfig;
use crate::text::parse_query;

/// The Connect app accepted: its key (`iss`)...
pub const JWT_ISSUER: &str = "fuzz.connect.app";
/// ...and its shared secret.
pub const JWT_SECRET: &str = "fuzz-connect-shared-secret";
/// The OAuth 1.0a consumer accepted (its public key is the caller's).
pub const OAUTH1_CONSUMER: &str = "fuzz-consumer";
/// The OAuth 1.0a access token accepted.
pub const OAUTH1_TOKEN: &str = "fuzz-access-token";
/// The OAuth 2.0 client accepted: its id...
pub const OAUTH2_CLIENT_ID: &str = "fuzz-client";
/// ...its secret...
pub const OAUTH2_CLIENT_SECRET: &str = "fuzz-client-secret-0123456789";
/// ...and its initial refresh token.
pub const OAUTH2_REFRESH_TOKEN: &str = "fuzz-refresh-token-0123456789";

/// The simulator's authentication with one credential of each scheme.
pub struct Verifiers {
    auth: Authenticator,
    clients: Vec<(String, String, String)>,
}

impl Verifiers {
    /// Accepts the constants above; `oauth1_public_pem` is the OAuth 1.0a consumer's RSA public
    /// key. `Err` when it cannot be read.
    pub fn new(oauth1_public_pem: &str) -> Result<Self, String> {
        let clients = vec![(
            OAUTH2_CLIENT_ID.to_owned(),
            OAUTH2_CLIENT_SECRET.to_owned(),
            OAUTH2_REFRESH_TOKEN.to_owned(),
        )];
        let cfg = SimConfig {
            oauth1_consumers: vec![(OAUTH1_CONSUMER.to_owned(), oauth1_public_pem.to_owned())],
            oauth1_tokens: vec![OAUTH1_TOKEN.to_owned()],
            connect_apps: vec![(JWT_ISSUER.to_owned(), JWT_SECRET.to_owned())],
            oauth2_clients: clients.clone(),
            ..SimConfig::default()
        };
        Ok(Self {
            auth: Authenticator::new(&cfg)?,
            clients,
        })
    }

    /// Authenticates a Jira request as the server does (no context path): its method, its
    /// target (`/path?query`, as sent), its `Host` and its `Authorization` header's bytes, at
    /// `now` (seconds since the Unix epoch). `Ok` names the identity (`OAuth1` and `OAuth2`
    /// without the user they act as), `Err` the refusal; a target or header no HTTP server
    /// would pass on is an `Err` too.
    pub fn authenticate(
        &self,
        method: &str,
        target: &str,
        host: &str,
        authorization: Option<&[u8]>,
        now: i64,
    ) -> Result<String, String> {
        let uri: hyper::Uri = target.parse().map_err(|_| "not a request target")?;
        let credentials = credentials(authorization)?;
        let request = RequestInfo {
            method: method.to_owned(),
            path: uri.path().to_owned(),
            host: host.to_owned(),
            query: parse_query(uri.query()),
        };
        self.auth
            .authenticate_at(&request, &request.path, &credentials, now)
            .map(|identity| match identity {
                Identity::OAuth1(_) => "OAuth1".to_owned(),
                Identity::OAuth2(_) => "OAuth2".to_owned(),
                other => format!("{other:?}"),
            })
            .map_err(|refusal| format!("{refusal:?}"))
    }

    /// The token endpoint's answer (status and JSON body) to a request with this
    /// `Content-Type`, body and `Authorization` header, from a fresh token endpoint state.
    pub fn token_endpoint(
        &self,
        content_type: Option<&str>,
        body: &[u8],
        authorization: Option<&[u8]>,
    ) -> (u16, serde_json::Value) {
        let oauth2 = OAuth2::new(&self.clients, 3600, 300);
        let answer = match credentials(authorization)
            .and_then(|c| TokenRequest::parse(content_type, body, &c))
        {
            Ok(request) => oauth2.token(&request, AuthServer::Atlassian),
            Err(e) => TokenAnswer::error(400, "invalid_request", &e),
        };
        (answer.status, answer.body)
    }
}

/// The parameters of an `Authorization: OAuth ...` header as the simulator reads them
/// (decoded, in order); `None` for another scheme or parameters that do not parse.
pub fn oauth1_parameters(authorization: &[u8]) -> Option<Vec<(String, String)>> {
    match credentials(Some(authorization)) {
        Ok(Credentials::OAuth(params)) => params,
        _ => None,
    }
}

/// The credentials of an `Authorization` header's bytes; `Err` for bytes no header can hold.
fn credentials(authorization: Option<&[u8]>) -> Result<Credentials, String> {
    let mut headers = HeaderMap::new();
    if let Some(value) = authorization {
        let value = HeaderValue::from_bytes(value).map_err(|_| "not a header value")?;
        headers.insert(AUTHORIZATION, value);
    }
    Ok(Credentials::from_headers(&headers))
}
