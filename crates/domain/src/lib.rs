//! What a Jira search is and what administering tenants means: the models, the rules of
//! docs/api.md, the ports (traits) adapters implement, and the use cases that tie them
//! together: [`SearchService`] and [`Administration`].
//!
//! This crate performs no I/O and names no HTTP, SQL or Redis type: adapters depend on it,
//! never the other way round. Its `testing` feature adds in-memory fakes of every port and a
//! contract suite per port ([`testing`]).

pub mod admin;
pub mod browser_token;
pub mod cache_key;
pub mod choice;
pub mod coalesce;
pub mod jira_request;
pub mod keyring;
mod memo;
pub mod messages;
pub mod model;
pub mod ports;
pub mod rules;
pub mod search;
pub mod secret;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod token;

pub use admin::{AdminError, Administration};
pub use choice::Choice;
pub use jira_request::JiraRequest;
pub use keyring::Keyring;
pub use model::{
    AuthMethod, BaseUrl, Credentials, Integration, IntegrationId, IntegrationName,
    IntegrationSummary, InvalidInput, NewIntegration, Org, OrgId, OrgRef, Provider, Slug,
    ATLASSIAN_TOKEN_URL,
};
pub use ports::{
    error_chain, AdminStore, BoxError, CacheError, CacheStats, CredentialUpdates, IntegrationStore,
    JiraApi, JiraError, SearchCache, SigningKeyStore, StoreError,
};
pub use search::{
    Branch, CacheOutcome, SearchError, SearchRequest, SearchService, SearchSettings, SearchTrace,
};
pub use secret::Secret;
