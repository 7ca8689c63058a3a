//! The admin API (`/api/v1`) and the connect routes (`/connect/...`) of docs/onboarding.md:
//! a product provisions tenants and its customers connect their Jira. Every route calls the
//! domain's administration use cases, as the CLI does, so both faces share every rule.
//!
//! [`AdminRoutes`] is object-safe so the search service, generic over its adapters, carries
//! the admin API as one `Arc<dyn AdminRoutes>` without new type parameters.

mod apps;
mod connect;
mod handlers;
pub mod input;
mod pages;
pub mod request;
pub mod route;
pub mod views;

use bytes::Bytes;
use domain::admin::{AdminAccess, ConnectSettings};
use domain::ports::ConsentApi;
use domain::{AdminStore, Administration, IntegrationStore, JiraApi, Keyring, SigningKeyStore};
use http_body_util::Full;
use hyper::header::{HeaderValue, ALLOW, WWW_AUTHENTICATE};
use hyper::{Method, Response, StatusCode};

use self::input::ApiError;
pub use self::request::{AdminRequest, Answer};
use self::route::ApiRoute;

/// The admin API and connect routes, as the HTTP layer calls them.
pub trait AdminRoutes: Send + Sync + 'static {
    /// Answers one request whose path [`ApiRoute::owns`].
    fn answer(&self, req: AdminRequest) -> Answer<'_>;
}

/// The admin API over a store (the administration), a Jira client (`check`) and the
/// authorization servers (connections).
pub struct AdminApi<S, J, K> {
    admin: Administration<S>,
    jira: J,
    consent: K,
    connect: Option<ConnectSettings>,
}

impl<S, J, K> AdminApi<S, J, K>
where
    S: AdminStore + IntegrationStore + SigningKeyStore,
    J: JiraApi,
    K: ConsentApi,
{
    /// The admin API; `connect` is `None` when `PUBLIC_URL` is unset (connections off).
    pub fn new(store: S, jira: J, consent: K, connect: Option<ConnectSettings>) -> Self {
        Self {
            admin: Administration::new(store),
            jira,
            consent,
            connect,
        }
    }

    /// The admin API that changes `keyring` at once when a signing key is made or revoked
    /// (or an org deleted), so this process's searches see it without waiting for a reload.
    #[must_use]
    pub fn with_keyring(mut self, keyring: std::sync::Arc<Keyring>) -> Self {
        self.admin = self.admin.with_keyring(keyring);
        self
    }

    async fn route(&self, req: AdminRequest) -> Response<Full<Bytes>> {
        let route = ApiRoute::parse(&req.path);
        if route == ApiRoute::NotFound {
            return ApiError::new(StatusCode::NOT_FOUND, "Not found").response();
        }
        let allowed = route.allowed();
        let method_ok = allowed.contains(&req.method.as_str())
            || (req.method == Method::HEAD && allowed.contains(&"GET"));
        if route.is_browser() {
            // Without PUBLIC_URL the connect routes do not exist, whatever the method.
            let Some(settings) = &self.connect else {
                return ApiError::new(StatusCode::NOT_FOUND, "Not found").response();
            };
            if !method_ok {
                return method_not_allowed(&req.method, allowed);
            }
            return connect::browser(&self.admin, &self.consent, settings, &route, &req).await;
        }
        match self.admin.admin_access(req.token.as_deref()).await {
            Ok(AdminAccess::Admin) => {}
            Ok(AdminAccess::Caller) => {
                return ApiError::new(
                    StatusCode::FORBIDDEN,
                    "this is a caller token: the admin API needs an admin token (`jira-search token add --admin`)",
                )
                .response()
            }
            Ok(AdminAccess::Unknown) => {
                let mut r = ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "Authentication credentials were not provided or are invalid: send Authorization: Bearer <admin token>",
                )
                .response();
                r.headers_mut()
                    .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                return r;
            }
            Err(e) => return ApiError::from(e).response(),
        }
        if !method_ok {
            return method_not_allowed(&req.method, allowed);
        }
        let ctx = handlers::Context {
            admin: &self.admin,
            jira: &self.jira,
            consent: &self.consent,
            connect: self.connect.as_ref(),
        };
        match handlers::handle(&ctx, &route, &req).await {
            Ok(r) => r,
            Err(e) => e.response(),
        }
    }
}

impl<S, J, K> AdminRoutes for AdminApi<S, J, K>
where
    S: AdminStore + IntegrationStore + SigningKeyStore,
    J: JiraApi,
    K: ConsentApi,
{
    fn answer(&self, req: AdminRequest) -> Answer<'_> {
        Box::pin(self.route(req))
    }
}

fn method_not_allowed(method: &Method, allowed: &[&str]) -> Response<Full<Bytes>> {
    let mut r = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Method \"{method}\" not allowed."),
    )
    .response();
    if let Ok(v) = HeaderValue::from_str(&allowed.join(", ")) {
        r.headers_mut().insert(ALLOW, v);
    }
    r
}
