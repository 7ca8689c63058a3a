//! The adapter-swap kit (feature `testing`): in-memory fakes of every port, and a contract
//! suite per port that every adapter we ship, and every fake here, passes. docs/testing.md
//! shows how to use both.
//!
//! - [`InMemoryStore`]: orgs, integrations and tokens in a mutex; the store ports.
//! - [`ScriptedJira`]: answers what a test scripts (JSON, Jira's error bodies, HTML pages,
//!   429s, delays, timeouts) and records every call.
//! - [`InMemoryCache`]: a map with expiry.
//! - [`contract`]: `store`, `cache` and `jira`, public async test bodies.
//!
//! Also the mockall mocks of the ports (`MockJiraApi`, ...), re-exported from
//! [`crate::ports`].

mod cache;
pub mod contract;
mod jira;
mod store;

pub use cache::InMemoryCache;
pub use jira::{Reply, ScriptedCall, ScriptedJira};
pub use store::InMemoryStore;

use crate::model::{BaseUrl, Credentials, Integration, IntegrationId, Provider};
use crate::secret::Secret;

/// An integration for tests: id `id`, named `jira <id>`, at `https://jira.example.com`,
/// verifying TLS, with the personal access token `pat`.
///
/// # Panics
/// Never: the base URL is a constant that parses.
pub fn pat_integration(id: i64, provider: Provider, enabled: bool) -> Integration {
    Integration {
        id: IntegrationId(id),
        provider,
        name: format!("jira {id}"),
        base_url: BaseUrl::from_stored("https://jira.example.com")
            .expect("a constant base URL parses"),
        verify_tls: true,
        enabled,
        credentials: Credentials::Pat {
            token: Secret::new("pat"),
        },
    }
}
