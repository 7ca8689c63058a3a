//! The authorization servers Jira's integrations send a browser through, played so that a real
//! browser can click through consent and the service under test can finish the exchange:
//! Atlassian's OAuth 2.0 (3LO) consent page and `accessible-resources` (auth.atlassian.com and
//! api.atlassian.com, at the root), Jira Data Center's OAuth 2.0 consent page (PKCE, under the
//! context path), and the OAuth 1.0a request-token, authorize and access-token servlets (under
//! the context path). The token endpoint is the server's; codes and tokens live in `auth`.

mod authorize;
mod consent;
mod oauth1;
mod page;
mod resources;
mod servers;

use crate::auth::{AuthServer, Authenticator};
use crate::reply::Reply;

pub(crate) use self::resources::unknown_site;
pub use self::servers::AuthorizationStats;
pub(crate) use self::servers::{AuthzRequest, AuthzServers};

/// A route of an authorization server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/authorize`: Atlassian's 3LO consent page.
    AtlassianAuthorize,
    /// `/oauth/token/accessible-resources`: the sites an access token reaches.
    AccessibleResources,
    /// `{context}/rest/oauth2/latest/authorize`: Data Center's consent page.
    DataCenterAuthorize,
    /// `{context}/plugins/servlet/oauth/request-token`.
    OAuth1RequestToken,
    /// `{context}/plugins/servlet/oauth/authorize`: the request token's consent page.
    OAuth1Authorize,
    /// `{context}/plugins/servlet/oauth/access-token`.
    OAuth1AccessToken,
}

impl Route {
    /// The route of a raw path (`jira_path`: after the context path, when inside it).
    pub(crate) fn of(path: &str, jira_path: Option<&str>) -> Option<Self> {
        match path {
            "/authorize" => return Some(Route::AtlassianAuthorize),
            "/oauth/token/accessible-resources" => return Some(Route::AccessibleResources),
            _ => {}
        }
        Some(match jira_path? {
            "/rest/oauth2/latest/authorize" => Route::DataCenterAuthorize,
            "/plugins/servlet/oauth/request-token" => Route::OAuth1RequestToken,
            "/plugins/servlet/oauth/authorize" => Route::OAuth1Authorize,
            "/plugins/servlet/oauth/access-token" => Route::OAuth1AccessToken,
            _ => return None,
        })
    }

    /// Whether the request's query is worth keeping in the request log: the consent pages'
    /// is (no secret in it), the token endpoints' is not (a careless client may put secrets
    /// there).
    pub(crate) fn logs_query(self) -> bool {
        matches!(
            self,
            Route::AtlassianAuthorize | Route::DataCenterAuthorize | Route::OAuth1Authorize
        )
    }
}

/// Answers a request to an authorization server.
pub(crate) fn answer(
    servers: &AuthzServers,
    auth: &Authenticator,
    route: Route,
    req: &AuthzRequest<'_>,
) -> Reply {
    match route {
        Route::AtlassianAuthorize => {
            authorize::authorize(AuthServer::Atlassian, servers, auth, req)
        }
        Route::AccessibleResources => resources::accessible_resources(servers, auth, req),
        Route::DataCenterAuthorize => {
            authorize::authorize(AuthServer::DataCenter, servers, auth, req)
        }
        Route::OAuth1RequestToken => oauth1::request_token(auth, req),
        Route::OAuth1Authorize => oauth1::authorize(servers, auth, req),
        Route::OAuth1AccessToken => oauth1::access_token(auth, req),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_by_path() {
        assert_eq!(
            Route::of("/authorize", Some("/authorize")),
            Some(Route::AtlassianAuthorize)
        );
        assert_eq!(
            Route::of(
                "/jira/rest/oauth2/latest/authorize",
                Some("/rest/oauth2/latest/authorize")
            ),
            Some(Route::DataCenterAuthorize)
        );
        assert_eq!(Route::of("/plugins/servlet/oauth/authorize", None), None);
        assert_eq!(
            Route::of("/rest/api/2/myself", Some("/rest/api/2/myself")),
            None
        );
    }
}
