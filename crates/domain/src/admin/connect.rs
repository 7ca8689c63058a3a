//! Connecting a customer's Jira through its consent page (docs/onboarding.md): start a
//! connection (a single-use state bound to the org, the app and the return URL), then finish
//! it when Jira sends the browser back, storing the integration only once the exchange
//! succeeded. Pure rules and use cases: the caller brings the randomness, the clock and the
//! adapters.

use super::connect_outcome::{
    connected, enc, failed, pkce, with_query, CallbackOutcome, CallbackParams, ConnectFailure,
    ConnectRandom, StartedConnection, ATLASSIAN_SCOPES, DC_SCOPE, MISSING_STATE, STATE_TTL_SECS,
    UNKNOWN_STATE,
};
use super::connect_settings::{check_return_url, ConnectSettings};
use super::error::AdminError;
use crate::model::{
    AppKind, BaseUrl, CloudSite, ConnectionStage, Credentials, IntegrationName, InvalidInput,
    NewIntegration, OAuthApp, OrgId, OrgRef, PendingConnection, Provider,
};
use crate::ports::{
    AdminStore, CodeExchange, ConsentApi, IntegrationStore, OAuth1Consumer, OAuth1Token, TokenStyle,
};
use crate::secret::Secret;
use crate::token::hash_token;

/// The connection use cases over a store and the authorization servers.
#[derive(Debug, Clone)]
pub struct Connections<'a, S, C> {
    store: &'a S,
    consent: &'a C,
    settings: &'a ConnectSettings,
}

impl<'a, S: AdminStore + IntegrationStore, C: ConsentApi> Connections<'a, S, C> {
    /// The use cases over `store` and `consent`, with `settings`.
    pub fn new(store: &'a S, consent: &'a C, settings: &'a ConnectSettings) -> Self {
        Self {
            store,
            consent,
            settings,
        }
    }

    /// Starts a connection of `org` through `app`: remembers a state (hashed) and answers the
    /// URL of Jira's consent page. For OAuth 1.0a it first gets a request token from Jira.
    ///
    /// # Errors
    /// [`AdminError::OrgNotFound`], [`AdminError::AppNotFound`], [`AdminError::Invalid`] for
    /// a return URL not allowed, [`AdminError::ConsentFailed`] when Jira refused the request
    /// token, [`AdminError::Store`].
    pub async fn start(
        &self,
        org: OrgId,
        app_id: crate::model::AppId,
        return_url: &str,
        random: &ConnectRandom,
        now: i64,
    ) -> Result<StartedConnection, AdminError> {
        let return_url = check_return_url(self.settings, return_url)?;
        let app = self
            .store
            .app(app_id)
            .await?
            .ok_or(AdminError::AppNotFound(app_id))?;
        let state = hex::encode(random.state);
        let callback = self.settings.callback_url();
        let (authorize_url, stage) = match app.kind {
            AppKind::Atlassian3lo => (
                with_query(
                    &format!("{}/authorize", self.settings.atlassian_auth_url),
                    &[
                        ("audience", "api.atlassian.com"),
                        ("client_id", &app.client_id),
                        ("scope", ATLASSIAN_SCOPES),
                        ("redirect_uri", &callback),
                        ("state", &state),
                        ("response_type", "code"),
                        ("prompt", "consent"),
                    ],
                ),
                ConnectionStage::Authorize {
                    pkce_verifier: None,
                },
            ),
            AppKind::DcOAuth2 => {
                let (verifier, challenge) = pkce(&random.pkce);
                (
                    with_query(
                        &format!("{}/rest/oauth2/latest/authorize", app_base(&app)?),
                        &[
                            ("client_id", &app.client_id),
                            ("redirect_uri", &callback),
                            ("response_type", "code"),
                            ("state", &state),
                            ("scope", DC_SCOPE),
                            ("code_challenge", &challenge),
                            ("code_challenge_method", "S256"),
                        ],
                    ),
                    ConnectionStage::Authorize {
                        pkce_verifier: Some(Secret::new(verifier)),
                    },
                )
            }
            AppKind::ServerOAuth1 => {
                let consumer = consumer_of(&app)?;
                let token = self
                    .consent
                    .oauth1_request_token(&consumer, &with_query(&callback, &[("state", &state)]))
                    .await
                    .map_err(AdminError::ConsentFailed)?;
                let request_token = token.token.expose().to_owned();
                (
                    with_query(
                        &format!("{}/plugins/servlet/oauth/authorize", consumer.base_url),
                        &[("oauth_token", &request_token)],
                    ),
                    ConnectionStage::Authorize1 {
                        request_token,
                        request_token_secret: token.secret,
                    },
                )
            }
        };
        let expires_at = now + STATE_TTL_SECS;
        self.store.purge_connections(now).await?;
        self.store
            .save_connection(
                &hash_token(&state),
                &PendingConnection {
                    org,
                    app: app.id,
                    return_url: return_url.into(),
                    expires_at,
                    stage,
                },
            )
            .await?;
        Ok(StartedConnection {
            authorize_url,
            expires_at,
        })
    }

    /// Finishes a connection when Jira sends the browser back.
    ///
    /// # Errors
    /// [`AdminError::Store`] only: every other ending is a [`CallbackOutcome`].
    pub async fn callback(
        &self,
        params: &CallbackParams,
        now: i64,
    ) -> Result<CallbackOutcome, AdminError> {
        let Some(state) = params.state.as_deref().filter(|s| !s.is_empty()) else {
            return Ok(CallbackOutcome::BadState(MISSING_STATE));
        };
        let Some(c) = self.store.take_connection(&hash_token(state)).await? else {
            return Ok(CallbackOutcome::BadState(UNKNOWN_STATE));
        };
        if now >= c.expires_at {
            return Ok(failed(&c, ConnectFailure::ExpiredState));
        }
        let Some(app) = self.store.app(c.app).await? else {
            return Ok(failed(&c, ConnectFailure::ExchangeFailed));
        };
        match &c.stage {
            ConnectionStage::Authorize { pkce_verifier } => {
                if let Some(error) = &params.error {
                    let why = if error == "access_denied" {
                        ConnectFailure::AccessDenied
                    } else {
                        ConnectFailure::ExchangeFailed
                    };
                    return Ok(failed(&c, why));
                }
                let Some(code) = params.code.as_deref().filter(|s| !s.is_empty()) else {
                    return Ok(failed(&c, ConnectFailure::InvalidState));
                };
                self.finish_oauth2(&c, &app, state, code, pkce_verifier.clone())
                    .await
            }
            ConnectionStage::Authorize1 {
                request_token,
                request_token_secret,
            } => {
                let verifier = params.oauth_verifier.as_deref().unwrap_or("");
                if verifier == "denied" {
                    return Ok(failed(&c, ConnectFailure::AccessDenied));
                }
                if verifier.is_empty() || params.oauth_token.as_deref() != Some(request_token) {
                    return Ok(failed(&c, ConnectFailure::InvalidState));
                }
                let Ok(consumer) = consumer_of(&app) else {
                    return Ok(failed(&c, ConnectFailure::ExchangeFailed));
                };
                let request = OAuth1Token {
                    token: Secret::new(request_token.clone()),
                    secret: request_token_secret.clone(),
                };
                let access = match self
                    .consent
                    .oauth1_access_token(&consumer, &request, &Secret::new(verifier))
                    .await
                {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(app = app.id.0, error = %e, "OAuth 1.0a access token refused");
                        return Ok(failed(&c, ConnectFailure::ExchangeFailed));
                    }
                };
                let Ok(base_url) = app_base(&app) else {
                    return Ok(failed(&c, ConnectFailure::ExchangeFailed));
                };
                let new = NewIntegration {
                    provider: Provider::JiraServer,
                    name: IntegrationName::of_host(&base_url),
                    base_url,
                    verify_tls: consumer.verify_tls,
                    credentials: Credentials::OAuth1 {
                        consumer_key: consumer.consumer_key,
                        private_key_pem: consumer.private_key_pem,
                        access_token: access.token,
                        token_secret: access.secret,
                    },
                };
                self.store_integration(&c, &new).await
            }
            ConnectionStage::ChooseSite { .. } => Ok(failed(&c, ConnectFailure::InvalidState)),
        }
    }

    /// The customer picked `site` on the site choice page.
    ///
    /// # Errors
    /// [`AdminError::Store`] only.
    pub async fn choose_site(
        &self,
        state: &str,
        site: &str,
        now: i64,
    ) -> Result<CallbackOutcome, AdminError> {
        let Some(c) = self.store.take_connection(&hash_token(state)).await? else {
            return Ok(CallbackOutcome::BadState(UNKNOWN_STATE));
        };
        if now >= c.expires_at {
            return Ok(failed(&c, ConnectFailure::ExpiredState));
        }
        let ConnectionStage::ChooseSite {
            refresh_token,
            sites,
        } = &c.stage
        else {
            return Ok(failed(&c, ConnectFailure::InvalidState));
        };
        let (Some(site), Some(app)) = (
            sites.iter().find(|s| s.id == site),
            self.store.app(c.app).await?,
        ) else {
            return Ok(failed(&c, ConnectFailure::InvalidState));
        };
        self.store_site(&c, &app, site, refresh_token.clone()).await
    }

    async fn finish_oauth2(
        &self,
        c: &PendingConnection,
        app: &OAuthApp,
        state: &str,
        code: &str,
        pkce_verifier: Option<Secret>,
    ) -> Result<CallbackOutcome, AdminError> {
        let (token_url, style) = match app.kind {
            AppKind::Atlassian3lo => (self.settings.atlassian_token_url(), TokenStyle::Json),
            _ => match app_base(app) {
                Ok(base) => (format!("{base}/rest/oauth2/latest/token"), TokenStyle::Form),
                Err(_) => return Ok(failed(c, ConnectFailure::ExchangeFailed)),
            },
        };
        let exchange = CodeExchange {
            token_url: token_url.clone(),
            style,
            client_id: app.client_id.clone(),
            client_secret: app.secret.clone(),
            code: Secret::new(code),
            redirect_uri: self.settings.callback_url(),
            code_verifier: pkce_verifier,
            verify_tls: app.kind == AppKind::Atlassian3lo || app.verify_tls,
        };
        let grant = match self.consent.exchange_code(&exchange).await {
            Ok(g) => g,
            Err(e) => {
                tracing::warn!(app = app.id.0, error = %e, "authorization code exchange failed");
                return Ok(failed(c, ConnectFailure::ExchangeFailed));
            }
        };
        if app.kind != AppKind::Atlassian3lo {
            let Ok(base_url) = app_base(app) else {
                return Ok(failed(c, ConnectFailure::ExchangeFailed));
            };
            let new = NewIntegration {
                provider: Provider::JiraServer,
                name: IntegrationName::of_host(&base_url),
                base_url,
                verify_tls: app.verify_tls,
                credentials: Credentials::OAuth2 {
                    client_id: app.client_id.clone(),
                    token_url,
                    client_secret: app.secret.clone(),
                    refresh_token: grant.refresh_token,
                },
            };
            return self.store_integration(c, &new).await;
        }
        let sites = match self
            .consent
            .accessible_resources(&self.settings.atlassian_api_url, &grant.access_token)
            .await
        {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(app = app.id.0, error = %e, "accessible-resources failed");
                return Ok(failed(c, ConnectFailure::ExchangeFailed));
            }
        };
        match sites.as_slice() {
            [] => Ok(failed(c, ConnectFailure::NoJiraSite)),
            [site] => self.store_site(c, app, site, grant.refresh_token).await,
            _ => {
                let choose = PendingConnection {
                    stage: ConnectionStage::ChooseSite {
                        refresh_token: grant.refresh_token,
                        sites: sites.clone(),
                    },
                    ..c.clone()
                };
                self.store
                    .save_connection(&hash_token(state), &choose)
                    .await?;
                Ok(CallbackOutcome::ChooseSite {
                    state: state.to_owned(),
                    sites,
                })
            }
        }
    }

    async fn store_site(
        &self,
        c: &PendingConnection,
        app: &OAuthApp,
        site: &CloudSite,
        refresh_token: Secret,
    ) -> Result<CallbackOutcome, AdminError> {
        let api = format!(
            "{}/ex/jira/{}",
            self.settings.atlassian_api_url,
            enc(&site.id)
        );
        let Ok(base_url) = BaseUrl::parse(&api, true) else {
            return Ok(failed(c, ConnectFailure::ExchangeFailed));
        };
        let name = IntegrationName::parse(&site.name)
            .or_else(|_| IntegrationName::parse(&site.url))
            .unwrap_or_else(|_| IntegrationName::of_host(&base_url));
        let new = NewIntegration {
            provider: Provider::JiraCloud,
            name,
            base_url,
            verify_tls: true,
            credentials: Credentials::OAuth2 {
                client_id: app.client_id.clone(),
                token_url: self.settings.atlassian_token_url(),
                client_secret: app.secret.clone(),
                refresh_token,
            },
        };
        self.store_integration(c, &new).await
    }

    async fn store_integration(
        &self,
        c: &PendingConnection,
        new: &NewIntegration,
    ) -> Result<CallbackOutcome, AdminError> {
        let Some(org) = self.store.find_org(&OrgRef::Id(c.org.0)).await? else {
            // The org was deleted while its customer was at Jira.
            return Ok(failed(c, ConnectFailure::InvalidState));
        };
        let (id, replaced) = self.store.connect_integration(org.id, new).await?;
        tracing::info!(
            org = %org.slug,
            integration = id.0,
            replaced,
            "integration connected"
        );
        Ok(CallbackOutcome::Redirect(connected(
            c,
            org.slug.as_str(),
            id,
        )))
    }
}

fn app_base(app: &OAuthApp) -> Result<BaseUrl, AdminError> {
    app.base_url
        .clone()
        .ok_or_else(|| AdminError::Invalid(InvalidInput::new("the app has no base_url")))
}

fn consumer_of(app: &OAuthApp) -> Result<OAuth1Consumer, AdminError> {
    Ok(OAuth1Consumer {
        base_url: app_base(app)?.as_str().to_owned(),
        consumer_key: app.client_id.clone(),
        private_key_pem: app.secret.clone(),
        verify_tls: app.verify_tls,
    })
}

#[cfg(test)]
mod tests;
