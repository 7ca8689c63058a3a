//! Organizations, integrations and credentials, with the validation rules for each.

mod app;
mod base_url;
mod credentials;
mod integration;
mod invalid;
mod org;
mod provider;

pub use app::{
    AppId, AppKind, AppSummary, CloudSite, ConnectionStage, NewApp, OAuthApp, PendingConnection,
};
pub use base_url::{BaseUrl, MAX_URL_LEN};
pub use credentials::{Credentials, ATLASSIAN_TOKEN_URL};
pub use integration::{Integration, IntegrationName, IntegrationSummary, NewIntegration};
pub(crate) use invalid::shown;
pub use invalid::InvalidInput;
pub use org::{IntegrationId, Org, OrgId, OrgRef, Slug, MAX_SLUG_LEN};
pub use provider::{AuthMethod, Provider};
