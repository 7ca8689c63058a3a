//! One renewal of an integration's OAuth 2.0 access token, on a task of its own, under the
//! store's renewal lease: use the access token another renewal stored, or call the token
//! endpoint with the refresh token read under the lease and store what it answers before
//! the new token is used.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use domain::ports::{CredentialUpdates, RenewalLease, SharedAccessToken};
use domain::{IntegrationId, JiraError, Secret, StoreError};
use hyper::Method;

use super::grant::{
    digest, read_token_answer, AccessToken, Grant, OwnedGrant, TokenState, MAX_RETIRED,
};
use crate::client::HttpsClient;
use crate::exchange;
use crate::observer::JiraObserver;
use crate::token_answer::TokenAnswer;

/// The time since the Unix epoch (zero on a clock set before it).
fn unix_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// How long a stored token is still usable at `now_unix`; `None` when it is not.
fn left_of(shared: &SharedAccessToken, now_unix: Duration) -> Option<Duration> {
    let until = Duration::from_secs(u64::try_from(shared.valid_until).ok()?);
    until.checked_sub(now_unix).filter(|left| !left.is_zero())
}

/// One renewal (or adoption), on a task of its own.
pub(super) struct Renewal<U> {
    pub(super) state: tokio::sync::OwnedMutexGuard<TokenState>,
    pub(super) http: HttpsClient,
    pub(super) user_agent: String,
    pub(super) grant: OwnedGrant,
    pub(super) updates: Arc<U>,
    pub(super) rejected: Option<Secret>,
    pub(super) renewals: Arc<AtomicU64>,
    pub(super) observer: Arc<dyn JiraObserver>,
    pub(super) timeout: Duration,
}

impl<U: CredentialUpdates> Renewal<U> {
    pub(super) async fn run(mut self) -> Result<Secret, JiraError> {
        let id = self.grant.id;
        let lease = self
            .updates
            .begin_renewal(id)
            .await
            .map_err(|e| store_failed(id, &e, StoreStep::Lease))?;
        if let Some(token) = self.adopt(&lease) {
            return Ok(token);
        }
        // The stored refresh token, unless this process rotated away from it and could not
        // store the successor: then the successor (the stored one may be dead already).
        let stored = lease.refresh_token();
        let refresh = match &self.state.current_refresh {
            Some(current) if self.state.retired.contains(&digest(stored)) => current.clone(),
            _ => stored.clone(),
        };
        self.renewals.fetch_add(1, Ordering::Relaxed);
        let grant = self.grant.grant();
        let request = request_token(&self.http, &self.user_agent, &grant, &refresh);
        let answer = tokio::time::timeout(self.timeout, request)
            .await
            .unwrap_or(Err(JiraError::Timeout));
        self.observer.token_renewed(id, answer.is_ok());
        // On an error the lease is dropped: the stored tokens stay as they were.
        let answer = answer?;
        let rotated = answer
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(Secret::new)
            .filter(|t| *t != refresh);
        if let Some(rotated) = &rotated {
            // Remember the rotation before anything else can fail: the old token may be
            // dead already, the new one must not be lost.
            let st = &mut *self.state;
            if st.retired.len() >= MAX_RETIRED {
                st.retired.clear();
            }
            st.retired.insert(digest(&refresh));
            st.current_refresh = Some(rotated.clone());
        }
        // What the store must hold now: the rotated token, or the one used if it is not the
        // stored one.
        let to_store = rotated.or_else(|| (refresh != *stored).then(|| refresh.clone()));
        let (issued, issued_unix) = (Instant::now(), unix_now());
        let access = AccessToken::issued(answer.access_token, answer.expires_in, issued);
        let rotating = to_store.is_some();
        lease
            .finish(to_store, access.shared(issued, issued_unix))
            .await
            .map_err(|e| store_failed(id, &e, StoreStep::Finish { rotating }))?;
        let token = access.token.clone();
        tracing::debug!(
            integration = id.0,
            expires_in_s = access.expires_at.duration_since(issued).as_secs(),
            "renewed the OAuth 2.0 access token"
        );
        self.state.access = Some(access);
        Ok(token)
    }

    /// The access token the lease shows, if it is still usable and is not the one Jira
    /// refused: another replica (or a caller of this one that gave up) renewed it.
    fn adopt(&mut self, lease: &RenewalLease) -> Option<Secret> {
        let shared = lease.access()?;
        let left = left_of(shared, unix_now())?;
        if self.rejected.as_ref() == Some(&shared.token) {
            return None;
        }
        let access = AccessToken::adopted(shared.token.clone(), left, Instant::now());
        tracing::debug!(
            integration = self.grant.id.0,
            valid_for_s = left.as_secs(),
            "using the OAuth 2.0 access token another renewal stored"
        );
        let token = access.token.clone();
        self.state.access = Some(access);
        Some(token)
    }
}

/// Which store call of a renewal failed.
#[derive(Clone, Copy)]
enum StoreStep {
    /// `begin_renewal`.
    Lease,
    /// The lease's `finish`; `rotating` when it held a new refresh token.
    Finish { rotating: bool },
}

/// The error of a renewal whose store call failed, logged once.
fn store_failed(id: IntegrationId, e: &StoreError, step: StoreStep) -> JiraError {
    let why = domain::error_chain(e);
    let (log, message) = match step {
        StoreStep::Lease => (
            "the OAuth 2.0 renewal lease could not be had from the store",
            format!(
                "the OAuth 2.0 tokens of integration {id} could not be read from the store ({why})"
            ),
        ),
        StoreStep::Finish { rotating: true } => (
            "the rotated OAuth 2.0 refresh token could not be saved",
            format!(
                "the OAuth 2.0 refresh token was rotated but could not be saved ({why}); \
                 the new access token is not used so the grant is not lost"
            ),
        ),
        StoreStep::Finish { rotating: false } => (
            "the renewed OAuth 2.0 access token could not be saved",
            format!(
                "the renewed OAuth 2.0 access token could not be saved ({why}); it is not used"
            ),
        ),
    };
    tracing::error!(integration = id.0, error = %why, "{log}");
    JiraError::Config(message)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_token_is_valid_until_its_renewal_time_to_the_second() {
        let issued = Instant::now();
        let issued_unix = Duration::from_millis(1_000_700);
        let shared =
            AccessToken::issued("t".into(), Some(3600), issued).shared(issued, issued_unix);
        // 1000.7 s + 3600 s - 60 s of margin, rounded down.
        assert_eq!(shared.valid_until, 4540);
        let short = AccessToken::issued("t".into(), Some(2), issued).shared(issued, issued_unix);
        assert_eq!(short.valid_until, 1001, "half of a short life");

        let at = |ms| left_of(&shared, Duration::from_millis(ms));
        assert_eq!(at(4_539_500), Some(Duration::from_millis(500)));
        assert_eq!(at(4_540_000), None);
        assert_eq!(at(5_000_000), None);
        let before_the_epoch = SharedAccessToken {
            valid_until: -5,
            ..shared
        };
        assert_eq!(left_of(&before_the_epoch, Duration::ZERO), None);
    }
}
