//! The consent page of both OAuth 2.0 authorization servers: Atlassian's 3LO
//! (`GET|POST /authorize`, at auth.atlassian.com) and Jira Data Center's
//! (`GET|POST {context}/rest/oauth2/latest/authorize`, with PKCE). Allow sends the browser to
//! `redirect_uri?code=..&state=..`, deny to `redirect_uri?error=access_denied&..`; a request
//! that cannot be trusted gets an error page and is redirected nowhere.

use super::consent::{self, Decision};
use super::page::{self, Consent};
use super::servers::{AuthzRequest, AuthzServers};
use crate::auth::{AuthServer, Authenticator, Grant};
use crate::reply::Reply;

/// The audience Atlassian's 3LO requires.
const AUDIENCE: &str = "api.atlassian.com";

/// The parameters each server takes, posted back as hidden fields in this order.
fn parameters(server: AuthServer) -> &'static [&'static str] {
    match server {
        AuthServer::Atlassian => &[
            "audience",
            "client_id",
            "scope",
            "redirect_uri",
            "state",
            "response_type",
            "prompt",
        ],
        AuthServer::DataCenter => &[
            "client_id",
            "redirect_uri",
            "response_type",
            "scope",
            "state",
            "code_challenge",
            "code_challenge_method",
        ],
    }
}

/// A checked authorization request.
struct Authorization<'a> {
    client_id: &'a str,
    redirect_uri: &'a str,
    scope: &'a str,
    state: Option<&'a str>,
    code_challenge: Option<&'a str>,
}

/// Checks an authorization request (the page's query, or the form posted back); `Err` is the
/// error page's message.
fn check<'a>(
    server: AuthServer,
    servers: &AuthzServers,
    auth: &Authenticator,
    params: &'a [(String, String)],
) -> Result<Authorization<'a>, String> {
    let mut values = Vec::new();
    for name in parameters(server) {
        values.push(consent::single(params, name)?);
    }
    let get = |name: &str| {
        parameters(server)
            .iter()
            .position(|p| *p == name)
            .and_then(|i| values[i])
    };
    let client_id = get("client_id")
        .filter(|c| !c.is_empty())
        .ok_or("Missing client_id.")?;
    if !auth.oauth2().knows_client(client_id) {
        return Err(format!(
            "No application is registered with client_id '{client_id}'."
        ));
    }
    let redirect_uri = consent::checked_redirect(servers, get("redirect_uri"))?;
    if get("response_type") != Some("code") {
        return Err("The response_type must be 'code'.".into());
    }
    let mut code_challenge = None;
    match server {
        AuthServer::Atlassian => {
            if get("audience") != Some(AUDIENCE) {
                return Err(format!("The audience must be '{AUDIENCE}'."));
            }
        }
        AuthServer::DataCenter => {
            code_challenge = get("code_challenge").filter(|c| !c.is_empty());
            match (code_challenge, get("code_challenge_method")) {
                (Some(_), Some("S256")) | (None, None) => {}
                (Some(_), _) => return Err("The code_challenge_method must be 'S256'.".into()),
                (None, Some(_)) => {
                    return Err("A code_challenge_method was sent without a code_challenge.".into())
                }
            }
        }
    }
    Ok(Authorization {
        client_id,
        redirect_uri,
        scope: get("scope").unwrap_or(""),
        state: get("state"),
        code_challenge,
    })
}

/// Answers the consent page of `server`: the page (GET), or the decision posted back (POST).
pub(super) fn authorize(
    server: AuthServer,
    servers: &AuthzServers,
    auth: &Authenticator,
    req: &AuthzRequest<'_>,
) -> Reply {
    if !matches!(req.info.method.as_str(), "GET" | "POST") {
        return consent::method_not_allowed("GET, POST");
    }
    let params = consent::params(req);
    let authorization = match check(server, servers, auth, params) {
        Ok(a) => a,
        Err(message) => return page::error(&message),
    };
    let state: Vec<(&str, &str)> = authorization
        .state
        .map(|s| ("state", s))
        .into_iter()
        .collect();
    let page = |error: Option<&str>| {
        page::consent(&Consent {
            product: match server {
                AuthServer::Atlassian => "Atlassian",
                AuthServer::DataCenter => "Jira",
            },
            app: authorization.client_id,
            scopes: authorization.scope.split_whitespace().collect(),
            action: &req.info.path,
            hidden: parameters(server)
                .iter()
                .filter_map(|name| {
                    params
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                })
                .collect(),
            login: consent::typed_login(req),
            error,
        })
    };
    match consent::decision(req) {
        None => page(None),
        Some(Decision::Undecided(message)) => page(Some(message)),
        Some(Decision::Allow(login)) => {
            servers.count_decision(true);
            let code = auth.oauth2().issue_code(Grant {
                server,
                client_id: authorization.client_id.to_string(),
                redirect_uri: authorization.redirect_uri.to_string(),
                scope: authorization.scope.to_string(),
                login,
                code_challenge: authorization.code_challenge.map(str::to_string),
            });
            let mut pairs = vec![("code", code.as_str())];
            pairs.extend(state);
            consent::redirect(authorization.redirect_uri, &pairs)
        }
        Some(Decision::Deny) => {
            servers.count_decision(false);
            let mut pairs = vec![("error", "access_denied")];
            if server == AuthServer::Atlassian {
                pairs.push(("error_description", "User did not authorize the request"));
            }
            pairs.extend(state);
            consent::redirect(authorization.redirect_uri, &pairs)
        }
    }
}
