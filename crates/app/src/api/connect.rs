//! Connections: `POST /api/v1/orgs/{org}/connections` starts one, and the browser's routes
//! finish it: `GET /connect/callback` (where Jira sends the customer back) and
//! `POST /connect/site` (the site choice form of a multi-site Atlassian grant).

use bytes::Bytes;
use domain::admin::{CallbackOutcome, CallbackParams, ConnectRandom, ConnectSettings, Connections};
use domain::model::AppId;
use domain::ports::ConsentApi;
use domain::{AdminError, AdminStore, Administration, IntegrationStore};
use http_body_util::Full;
use hyper::{Response, StatusCode};
use serde_json::json;

use super::input::{ApiError, Fields};
use super::pages;
use super::request::{now, AdminRequest};
use super::route::ApiRoute;
use super::views;
use crate::reply::{html_response, json_response, see_other};

/// Starts a connection: answers where to send the customer's browser.
pub async fn start<S: AdminStore + IntegrationStore, K: ConsentApi>(
    admin: &Administration<S>,
    consent: &K,
    settings: &ConnectSettings,
    org: &str,
    mut f: Fields,
) -> Result<Response<Full<Bytes>>, ApiError> {
    let app = f.opt_id("app")?.ok_or_else(|| {
        ApiError::field("app", "is required: the id of an app (POST /api/v1/apps)")
    })?;
    let return_url = f.str("return_url")?;
    f.finish()?;
    let org = admin.org_id(org).await?;
    let random = ConnectRandom {
        state: rand::random(),
        pkce: rand::random(),
    };
    let started = Connections::new(admin.store(), consent, settings)
        .start(org, AppId(app), &return_url, &random, now())
        .await
        .map_err(|e| match e {
            AdminError::AppNotFound(_) => ApiError::field("app", e.to_string()),
            AdminError::Invalid(i) => ApiError::field("return_url", i.0),
            other => other.into(),
        })?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({
            "authorize_url": started.authorize_url,
            "expires_at": views::rfc3339(started.expires_at),
        }),
    ))
}

/// The browser's routes: the callback and the site choice.
pub async fn browser<S: AdminStore + IntegrationStore, K: ConsentApi>(
    admin: &Administration<S>,
    consent: &K,
    settings: &ConnectSettings,
    route: &ApiRoute,
    req: &AdminRequest,
) -> Response<Full<Bytes>> {
    let connections = Connections::new(admin.store(), consent, settings);
    let outcome = match route {
        ApiRoute::Callback => {
            let mut params = CallbackParams::default();
            let query = req.query.as_deref().unwrap_or("");
            for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
                let slot = match k.as_ref() {
                    "state" => &mut params.state,
                    "code" => &mut params.code,
                    "error" => &mut params.error,
                    "oauth_token" => &mut params.oauth_token,
                    "oauth_verifier" => &mut params.oauth_verifier,
                    _ => continue,
                };
                *slot = Some(v.into_owned());
            }
            connections.callback(&params, now()).await
        }
        _ => {
            let (mut state, mut site) = (String::new(), String::new());
            for (k, v) in url::form_urlencoded::parse(&req.body) {
                match k.as_ref() {
                    "state" => state = v.into_owned(),
                    "site" => site = v.into_owned(),
                    _ => {}
                }
            }
            if state.is_empty() {
                Ok(CallbackOutcome::BadState(domain::admin::MISSING_STATE))
            } else {
                connections.choose_site(&state, &site, now()).await
            }
        }
    };
    match outcome {
        Ok(CallbackOutcome::Redirect(url)) => see_other(&url),
        Ok(CallbackOutcome::ChooseSite { state, sites }) => {
            html_response(StatusCode::OK, pages::choose_site(&state, &sites))
        }
        Ok(CallbackOutcome::BadState(message)) => {
            html_response(StatusCode::BAD_REQUEST, pages::bad_state(message))
        }
        Err(e) => {
            tracing::error!(error = %domain::error_chain(&e), "connection could not be finished");
            html_response(
                StatusCode::SERVICE_UNAVAILABLE,
                pages::bad_state(
                    "The service could not finish the connection: try again in a moment.",
                ),
            )
        }
    }
}
