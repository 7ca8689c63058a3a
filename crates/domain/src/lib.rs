//! What a Jira search is: the models, the rules of
//! `../shared/spec/search-behaviour.md`, the ports (traits) adapters implement, and the
//! search service that ties them together.
//!
//! This crate performs no I/O and names no HTTP, SQL or Redis type: adapters depend on it,
//! never the other way round.

pub mod cache_key;
pub mod coalesce;
pub mod model;
pub mod ports;
pub mod rules;
pub mod search;
pub mod secret;
pub mod token;
pub mod user_choice;

pub use model::{
    AuthMethod, BaseUrl, Credentials, Integration, IntegrationId, InvalidInput, Org, OrgId, OrgRef,
    Provider, Slug, ATLASSIAN_TOKEN_URL,
};
pub use ports::{
    CacheError, CredentialUpdates, IntegrationStore, JiraApi, JiraError, JiraRequest, SearchCache,
    StoreError,
};
pub use search::{
    Branch, CacheOutcome, Choice, SearchError, SearchRequest, SearchService, SearchSettings,
    SearchTrace,
};
pub use secret::Secret;
