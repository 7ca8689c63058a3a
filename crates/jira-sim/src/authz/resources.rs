//! api.atlassian.com's side of 3LO: `GET /oauth/token/accessible-resources` lists the sites an
//! access token reaches, and an unknown cloud id under `/ex/jira/` is not found.

use serde_json::{json, Value};

use super::servers::{AuthzRequest, AuthzServers};
use crate::auth::{Authenticator, Credentials};
use crate::reply::Reply;

/// The avatar Atlassian reports for a site.
const SITE_AVATAR: &str =
    "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png";

/// The gateway's 401 for a missing, unknown or expired access token.
fn unauthorized() -> Reply {
    Reply::json(401, &json!({"code": 401, "message": "Unauthorized"}))
        .header("WWW-Authenticate", "Bearer realm=\"api.atlassian.com\"")
}

/// `GET /oauth/token/accessible-resources`: every configured site, with the scopes the token
/// was granted (`offline_access` aside).
pub(super) fn accessible_resources(
    servers: &AuthzServers,
    auth: &Authenticator,
    req: &AuthzRequest<'_>,
) -> Reply {
    if req.info.method != "GET" {
        return Reply::empty(405).header("Allow", "GET");
    }
    let Credentials::Bearer(token) = req.credentials else {
        return unauthorized();
    };
    let Some(grant) = auth.oauth2().access(token) else {
        return unauthorized();
    };
    let scopes: Vec<&str> = grant
        .scope
        .split_whitespace()
        .filter(|s| *s != "offline_access")
        .collect();
    let sites: Vec<Value> = servers
        .sites()
        .iter()
        .map(|site| {
            json!({
                "id": site.id,
                "url": site.url,
                "name": site.name,
                "scopes": scopes,
                "avatarUrl": SITE_AVATAR,
            })
        })
        .collect();
    Reply::json(200, &Value::Array(sites))
}

/// 404 for `/ex/jira/{cloud id}/...` when no configured site has that id.
pub(crate) fn unknown_site() -> Reply {
    Reply::json(404, &json!({"code": 404, "message": "Site not found"}))
}
