//! The OAuth 2.0 token endpoint: `POST {context}/rest/oauth2/latest/token` (Server / Data
//! Center) and `POST /oauth/token` (Cloud's, at auth.atlassian.com).

use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::Request;

use super::body::read_body;
use crate::auth::{AuthServer, Credentials, OAuth2, TokenAnswer, TokenRequest};
use crate::reply::Reply;

/// Whose token endpoint a request is for, if it is for one. `jira_path` is the path after the
/// context path.
pub(super) fn token_endpoint(
    method: &str,
    path: &str,
    jira_path: Option<&str>,
) -> Option<AuthServer> {
    if method != "POST" {
        None
    } else if path == "/oauth/token" {
        Some(AuthServer::Atlassian)
    } else if jira_path == Some("/rest/oauth2/latest/token") {
        Some(AuthServer::DataCenter)
    } else {
        None
    }
}

/// The token request a form or JSON body carries, or why it could not be read.
pub(super) async fn read_token_request(
    req: Request<Incoming>,
    credentials: &Credentials,
) -> Result<TokenRequest, String> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = read_body(req.into_body()).await?;
    TokenRequest::parse(content_type.as_deref(), &body, credentials)
}

/// Answers a token request that came to `server`'s endpoint, in the words of Atlassian's.
pub(super) fn token_reply(
    oauth2: &OAuth2,
    server: AuthServer,
    request: &Result<TokenRequest, String>,
) -> Reply {
    let answer = match request {
        Ok(request) => oauth2.token(request, server),
        Err(e) => TokenAnswer::error(400, "invalid_request", e),
    };
    Reply::json(answer.status, &answer.body)
        .header("Cache-Control", "no-store")
        .header("Pragma", "no-cache")
}
