//! OAuth 2.0 access tokens, renewed with the (rotating) refresh token.
//!
//! * An access token is renewed when none is held, when it expires within
//!   [`RENEW_BEFORE`], or when Jira answered 401 to it.
//! * Single flight: one `tokio::sync::Mutex` per integration; whoever holds it renews, the
//!   others wait and then find the fresh token.
//! * Rotation safety: a rotated refresh token is handed to [`CredentialUpdates`] and saved
//!   before the new access token is used; if saving fails the call fails.
//! * No token or secret ever appears in an error, a log line or `Debug` output.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::ports::CredentialUpdates;
use domain::{Integration, IntegrationId, JiraError, Secret};
use hyper::Method;
use sha2::{Digest, Sha256};

use crate::client::HttpsClient;
use crate::exchange;
use crate::observer::{JiraObserver, NoObserver};
use crate::token_answer::{self, TokenAnswer, TokenProblem};

/// Renew a token this long before it expires (half its lifetime if that is shorter).
pub const RENEW_BEFORE: Duration = Duration::from_secs(60);
/// Lifetime assumed when the endpoint does not say (`expires_in` missing).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// Longest lifetime a token is held for, whatever the endpoint says (it is renewed after it).
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Refresh tokens this process rotated away from, remembered per integration.
const MAX_RETIRED: usize = 64;

/// What one renewal needs from the integration.
pub struct Grant<'a> {
    /// The integration.
    pub id: IntegrationId,
    /// `client_id`.
    pub client_id: &'a str,
    /// The token endpoint.
    pub token_url: &'a str,
    /// `client_secret`.
    pub client_secret: &'a Secret,
    /// The refresh token as the caller read it (from the database).
    pub refresh_token: &'a Secret,
}

impl<'a> Grant<'a> {
    /// The grant of OAuth 2.0 credentials, `None` for any other scheme.
    pub fn of(integration: &'a Integration) -> Option<Self> {
        match &integration.credentials {
            domain::Credentials::OAuth2 {
                client_id,
                token_url,
                client_secret,
                refresh_token,
            } => Some(Self {
                id: integration.id,
                client_id,
                token_url,
                client_secret,
                refresh_token,
            }),
            _ => None,
        }
    }

    /// Identifies the client (not the refresh token): a re-registered integration starts over.
    fn client_fingerprint(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for part in [
            self.client_id.as_bytes(),
            self.token_url.as_bytes(),
            self.client_secret.expose().as_bytes(),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        h.finalize().into()
    }
}

/// Held per integration, behind its mutex.
#[derive(Default)]
struct TokenState {
    client: [u8; 32],
    access: Option<AccessToken>,
    /// The newest refresh token this process obtained.
    current_refresh: Option<Secret>,
    /// SHA-256 of refresh tokens this process rotated away from.
    retired: HashSet<[u8; 32]>,
}

pub(crate) struct AccessToken {
    /// Wiped from memory when replaced or dropped ([`Secret`] is `ZeroizeOnDrop`).
    pub(crate) token: Secret,
    pub(crate) expires_at: Instant,
    /// Renewed this long before `expires_at`: [`RENEW_BEFORE`], or half the lifetime of a
    /// short-lived token (else a token living under a minute would be renewed every call).
    pub(crate) margin: Duration,
}

impl AccessToken {
    /// The token an endpoint issued at `now`, living `expires_in` seconds (an hour when it
    /// does not say), held for a day at most.
    pub(crate) fn issued(token: String, expires_in: Option<u64>, now: Instant) -> Self {
        let lifetime = expires_in
            .map_or(DEFAULT_LIFETIME, Duration::from_secs)
            .min(MAX_LIFETIME);
        Self {
            token: Secret::new(token),
            expires_at: now + lifetime,
            margin: RENEW_BEFORE.min(lifetime / 2),
        }
    }
}

/// The access tokens of every OAuth 2.0 integration, with single-flight renewal.
pub struct TokenManager {
    states: Mutex<HashMap<IntegrationId, Arc<tokio::sync::Mutex<TokenState>>>>,
    renewals: std::sync::atomic::AtomicU64,
    observer: Arc<dyn JiraObserver>,
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
            .finish_non_exhaustive()
    }
}

fn digest(s: &Secret) -> [u8; 32] {
    Sha256::digest(s.expose().as_bytes()).into()
}

impl TokenManager {
    /// A manager that reports each renewal to `observer`.
    pub fn new(observer: Arc<dyn JiraObserver>) -> Self {
        Self {
            states: Mutex::default(),
            renewals: std::sync::atomic::AtomicU64::new(0),
            observer,
        }
    }

    /// How many renewals this manager made (for tests and metrics).
    pub fn renewals(&self) -> u64 {
        self.renewals.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn state(&self, id: IntegrationId) -> Arc<tokio::sync::Mutex<TokenState>> {
        self.states
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(id)
            .or_default()
            .clone()
    }

    /// A usable access token: the held one, or a renewed one. `rejected` is a token Jira
    /// answered 401 to; it is renewed unless another request already did.
    ///
    /// # Errors
    /// The token endpoint's failure, or [`JiraError::Config`] when a rotated refresh token
    /// could not be saved.
    pub async fn access_token<U: CredentialUpdates>(
        &self,
        http: &HttpsClient,
        user_agent: &str,
        grant: &Grant<'_>,
        updates: &Arc<U>,
        rejected: Option<&Secret>,
    ) -> Result<Secret, JiraError> {
        let state = self.state(grant.id);
        let mut st = state.lock().await;
        let client = grant.client_fingerprint();
        if st.client != client {
            *st = TokenState {
                client,
                ..TokenState::default()
            };
        }
        if let Some(held) = &st.access {
            let fresh = held.expires_at > Instant::now() + held.margin;
            if fresh && rejected != Some(&held.token) {
                return Ok(held.token.clone());
            }
        }
        st.access = None;
        // The database's token, unless it is one this process already rotated away from (the
        // caller read it just before our rotation was saved).
        let refresh = match &st.current_refresh {
            Some(current) if st.retired.contains(&digest(grant.refresh_token)) => current.clone(),
            _ => grant.refresh_token.clone(),
        };
        self.renewals
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let answer = request_token(http, user_agent, grant, &refresh).await;
        self.observer.token_renewed(grant.id, answer.is_ok());
        let answer = answer?;
        let new_refresh = answer
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(Secret::new);
        if let Some(new_refresh) = new_refresh.filter(|t| *t != refresh) {
            // Remember the rotation before anything else can fail or be cancelled: the old
            // token may be dead already, the new one must not be lost.
            if st.retired.len() >= MAX_RETIRED {
                st.retired.clear();
            }
            st.retired.insert(digest(&refresh));
            st.current_refresh = Some(new_refresh.clone());
            // Saved on a task of its own: if the caller gives up (its deadline, a dropped
            // connection) the save still completes, so the database never keeps the old token.
            let store = updates.clone();
            let id = grant.id;
            let to_save = new_refresh.clone();
            tokio::spawn(async move { store.save_refresh_token(id, &to_save).await })
                .await
                .map_err(domain::StoreError::unavailable)
                .and_then(|saved| saved)
                .map_err(|e| {
                    let why = domain::error_chain(&e);
                    tracing::error!(
                        integration = grant.id.0,
                        error = %why,
                        "the rotated OAuth 2.0 refresh token could not be saved"
                    );
                    JiraError::Config(format!(
                        "the OAuth 2.0 refresh token was rotated but could not be saved ({why}); \
                         the new access token is not used so the grant is not lost"
                    ))
                })?;
        }
        let now = Instant::now();
        let access = AccessToken::issued(answer.access_token, answer.expires_in, now);
        let token = access.token.clone();
        tracing::debug!(
            integration = grant.id.0,
            expires_in_s = access.expires_at.duration_since(now).as_secs(),
            "renewed the OAuth 2.0 access token"
        );
        st.access = Some(access);
        Ok(token)
    }
}

async fn request_token(
    http: &HttpsClient,
    user_agent: &str,
    grant: &Grant<'_>,
    refresh: &Secret,
) -> Result<TokenAnswer, JiraError> {
    let not_a_url = || {
        JiraError::Config(format!(
            "the OAuth 2.0 token URL of integration {} is not a valid URL",
            grant.id
        ))
    };
    // For error messages: the host alone, no path, no secret.
    let host = url::Url::parse(grant.token_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .ok_or_else(not_a_url)?;
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "refresh_token")
        .append_pair("client_id", grant.client_id)
        .append_pair("client_secret", grant.client_secret.expose())
        .append_pair("refresh_token", refresh.expose())
        .finish();
    let call = exchange::Call {
        method: Method::POST,
        url: grant.token_url,
        user_agent,
        authorization: None,
        accept_json: true,
        body: exchange::Body::Form(form),
    };
    let answer = exchange::send(http, call).await.map_err(|e| match e {
        exchange::CallFailure::BadRequest => not_a_url(),
        e => JiraError::Unreachable {
            host: host.clone(),
            detail: format!("OAuth 2.0 token endpoint: {e}"),
        },
    })?;
    read_token_answer(answer.status, &answer.body, grant.id)
}

/// What the token endpoint answered (`status`, `body`) to a renewal for integration `id`: the
/// new tokens, or why there are none (the endpoint's OAuth error code, never a token).
pub(crate) fn read_token_answer(
    status: hyper::StatusCode,
    body: &[u8],
    id: IntegrationId,
) -> Result<TokenAnswer, JiraError> {
    let unusable = |problem: &str| {
        JiraError::InvalidBody(format!(
            "the OAuth 2.0 token endpoint answered HTTP {} without a usable access_token: {problem}",
            status.as_u16(),
        ))
    };
    token_answer::read(status, body).map_err(|problem| match problem {
        TokenProblem::Refused { status, code } => {
            let message = match (status, code.as_deref()) {
                (400 | 401 | 403, Some("invalid_grant")) => format!(
                    "the OAuth 2.0 token endpoint refused the refresh token (invalid_grant): integration {} needs re-authorising",
                    id
                ),
                (_, Some(code)) => format!(
                    "the OAuth 2.0 token endpoint refused to renew the access token ({code})"
                ),
                (_, None) => {
                    "the OAuth 2.0 token endpoint refused to renew the access token".to_owned()
                }
            };
            JiraError::Status {
                status,
                error_messages: vec![message],
                errors: Vec::new(),
            }
        }
        TokenProblem::NotAnObject => unusable("the answer is not a JSON object"),
        TokenProblem::Unreadable(problem) => unusable(problem),
        TokenProblem::EmptyAccessToken => JiraError::InvalidBody(
            "the OAuth 2.0 token endpoint answered an empty access_token".to_owned(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
