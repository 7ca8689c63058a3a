//! The OAuth 1.0a servlets of Jira's application links (RFC 5849 2), under the context path:
//! `plugins/servlet/oauth/request-token` and `access-token` answer signed requests with
//! form-encoded tokens, `authorize` is the consent page. Refusals are 401 with Jira's
//! `oauth_problem`.

use super::consent::{self, Decision};
use super::page::{self, Consent};
use super::servers::{AuthzRequest, AuthzServers};
use crate::auth::{
    base_string_uri, now_secs, Authenticator, Credentials, IssuedToken, Problem, Signed,
};
use crate::reply::{Reply, TEXT};
use crate::text::encode_query;

/// What a consumer asks for through an application link.
const LINK_SCOPE: &str = "Read and change your data in Jira, as you";

/// 401 with the problem, form-encoded in the body and in `WWW-Authenticate`.
fn refused(problem: &str, extra: &[(&str, &str)]) -> Reply {
    let mut pairs = vec![("oauth_problem", problem)];
    pairs.extend_from_slice(extra);
    Reply::new(401, Some(TEXT), encode_query(pairs))
        .header(
            "WWW-Authenticate",
            format!("OAuth realm=\"\", oauth_problem=\"{problem}\""),
        )
        .header("Cache-Control", "no-store")
}

fn token_answer(issued: &IssuedToken, confirmed: bool) -> Reply {
    let mut pairs = vec![
        ("oauth_token", issued.token.as_str()),
        ("oauth_token_secret", issued.secret.as_str()),
    ];
    if confirmed {
        pairs.push(("oauth_callback_confirmed", "true"));
    }
    Reply::new(200, Some(TEXT), encode_query(pairs)).header("Cache-Control", "no-store")
}

/// Runs a signed-request endpoint: the request's OAuth parameters, base string URI and
/// query-and-form parameters go to `endpoint`.
fn signed(
    req: &AuthzRequest<'_>,
    endpoint: impl FnOnce(&Signed<'_>, i64) -> Result<IssuedToken, Problem>,
    confirmed: bool,
) -> Reply {
    if !matches!(req.info.method.as_str(), "GET" | "POST") {
        return consent::method_not_allowed("GET, POST");
    }
    let Credentials::OAuth(Some(header)) = req.credentials else {
        return refused(
            "parameter_absent",
            &[("oauth_parameters_absent", "oauth_consumer_key")],
        );
    };
    let base_uri = base_string_uri("http", &req.info.host, &req.info.path);
    let params = req.query_and_form();
    let request = Signed {
        method: &req.info.method,
        base_uri: &base_uri,
        params: &params,
        header,
    };
    match endpoint(&request, now_secs()) {
        Ok(issued) => token_answer(&issued, confirmed),
        Err(problem) => refused(problem.problem, &[]),
    }
}

/// `{context}/plugins/servlet/oauth/request-token`.
pub(super) fn request_token(auth: &Authenticator, req: &AuthzRequest<'_>) -> Reply {
    signed(req, |r, now| auth.oauth1().request_token(r, now), true)
}

/// `{context}/plugins/servlet/oauth/access-token`.
pub(super) fn access_token(auth: &Authenticator, req: &AuthzRequest<'_>) -> Reply {
    signed(req, |r, now| auth.oauth1().access_token(r, now), false)
}

/// `{context}/plugins/servlet/oauth/authorize`: the consent page of a request token (GET), or
/// the decision posted back (POST), which sends the browser to the token's callback.
pub(super) fn authorize(
    servers: &AuthzServers,
    auth: &Authenticator,
    req: &AuthzRequest<'_>,
) -> Reply {
    if !matches!(req.info.method.as_str(), "GET" | "POST") {
        return consent::method_not_allowed("GET, POST");
    }
    let token = match consent::single(consent::params(req), "oauth_token") {
        Ok(Some(token)) => token,
        Ok(None) => return page::error("Missing oauth_token."),
        Err(message) => return page::error(&message),
    };
    let tokens = auth.oauth1().tokens();
    let Some(pending) = tokens.pending(token) else {
        return page::error("The request token is unknown, expired or already used.");
    };
    let page = |error: Option<&str>| {
        page::consent(&Consent {
            product: "Jira",
            app: &pending.consumer,
            scopes: vec![LINK_SCOPE],
            action: &req.info.path,
            hidden: vec![("oauth_token", token)],
            login: consent::typed_login(req),
            error,
        })
    };
    let allowed_as = match consent::decision(req) {
        None => return page(None),
        Some(Decision::Undecided(message)) => return page(Some(message)),
        Some(Decision::Allow(login)) => Some(login),
        Some(Decision::Deny) => None,
    };
    let Some(decided) = tokens.decide(token, allowed_as.as_deref()) else {
        return page::error("The request token is unknown, expired or already used.");
    };
    servers.count_decision(allowed_as.is_some());
    if decided.callback == "oob" {
        return page::message(
            200,
            "Access decided",
            &format!("Your verification code is '{}'.", decided.verifier),
        );
    }
    consent::redirect(
        &decided.callback,
        &[
            ("oauth_token", token),
            ("oauth_verifier", &decided.verifier),
        ],
    )
}
