//! OAuth 2.0 access tokens, renewed with the (rotating) refresh token.
//!
//! * An access token is renewed when none is held, when it expires within
//!   [`RENEW_BEFORE`], or when Jira answered 401 to it.
//! * Single flight in this process: one `tokio::sync::Mutex` per integration; whoever holds
//!   it renews, the others wait and then find the fresh token.
//! * Single flight across replicas: the renewal runs under the store's renewal lease
//!   ([`CredentialUpdates::begin_renewal`]), which one replica at a time holds. Under it,
//!   an access token another replica stored (and Jira did not just refuse) is used as it
//!   is; else the token is renewed with the refresh token read under the lease (the newest
//!   any replica saved), and both tokens are stored before the new one is used.
//! * Rotation safety: the rotated refresh token is stored (the lease's `finish`) before the
//!   new access token is used; if that fails the call fails. The renewal runs on a task of
//!   its own, so a caller that gives up does not cut it between the token endpoint's answer
//!   and the save.
//! * No token or secret ever appears in an error, a log line or `Debug` output.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::ports::CredentialUpdates;
use domain::{IntegrationId, JiraError, Secret};

use crate::client::HttpsClient;
use crate::observer::{JiraObserver, NoObserver};

mod grant;
mod renewal;

pub(crate) use grant::{read_token_answer, AccessToken};
pub use grant::{Grant, RENEW_BEFORE};
use grant::{OwnedGrant, TokenState, DEFAULT_TIMEOUT};
use renewal::Renewal;

/// The access tokens of every OAuth 2.0 integration, with single-flight renewal.
pub struct TokenManager {
    states: Mutex<HashMap<IntegrationId, Arc<tokio::sync::Mutex<TokenState>>>>,
    renewals: Arc<AtomicU64>,
    observer: Arc<dyn JiraObserver>,
    timeout: Duration,
}

impl Default for TokenManager {
    fn default() -> Self {
        Self::new(Arc::new(NoObserver))
    }
}

impl std::fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenManager")
            .field("renewals", &self.renewals())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl TokenManager {
    /// A manager that reports each renewal to `observer`; a call to the token endpoint
    /// lasts at most 10 s ([`TokenManager::with_timeout`]).
    pub fn new(observer: Arc<dyn JiraObserver>) -> Self {
        Self {
            states: Mutex::default(),
            renewals: Arc::default(),
            observer,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The longest call to the token endpoint: it bounds how long a renewal holds the
    /// store's lease (every replica's renewals of the integration wait for it).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many renewals this manager made (calls to the token endpoint; a token another
    /// replica stored and this one used is none), for tests and metrics.
    pub fn renewals(&self) -> u64 {
        self.renewals.load(Ordering::Relaxed)
    }

    fn state(&self, id: IntegrationId) -> Arc<tokio::sync::Mutex<TokenState>> {
        self.states
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(id)
            .or_default()
            .clone()
    }

    /// A usable access token: the held one, one another replica stored, or a renewed one.
    /// `rejected` is a token Jira answered 401 to; it is renewed unless another request (of
    /// any replica) already did.
    ///
    /// # Errors
    /// The token endpoint's failure; [`JiraError::Timeout`] when it does not answer in time;
    /// [`JiraError::Config`] when the store cannot give the lease or store the new tokens.
    pub async fn access_token<U: CredentialUpdates>(
        &self,
        http: &HttpsClient,
        user_agent: &str,
        grant: &Grant<'_>,
        updates: &Arc<U>,
        rejected: Option<&Secret>,
    ) -> Result<Secret, JiraError> {
        let mut st = self.state(grant.id).lock_owned().await;
        let client = grant.client_fingerprint();
        if st.client != client {
            *st = TokenState {
                client,
                ..TokenState::default()
            };
        }
        if let Some(held) = &st.access {
            if held.is_fresh(Instant::now()) && rejected != Some(&held.token) {
                return Ok(held.token.clone());
            }
        }
        st.access = None;
        let renewal = Renewal {
            state: st,
            http: http.clone(),
            user_agent: user_agent.to_owned(),
            grant: OwnedGrant::of(grant),
            updates: updates.clone(),
            rejected: rejected.cloned(),
            renewals: self.renewals.clone(),
            observer: self.observer.clone(),
            timeout: self.timeout,
        };
        // On a task of its own, holding the integration's mutex: if the caller gives up (its
        // deadline, a dropped connection), the renewal still ends as it must (what the
        // endpoint rotated is stored, the lease released) and the next caller finds its token.
        let id = grant.id;
        tokio::spawn(renewal.run()).await.unwrap_or_else(|_| {
            Err(JiraError::Config(format!(
                "the OAuth 2.0 renewal of integration {id} stopped unexpectedly"
            )))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::grant::{DEFAULT_LIFETIME, MAX_LIFETIME};
    use super::*;
    use crate::token_answer::TokenAnswer;

    fn read(status: u16, body: &str) -> Result<TokenAnswer, JiraError> {
        let status = hyper::StatusCode::from_u16(status).unwrap();
        read_token_answer(status, body.as_bytes(), IntegrationId(7))
    }

    #[test]
    fn any_lifetime_an_endpoint_gives_is_held() {
        // Found while fuzzing (fuzz/, jira_error_body, seed 200-token-expires-in-max): an
        // `expires_in` of 2^64-1 seconds overflowed the instant and panicked the renewal.
        let now = Instant::now();
        let held = AccessToken::issued("tok".into(), Some(u64::MAX), now);
        assert_eq!(held.expires_at - now, MAX_LIFETIME);
        assert_eq!(held.margin, RENEW_BEFORE);
        let held = AccessToken::issued("tok".into(), Some(90), now);
        assert_eq!(
            (held.expires_at - now, held.margin),
            (Duration::from_secs(90), Duration::from_secs(45))
        );
        let held = AccessToken::issued("tok".into(), None, now);
        assert_eq!(held.expires_at - now, DEFAULT_LIFETIME);
    }

    #[test]
    fn a_token_answer_is_a_json_object() {
        let answer = read(200, r#" {"access_token":"tok","expires_in":3}"#).unwrap();
        assert_eq!(
            (answer.access_token.as_str(), answer.expires_in),
            ("tok", Some(3))
        );
        // Found by fuzzing (fuzz/, jira_error_body): serde reads a struct from a list too,
        // its fields in order, so this list was taken for a token living 3 seconds...
        match read(200, r#"["tok", 3, "rt"]"#) {
            Err(JiraError::InvalidBody(why)) => {
                assert!(why.ends_with("not a JSON object"), "{why}")
            }
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("a list read as a token answer"),
        }
        // ...and this one for the endpoint's verdict on the refresh token.
        match read(400, r#"["invalid_grant"]"#) {
            Err(JiraError::Status { error_messages, .. }) => assert_eq!(
                error_messages,
                ["the OAuth 2.0 token endpoint refused to renew the access token"]
            ),
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("a 400 read as a token answer"),
        }
    }
}
