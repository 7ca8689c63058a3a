//! The admin API's handlers: each reads its body field by field, calls one administration
//! use case and answers what docs/api.md says.

use bytes::Bytes;
use domain::admin::{
    takes_field, ConnectSettings, IntegrationForm, IntegrationPatch, PLAIN_INPUTS,
};
use domain::browser_token::SigningKeyRandom;
use domain::model::AuthMethod;
use domain::ports::ConsentApi;
use domain::{
    AdminError, AdminStore, Administration, IntegrationId, IntegrationStore, JiraApi, Secret,
    SigningKeyStore,
};
use http_body_util::Full;
use hyper::{Method, Response, StatusCode};
use serde_json::{json, Value};

use super::input::{ApiError, Fields};
use super::request::AdminRequest;
use super::route::ApiRoute;
use super::{apps, connect, views};
use crate::reply::{empty_response, json_response};

/// What a handler may use.
pub struct Context<'a, S, J, K> {
    /// The administration use cases.
    pub admin: &'a Administration<S>,
    /// Jira, for `check`.
    pub jira: &'a J,
    /// The authorization servers, for connections.
    pub consent: &'a K,
    /// `None` when connections are off.
    pub connect: Option<&'a ConnectSettings>,
}

type Reply = Result<Response<Full<Bytes>>, ApiError>;

/// Answers one authenticated admin API request whose method the route allows.
pub async fn handle<S, J, K>(
    ctx: &Context<'_, S, J, K>,
    route: &ApiRoute,
    req: &AdminRequest,
) -> Reply
where
    S: AdminStore + IntegrationStore + SigningKeyStore,
    J: JiraApi,
    K: ConsentApi,
{
    let admin = ctx.admin;
    let get = req.method == Method::GET || req.method == Method::HEAD;
    let body = |empty_ok| Fields::of_body(req.content_type.as_deref(), &req.body, empty_ok);
    match route {
        ApiRoute::Orgs if get => {
            let orgs: Vec<Value> = admin.list_orgs().await?.iter().map(views::org).collect();
            ok(&orgs)
        }
        ApiRoute::Orgs => {
            let mut f = body(false)?;
            let slug = f.str("slug")?;
            f.finish()?;
            created(&views::org(&admin.create_org(&slug).await?))
        }
        ApiRoute::Org(org) if get => ok(&views::org(&admin.resolve_org(org).await?)),
        ApiRoute::Org(org) => {
            admin.delete_org(org).await?;
            Ok(empty_response(StatusCode::NO_CONTENT))
        }
        ApiRoute::OrgIntegrations(org) if get => {
            let list: Vec<Value> = admin
                .list_integrations(Some(org))
                .await?
                .iter()
                .map(views::integration)
                .collect();
            ok(&list)
        }
        ApiRoute::OrgIntegrations(org) => {
            let id = add_integration(admin, org, body(false)?).await?;
            created(&views::integration(&admin.integration_summary(id).await?))
        }
        ApiRoute::OrgTokens(org) if get => {
            let list: Vec<Value> = admin
                .list_tokens(org)
                .await?
                .iter()
                .map(views::token)
                .collect();
            ok(&list)
        }
        ApiRoute::OrgTokens(org) => {
            let mut f = body(true)?;
            let name = f.opt_str("name")?;
            f.finish()?;
            let (token, prefix) = admin
                .add_named_token(org, name.as_deref(), &rand::random())
                .await?;
            created(&json!({"token": token, "prefix": prefix}))
        }
        ApiRoute::OrgSigningKeys(org) if get => {
            let list: Vec<Value> = admin
                .list_signing_keys(org)
                .await?
                .iter()
                .map(views::signing_key)
                .collect();
            ok(&list)
        }
        ApiRoute::OrgSigningKeys(org) => {
            let mut f = body(true)?;
            let name = f.opt_str("name")?;
            f.finish()?;
            let random = SigningKeyRandom {
                id: rand::random(),
                secret: rand::random(),
            };
            let made = admin.add_signing_key(org, name.as_deref(), &random).await?;
            let mut shown = views::signing_key(&made.summary);
            shown["secret"] = json!(made.secret.expose());
            created(&shown)
        }
        ApiRoute::SigningKey(id) => {
            admin.revoke_signing_key(id).await?;
            Ok(empty_response(StatusCode::NO_CONTENT))
        }
        ApiRoute::OrgConnections(org) => {
            let settings = ctx.connect.ok_or(AdminError::ConnectionsOff)?;
            connect::start(admin, ctx.consent, settings, org, body(false)?).await
        }
        ApiRoute::Integration(id) if get => {
            ok(&views::integration(&admin.integration_summary(*id).await?))
        }
        ApiRoute::Integration(id) if req.method == Method::DELETE => {
            admin.remove_integration(*id).await?;
            Ok(empty_response(StatusCode::NO_CONTENT))
        }
        ApiRoute::Integration(id) => {
            let mut f = body(false)?;
            let patch = IntegrationPatch {
                name: f.opt_str("name")?,
                enabled: f.opt_bool("enabled")?,
            };
            f.finish()?;
            ok(&views::integration(
                &admin.update_integration(*id, &patch).await?,
            ))
        }
        ApiRoute::IntegrationCredentials(id) => {
            let mut f = body(false)?;
            let auth = f.object("auth")?;
            f.finish()?;
            let current = admin.integration_summary(*id).await?;
            let (form, first, second) = auth_input(auth, current.provider.as_str())?;
            admin.replace_credentials(*id, &form, first, second).await?;
            Ok(empty_response(StatusCode::NO_CONTENT))
        }
        ApiRoute::IntegrationCheck(id) => check(admin, ctx.jira, *id).await,
        ApiRoute::Token(prefix) => {
            admin.revoke_caller_token(prefix).await?;
            Ok(empty_response(StatusCode::NO_CONTENT))
        }
        ApiRoute::Apps if get => {
            let redirect = ctx.connect.map(ConnectSettings::callback_url);
            let list: Vec<Value> = admin
                .list_apps()
                .await?
                .iter()
                .map(|a| views::app(a, redirect.as_deref()))
                .collect();
            ok(&list)
        }
        ApiRoute::Apps => apps::create(admin, ctx.connect, body(false)?).await,
        ApiRoute::App(id) if get => {
            let redirect = ctx.connect.map(ConnectSettings::callback_url);
            ok(&views::app(
                &admin.app_summary(*id).await?,
                redirect.as_deref(),
            ))
        }
        ApiRoute::App(id) => {
            admin.remove_app(*id).await?;
            Ok(empty_response(StatusCode::NO_CONTENT))
        }
        ApiRoute::Callback | ApiRoute::Site | ApiRoute::NotFound => {
            Err(ApiError::new(StatusCode::NOT_FOUND, "Not found"))
        }
    }
}

fn ok<T: serde::Serialize>(body: &T) -> Reply {
    Ok(json_response(StatusCode::OK, body))
}

fn created<T: serde::Serialize>(body: &T) -> Reply {
    Ok(json_response(StatusCode::CREATED, body))
}

/// `POST /orgs/{org}/integrations`: the CLI's `integration add`, its flags and secret as
/// fields.
async fn add_integration<S: AdminStore + IntegrationStore>(
    admin: &Administration<S>,
    org: &str,
    mut f: Fields,
) -> Result<IntegrationId, ApiError> {
    let provider = f.str("provider")?;
    let base_url = f.str("base_url")?;
    let name = f.opt_str("name")?;
    let allow_http = f.opt_bool("allow_http")?.unwrap_or(false);
    let verify_tls = f.opt_bool("verify_tls")?.unwrap_or(true);
    let auth = f.object("auth")?;
    f.finish()?;
    let (mut form, first, second) = auth_input(auth, &provider)?;
    form = IntegrationForm {
        org: org.to_owned(),
        provider,
        base_url,
        allow_http,
        no_verify_tls: !verify_tls,
        name,
        ..form
    };
    let pending = admin.prepare_integration(&form).await?;
    Ok(admin.register_parts(pending, first, second).await?)
}

/// The secret fields of each method, by name: (first, second).
fn secret_fields(method: AuthMethod, provider: &str) -> (&'static str, Option<&'static str>) {
    match method {
        AuthMethod::Pat => ("token", None),
        AuthMethod::Basic if provider == "jira" => ("api_token", None),
        AuthMethod::Basic => ("password", None),
        AuthMethod::OAuth1 => ("access_token", Some("access_token_secret")),
        AuthMethod::OAuth2 => ("client_secret", Some("refresh_token")),
        AuthMethod::ConnectJwt => ("shared_secret", None),
    }
}

/// An `auth` object as the domain's form (its method and plain inputs) and its secrets.
/// A field the method does not take is refused as the CLI refuses a flag.
fn auth_input(
    mut auth: Fields,
    provider: &str,
) -> Result<(IntegrationForm, Secret, Option<Secret>), ApiError> {
    let method_text = auth.str("method")?;
    let method: AuthMethod = method_text
        .parse()
        .map_err(|e: domain::InvalidInput| ApiError::from(AdminError::Invalid(e)))?;
    let (first_name, second_name) = secret_fields(method, provider);
    // The plain inputs are the CLI's flags: the domain's rules judge them (a flag given for a
    // method that does not take it). Sent as `null`, one still counts as given there, as
    // `additionalProperties` says. Any other field but this method's secrets does not apply.
    let mut known = vec!["method", first_name];
    known.extend(second_name);
    known.extend(PLAIN_INPUTS.iter().map(|(_, field)| *field));
    if let Some(field) = auth.unknown_among(&known) {
        let field = auth.name(&field);
        return Err(ApiError::field(
            &field,
            format!("{field} does not apply to auth.method {method_text}"),
        ));
    }
    // `null` for a flag this method takes is "not sent"; for one it does not take, a flag given.
    let given_as_null = |auth: &Fields, k: &str| auth.has_key(k) && !takes_field(method, k);
    let plain = |auth: &mut Fields, k: &str| -> Result<Option<String>, ApiError> {
        let given = given_as_null(auth, k);
        Ok(auth.opt_str(k)?.or_else(|| given.then(String::new)))
    };
    let mut form = IntegrationForm {
        auth: method_text.clone(),
        user: plain(&mut auth, "user")?,
        client_id: plain(&mut auth, "client_id")?,
        token_url: plain(&mut auth, "token_url")?,
        consumer_key: plain(&mut auth, "consumer_key")?,
        ..IntegrationForm::default()
    };
    let key_sent = given_as_null(&auth, "private_key");
    let private_key = auth
        .opt_secret("private_key")?
        .or_else(|| key_sent.then(|| Secret::new("")));
    form.private_key_pem = private_key.clone();
    let first = auth.opt_secret(first_name)?;
    let second = match second_name {
        Some(n) => auth.opt_secret(n)?,
        None => None,
    };
    if let Err(e) = auth.finish() {
        let field = e
            .errors
            .as_ref()
            .and_then(|m| m.keys().next().cloned())
            .unwrap_or_default();
        return Err(ApiError::field(
            &field,
            format!("{field} does not apply to auth.method {method_text}"),
        ));
    }
    // The plain inputs' rules first, as the CLI checks its flags before reading a secret.
    if let Err(e) = domain::admin::check_registration(&IntegrationForm {
        provider: provider.to_owned(),
        base_url: "https://placeholder.invalid".into(),
        ..form.clone()
    }) {
        if !e.0.contains("base URL") && !e.0.contains("--provider") {
            return Err(AdminError::Invalid(e).into());
        }
    }
    if let Some(pem) = &private_key {
        jira_http::oauth1::validate_private_key(pem.expose())
            .map_err(|e| ApiError::field("auth.private_key", e))?;
    }
    let need = |name: &str, s: Option<Secret>| -> Result<Secret, ApiError> {
        let field = format!("auth.{name}");
        let s = s.ok_or_else(|| {
            ApiError::field(&field, format!("auth.method {method_text} needs {field}"))
        })?;
        domain::admin::check_secret(&field, &s).map_err(|e| ApiError::field(&field, e.0))?;
        Ok(s)
    };
    let first = need(first_name, first)?;
    let second = match second_name {
        Some(n) => Some(need(n, second)?),
        None => None,
    };
    Ok((form, first, second))
}

/// `POST /integrations/{id}/check`: who Jira says the credentials are.
async fn check<S: AdminStore + IntegrationStore, J: JiraApi>(
    admin: &Administration<S>,
    jira: &J,
    id: IntegrationId,
) -> Reply {
    match admin.check_integration(jira, id).await {
        Ok(me) => ok(&json!({
            "ok": true,
            "jira_user": {"id": me.id, "display_name": me.display_name, "email": me.email},
        })),
        Err(
            e @ (AdminError::CheckRefused { .. }
            | AdminError::CheckAnonymous(_)
            | AdminError::CheckFailed(_)),
        ) => ok(&json!({"ok": false, "reason": domain::error_chain(&e)})),
        Err(e) => Err(e.into()),
    }
}
