//! [`ConsentClient`], the domain's [`ConsentApi`] port: the calls a connection makes to Jira's
//! authorization servers once the customer has consented (Atlassian 3LO, Data Center OAuth
//! 2.0, OAuth 1.0a application links).
//!
//! Each call is one request, never retried (a code or a request token works once), within
//! the client's deadline, TLS verified unless the app says not to (a Data Center / Server app
//! with `verify_tls` false: any certificate, handshake signatures still checked, as for
//! integrations), no redirect followed, its answer capped at 64 KiB
//! (crates/jira-http/src/exchange.rs). No error names a secret: a server's error code is
//! repeated only when it is short and plain, and not when it contains a secret the call sent.

use std::sync::Arc;
use std::time::Duration;

use domain::model::CloudSite;
use domain::ports::{
    CodeExchange, ConsentApi, ConsentError, OAuth1Consumer, OAuth1Token, TokenGrant, TokenStyle,
};
use domain::{JiraError, Secret};
use hyper::header::HeaderValue;
use hyper::{Method, StatusCode};

use crate::auth;
use crate::client::{self, HttpsClient};
use crate::config::{JiraHttpConfig, JiraHttpError};
use crate::exchange::{self, Answer, Body, Call, CallFailure};
use crate::oauth1::{self, FlowParams, FlowStep};
use crate::tls;
use crate::token_answer::{self, TokenProblem};

/// Calls Jira's authorization servers: the production [`ConsentApi`].
#[derive(Clone)]
pub struct ConsentClient {
    http: HttpsClient,
    insecure: HttpsClient,
    timeout: Duration,
    user_agent: String,
    oauth1_keys: Arc<oauth1::KeyCache>,
}

impl std::fmt::Debug for ConsentClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsentClient")
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

impl ConsentClient {
    /// Builds the client (no connection is made yet) with the settings of the Jira client:
    /// `timeout` bounds each call (connect, send, read the whole answer), `user_agent` is
    /// sent; the guard settings do not apply (no breaker: these calls are rare and each one
    /// is a customer waiting at a consent page).
    ///
    /// # Errors
    /// [`JiraHttpError::Tls`] if the TLS configuration cannot be built.
    pub fn new(config: JiraHttpConfig) -> Result<Self, JiraHttpError> {
        Ok(Self {
            http: client::build(tls::verifying_config()?, config.timeout),
            insecure: client::build(tls::insecure_config()?, config.timeout),
            timeout: config.timeout,
            user_agent: config.user_agent,
            oauth1_keys: Arc::default(),
        })
    }

    /// The deadline of one call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends one request to `target` within the deadline, over the verifying client or, when
    /// `verify_tls` is false, the one accepting any certificate.
    async fn send(
        &self,
        verify_tls: bool,
        target: &url::Url,
        method: Method,
        authorization: Option<HeaderValue>,
        body: Body,
        accept_json: bool,
    ) -> Result<Answer, ConsentError> {
        let host = target.host_str().unwrap_or_default();
        let call = Call {
            method,
            url: target.as_str(),
            user_agent: &self.user_agent,
            authorization,
            accept_json,
            body,
        };
        let http = if verify_tls {
            &self.http
        } else {
            &self.insecure
        };
        match tokio::time::timeout(self.timeout, exchange::send(http, call)).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(CallFailure::TooLarge)) => Err(ConsentError::InvalidBody(format!(
                "{host} answered with more than {} KiB",
                exchange::MAX_ANSWER_BYTES / 1024
            ))),
            Ok(Err(e)) => Err(ConsentError::Unreachable(format!("{host}: {e}"))),
            Err(_) => Err(ConsentError::Unreachable(format!(
                "{host}: no answer within {} s",
                self.timeout.as_secs_f32()
            ))),
        }
    }

    /// One step of the OAuth 1.0a flow at `{base}/plugins/servlet/oauth/{servlet}`.
    async fn oauth1_step(
        &self,
        consumer: &OAuth1Consumer,
        servlet: &str,
        step: FlowStep<'_>,
        sent: &[&Secret],
    ) -> Result<OAuth1Token, ConsentError> {
        let target = below(
            &consumer.base_url,
            &format!("plugins/servlet/oauth/{servlet}"),
            "Jira base URL",
        )?;
        let key = self
            .oauth1_keys
            .signing_key(consumer.private_key_pem.expose())
            .map_err(|e| {
                // Not the server's doing (the port has no variant for ours), but the
                // connection cannot go on: said as such, without the key.
                let why = match e {
                    JiraError::Config(why) => why,
                    other => other.to_string(),
                };
                ConsentError::Unreachable(format!("the request could not be signed: {why}"))
            })?;
        let base_uri = oauth1::base_string_uri(target.as_str(), target.path())
            .map_err(|e| ConsentError::Unreachable(format!("the Jira base URL: {e}")))?;
        let nonce = oauth1::new_nonce();
        let params = FlowParams {
            consumer_key: &consumer.consumer_key,
            step,
            nonce: &nonce,
            timestamp: oauth1::now_secs(),
        };
        let mut header =
            HeaderValue::from_str(&oauth1::flow_authorization_value(&key, &base_uri, &params))
                .map_err(|_| {
                    ConsentError::Unreachable("the request could not be signed".to_owned())
                })?;
        header.set_sensitive(true);
        let answer = self
            .send(
                consumer.verify_tls,
                &target,
                Method::POST,
                Some(header),
                Body::Empty,
                false,
            )
            .await?;
        let field = |name: &str| form_field(&answer.body, name);
        if !answer.status.is_success() {
            let problem = field("oauth_problem");
            return Err(refused(
                answer.status,
                problem.as_deref().and_then(token_answer::short_code),
                sent,
            ));
        }
        let token = field("oauth_token").filter(|t| !t.is_empty());
        let secret = field("oauth_token_secret");
        match (token, secret) {
            (Some(token), Some(secret)) => Ok(OAuth1Token {
                token: Secret::new(token),
                secret: Secret::new(secret),
            }),
            (None, _) => Err(ConsentError::InvalidBody(
                "the answer has no oauth_token".to_owned(),
            )),
            (Some(_), None) => Err(ConsentError::InvalidBody(
                "the answer has no oauth_token_secret".to_owned(),
            )),
        }
    }
}

impl ConsentApi for ConsentClient {
    /// POSTs `grant_type=authorization_code` as JSON (Atlassian) or as a form (Data Center),
    /// `code_verifier` included when given. The grant must carry a refresh token: the
    /// integration lives on it (`offline_access`).
    async fn exchange_code(&self, exchange: &CodeExchange) -> Result<TokenGrant, ConsentError> {
        let target = http_url(&exchange.token_url, "token URL")?;
        let body = match exchange.style {
            TokenStyle::Json => {
                let mut json = serde_json::json!({
                    "grant_type": "authorization_code",
                    "client_id": exchange.client_id,
                    "client_secret": exchange.client_secret.expose(),
                    "code": exchange.code.expose(),
                    "redirect_uri": exchange.redirect_uri,
                });
                if let Some(verifier) = &exchange.code_verifier {
                    json["code_verifier"] = verifier.expose().into();
                }
                Body::Json(json.to_string())
            }
            TokenStyle::Form => {
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                form.append_pair("grant_type", "authorization_code")
                    .append_pair("client_id", &exchange.client_id)
                    .append_pair("client_secret", exchange.client_secret.expose())
                    .append_pair("code", exchange.code.expose())
                    .append_pair("redirect_uri", &exchange.redirect_uri);
                if let Some(verifier) = &exchange.code_verifier {
                    form.append_pair("code_verifier", verifier.expose());
                }
                Body::Form(form.finish())
            }
        };
        let answer = self
            .send(exchange.verify_tls, &target, Method::POST, None, body, true)
            .await?;
        let mut sent = vec![&exchange.client_secret, &exchange.code];
        sent.extend(&exchange.code_verifier);
        let tokens = token_answer::read(answer.status, &answer.body).map_err(|p| match p {
            TokenProblem::Refused { code, .. } => refused(answer.status, code.as_deref(), &sent),
            TokenProblem::NotAnObject => {
                ConsentError::InvalidBody("the answer is not a JSON object".to_owned())
            }
            TokenProblem::Unreadable(problem) => ConsentError::InvalidBody(problem.to_owned()),
            TokenProblem::EmptyAccessToken => {
                ConsentError::InvalidBody("the access_token is empty".to_owned())
            }
        })?;
        let refresh_token = tokens
            .refresh_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ConsentError::InvalidBody(
                    "the grant has no refresh_token (is offline_access among the app's scopes?)"
                        .to_owned(),
                )
            })?;
        Ok(TokenGrant {
            access_token: Secret::new(tokens.access_token),
            refresh_token: Secret::new(refresh_token),
            expires_in: tokens.expires_in,
        })
    }

    /// GETs `{api_url}/oauth/token/accessible-resources` with the Bearer token. Entries that
    /// cannot name a site are dropped, not fatal: one without a string `id` made of letters,
    /// digits and dashes (it goes into the site's API path, `/ex/jira/{id}`), or without an
    /// http(s) `url` (it is shown to the customer as a link). A missing `name` is the URL.
    async fn accessible_resources(
        &self,
        api_url: &str,
        access_token: &Secret,
    ) -> Result<Vec<CloudSite>, ConsentError> {
        let target = below(api_url, "oauth/token/accessible-resources", "API URL")?;
        let bearer = auth::bearer(access_token).map_err(|_| {
            ConsentError::InvalidBody(
                "the access token cannot be sent in an HTTP header".to_owned(),
            )
        })?;
        let answer = self
            .send(true, &target, Method::GET, Some(bearer), Body::Empty, true)
            .await?;
        if !answer.status.is_success() {
            let code = json_error_code(&answer.body);
            return Err(refused(answer.status, code.as_deref(), &[access_token]));
        }
        let entries: Vec<serde_json::Value> = serde_json::from_slice(&answer.body)
            .map_err(|_| ConsentError::InvalidBody("the answer is not a JSON list".to_owned()))?;
        let total = entries.len();
        let sites: Vec<CloudSite> = entries.iter().filter_map(cloud_site).collect();
        if sites.len() < total {
            tracing::warn!(
                dropped = total - sites.len(),
                kept = sites.len(),
                "accessible-resources listed entries that name no usable site"
            );
        }
        Ok(sites)
    }

    /// POSTs to `{base}/plugins/servlet/oauth/request-token`, signed, `oauth_callback` among
    /// the protocol parameters.
    async fn oauth1_request_token(
        &self,
        consumer: &OAuth1Consumer,
        callback: &str,
    ) -> Result<OAuth1Token, ConsentError> {
        let step = FlowStep::RequestToken { callback };
        self.oauth1_step(consumer, "request-token", step, &[]).await
    }

    /// POSTs to `{base}/plugins/servlet/oauth/access-token`, signed, with the request token
    /// and the verifier.
    async fn oauth1_access_token(
        &self,
        consumer: &OAuth1Consumer,
        request_token: &OAuth1Token,
        verifier: &Secret,
    ) -> Result<OAuth1Token, ConsentError> {
        let step = FlowStep::AccessToken {
            token: request_token.token.expose(),
            verifier: verifier.expose(),
        };
        let sent = [&request_token.token, &request_token.secret, verifier];
        self.oauth1_step(consumer, "access-token", step, &sent)
            .await
    }
}

/// `url` when it is an http(s) URL with a host; `what` names it in the error (the URL itself
/// is not repeated).
fn http_url(url: &str, what: &str) -> Result<url::Url, ConsentError> {
    url::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| ConsentError::Unreachable(format!("the {what} is not an http(s) URL")))
}

/// `{base}/{path}`, any query or fragment of `base` dropped.
fn below(base: &str, path: &str, what: &str) -> Result<url::Url, ConsentError> {
    let mut url = http_url(base, what)?;
    let joined = format!("{}/{path}", url.path().trim_end_matches('/'));
    url.set_path(&joined);
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// [`ConsentError::Refused`] with the server's `code` as the detail, unless it repeats a
/// secret the call sent; without one, what the status says.
fn refused(status: StatusCode, code: Option<&str>, sent: &[&Secret]) -> ConsentError {
    let repeats_a_secret = |c: &str| sent.iter().any(|s| !s.is_empty() && c.contains(s.expose()));
    let detail = match code {
        Some(code) if !repeats_a_secret(code) => code.to_owned(),
        Some(_) => "an error code that repeats a secret (withheld)".to_owned(),
        None if status.is_redirection() => "a redirect, which is not followed".to_owned(),
        None => status
            .canonical_reason()
            .unwrap_or("no error code")
            .to_owned(),
    };
    ConsentError::Refused {
        status: status.as_u16(),
        detail,
    }
}

/// The `error` code of a JSON object answer, when short and plain.
fn json_error_code(body: &[u8]) -> Option<String> {
    if !token_answer::is_json_object(body) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let code = value.get("error")?.as_str()?;
    token_answer::short_code(code).map(str::to_owned)
}

/// The first value of `name` in a form-encoded answer.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A site of accessible-resources, when the entry names one (see
/// [`ConsentClient::accessible_resources`]).
fn cloud_site(entry: &serde_json::Value) -> Option<CloudSite> {
    let text = |name| entry.get(name).and_then(serde_json::Value::as_str);
    let id = text("id").filter(|id| {
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })?;
    let url = text("url").filter(|u| {
        url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
    })?;
    let name = text("name").filter(|n| !n.trim().is_empty()).unwrap_or(url);
    Some(CloudSite {
        id: id.to_owned(),
        url: url.to_owned(),
        name: name.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servlet_and_resource_urls_keep_context_paths_and_drop_queries() {
        let at = |base, path| below(base, path, "x").map(|u| u.to_string());
        assert_eq!(
            at(
                "https://jira.example.com/jira/",
                "plugins/servlet/oauth/request-token"
            )
            .unwrap(),
            "https://jira.example.com/jira/plugins/servlet/oauth/request-token"
        );
        assert_eq!(
            at(
                "https://api.atlassian.com?x=1#f",
                "oauth/token/accessible-resources"
            )
            .unwrap(),
            "https://api.atlassian.com/oauth/token/accessible-resources"
        );
        for bad in [
            "ftp://jira.example.com",
            "jira.example.com",
            "file:///etc/passwd",
        ] {
            let err = at(bad, "p").unwrap_err().to_string();
            assert!(err.contains("the x is not an http(s) URL"), "{err}");
        }
    }

    #[test]
    fn entries_that_name_no_site_are_dropped() {
        let sites: Vec<CloudSite> = serde_json::json!([
            {"id": "1324a887-45db-1bf4-1e99-ef0ff456d421", "url": "https://a.atlassian.net",
             "name": "A", "scopes": ["read:jira-work"], "avatarUrl": "https://x/a.png"},
            {"id": "2", "url": "https://b.atlassian.net"},
            {"url": "https://c.atlassian.net", "name": "no id"},
            {"id": "3", "name": "no url"},
            {"id": "../x", "url": "https://d.atlassian.net"},
            {"id": "4", "url": "javascript:alert(1)"},
            {"id": 5, "url": "https://e.atlassian.net"},
            "not an object",
        ])
        .as_array()
        .unwrap()
        .iter()
        .filter_map(cloud_site)
        .collect();
        let ids: Vec<(&str, &str)> = sites
            .iter()
            .map(|s| (s.id.as_str(), s.name.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                ("1324a887-45db-1bf4-1e99-ef0ff456d421", "A"),
                ("2", "https://b.atlassian.net")
            ]
        );
    }

    #[test]
    fn a_refusal_names_the_code_unless_it_repeats_a_secret() {
        let secret = Secret::new("the-client-secret");
        let detail = |status: u16, code| match refused(
            StatusCode::from_u16(status).unwrap(),
            code,
            &[&secret],
        ) {
            ConsentError::Refused { detail, .. } => detail,
            other => panic!("{other:?}"),
        };
        assert_eq!(detail(400, Some("invalid_grant")), "invalid_grant");
        assert_eq!(
            detail(400, Some("bad:the-client-secret")),
            "an error code that repeats a secret (withheld)"
        );
        assert_eq!(detail(302, None), "a redirect, which is not followed");
        assert_eq!(detail(401, None), "Unauthorized");
    }
}
