//! The ports: what the domain needs from the outside world. Adapters implement them, and
//! every adapter we ship (and every fake of `crate::testing`) passes the contract suite of
//! its port.

mod cache;
mod consent;
mod error;
mod jira;
mod renewal;
mod shared;
mod store;

pub use cache::{CacheError, CacheStats, SearchCache};
pub use consent::{
    CodeExchange, ConsentApi, ConsentError, OAuth1Consumer, OAuth1Token, TokenGrant, TokenStyle,
};
pub use error::{error_chain, BoxError};
pub use jira::{JiraApi, JiraError};
pub use renewal::{
    FinishFuture, LeaseHolder, RenewalGuard, RenewalLease, RenewalLocks, RenewedTokens,
    SharedAccessToken,
};
pub use store::{
    AdminStore, CredentialUpdates, IntegrationStore, RevokeOutcome, SigningKeyStore, StoreError,
    TokenSelector,
};

#[cfg(any(test, feature = "testing"))]
pub use cache::MockSearchCache;
#[cfg(any(test, feature = "testing"))]
pub use consent::MockConsentApi;
#[cfg(any(test, feature = "testing"))]
pub use jira::MockJiraApi;
#[cfg(any(test, feature = "testing"))]
pub use store::{MockAdminStore, MockCredentialUpdates, MockIntegrationStore, MockSigningKeyStore};
