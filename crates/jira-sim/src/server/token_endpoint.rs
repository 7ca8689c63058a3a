//! The OAuth 2.0 token endpoint: `POST {context}/rest/oauth2/latest/token` (Server / Data
//! Center) and `POST /oauth/token` (Cloud's, at auth.atlassian.com).

use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::Request;

use super::body::read_body;
use crate::auth::{Credentials, OAuth2, TokenAnswer, TokenRequest};
use crate::reply::Reply;

/// Whether a request is for the token endpoint. `jira_path` is the path after the context path.
pub(super) fn is_token_endpoint(method: &str, path: &str, jira_path: Option<&str>) -> bool {
    method == "POST" && (path == "/oauth/token" || jira_path == Some("/rest/oauth2/latest/token"))
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

/// Answers a token request in the words of Atlassian's endpoint.
pub(super) fn token_reply(oauth2: &OAuth2, request: &Result<TokenRequest, String>) -> Reply {
    let answer = match request {
        Ok(request) => oauth2.token(request),
        Err(e) => TokenAnswer::error(400, "invalid_request", e),
    };
    Reply::json(answer.status, &answer.body)
        .header("Cache-Control", "no-store")
        .header("Pragma", "no-cache")
}
