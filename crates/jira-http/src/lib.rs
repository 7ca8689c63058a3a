//! The domain's [`JiraApi`](domain::JiraApi) port over hyper-util's pooled client and rustls.
//!
//! One module per concern: [`HyperJira`] (`hyper_jira`) adds the guard, the retries and the
//! deadline around `attempt`, which makes one authenticated GET over the pooled client of
//! `client`; [`url`] builds request URLs, [`auth`] turns credentials into an `Authorization`
//! header per request (with [`oauth1`], [`connect_jwt`] and the OAuth 2.0 token manager in
//! [`oauth2`]), [`tls`] builds the two TLS configurations (verifying, and not verifying for
//! Server instances added with `--no-verify-tls`), [`errors`] reads the wait a 429 or 503
//! asks for and describes client errors. Jira's error bodies, which are often not JSON, are
//! read by the domain (`JiraError::from_error_answer`). [`ConsentClient`] (`consent`) is the
//! domain's `ConsentApi` port: the calls to Jira's authorization servers that finish a
//! connection, over `exchange` (one small capped call) and `token_answer` (what a token
//! endpoint answers), which the OAuth 2.0 token manager uses too.

// Layers: a module only uses modules of the layers above its own.
//   url, errors, tls, guard, client,         leaves
//   token_answer
//   oauth1, connect_jwt, observer, config,   signatures, events, settings, one small call
//   exchange
//   auth, oauth2                             credentials to an `Authorization` header
//   attempt                                  one authenticated GET
//   hyper_jira, consent                      the ports: Jira's API, its authorization servers
//   fuzzing                                  the fuzz targets' entry points (fuzz/)
mod attempt;
pub mod auth;
mod client;
mod config;
pub mod connect_jwt;
mod consent;
pub mod errors;
mod exchange;
#[doc(hidden)]
pub mod fuzzing;
pub mod guard;
mod hyper_jira;
pub mod keys;
pub mod oauth1;
pub mod oauth2;
pub mod observer;
pub mod tls;
mod token_answer;
pub mod url;

pub use config::{JiraHttpConfig, JiraHttpError};
pub use consent::ConsentClient;
pub use guard::{BreakerState, GuardSettings};
pub use hyper_jira::{HyperJira, NoCredentialUpdates};
pub use observer::{CallOutcome, JiraObserver, NoObserver};
