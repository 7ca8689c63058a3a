//! `POST /api/v1/apps`: an OAuth client the product created at an authorization server. An
//! OAuth 1.0a app's RSA key is checked (or generated) here, where the crypto library is.

use bytes::Bytes;
use domain::admin::{check_app, AppForm, ConnectSettings};
use domain::model::{AppKind, NewApp};
use domain::{AdminError, AdminStore, Administration, IntegrationStore, Secret};
use http_body_util::Full;
use hyper::{Response, StatusCode};

use super::input::{ApiError, Fields};
use super::views;
use crate::reply::json_response;

/// Checks, completes and stores an app; answers it (public parts) with its `redirect_uri`.
pub async fn create<S: AdminStore + IntegrationStore>(
    admin: &Administration<S>,
    connect: Option<&ConnectSettings>,
    mut f: Fields,
) -> Result<Response<Full<Bytes>>, ApiError> {
    let kind = f.str("kind")?;
    // What the kind takes; anything else, even `null`, is refused as `check_app` words it.
    let known: &[&str] = match kind.parse::<AppKind>() {
        Ok(AppKind::Atlassian3lo) => &["client_id", "client_secret"],
        Ok(AppKind::DcOAuth2) => &[
            "base_url",
            "allow_http",
            "verify_tls",
            "client_id",
            "client_secret",
        ],
        Ok(AppKind::ServerOAuth1) => &[
            "base_url",
            "allow_http",
            "verify_tls",
            "consumer_key",
            "private_key",
        ],
        Err(_) => &[],
    };
    const APP_FIELDS: [&str; 7] = [
        "base_url",
        "allow_http",
        "verify_tls",
        "client_id",
        "client_secret",
        "consumer_key",
        "private_key",
    ];
    let other_kinds_field = f
        .unknown_among(known)
        .filter(|field| APP_FIELDS.contains(&field.as_str()));
    if let (Ok(kind), Some(field)) = (kind.parse::<AppKind>(), other_kinds_field) {
        return Err(ApiError::field(
            &field,
            format!("{field}: an app of kind {kind} does not take {field}"),
        ));
    }
    let form = AppForm {
        kind,
        base_url: f.opt_str("base_url")?,
        allow_http: f.opt_bool("allow_http")?.unwrap_or(false),
        client_id: f.opt_str("client_id")?,
        client_secret: f.opt_secret("client_secret")?,
        consumer_key: f.opt_str("consumer_key")?,
        private_key: f.opt_secret("private_key")?,
        verify_tls: f.opt_bool("verify_tls")?,
    };
    f.finish()?;
    let checked = check_app(&form).map_err(|e| {
        let field = e.0.split(':').next().unwrap_or("body").to_owned();
        // A base URL's rules name the CLI's flags (`--allow-http`): name the fields instead.
        ApiError::field(&field, super::input::as_api_message(&e.0).1)
    })?;
    let (secret, public_key_pem) = match (checked.kind, checked.secret) {
        (AppKind::ServerOAuth1, Some(pem)) => {
            let public = jira_http::keys::public_key_of(pem.expose())
                .map_err(|e| ApiError::field("private_key", format!("private_key: {e}")))?;
            (pem, Some(public))
        }
        (AppKind::ServerOAuth1, None) => {
            // Seconds of CPU: off the async workers.
            let pair = tokio::task::spawn_blocking(jira_http::keys::generate_key_pair)
                .await
                .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
                .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e))?;
            (Secret::new(pair.0), Some(pair.1))
        }
        (_, Some(secret)) => (secret, None),
        (_, None) => {
            return Err(
                AdminError::Invalid(domain::InvalidInput("client_secret: required".into())).into(),
            )
        }
    };
    let app = admin
        .add_app(&NewApp {
            kind: checked.kind,
            base_url: checked.base_url,
            client_id: checked.client_id,
            secret,
            public_key_pem,
            verify_tls: checked.verify_tls,
        })
        .await?;
    let redirect = connect.map(ConnectSettings::callback_url);
    Ok(json_response(
        StatusCode::CREATED,
        &views::app(&app, redirect.as_deref()),
    ))
}
