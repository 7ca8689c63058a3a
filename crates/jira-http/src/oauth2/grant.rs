//! What a renewal works with: the grant of an integration's OAuth 2.0 credentials, the
//! access token held per integration, and the token endpoint's answer read.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use domain::ports::SharedAccessToken;
use domain::{Integration, IntegrationId, JiraError, Secret};
use sha2::{Digest, Sha256};

use crate::token_answer::{self, TokenAnswer, TokenProblem};

/// Renew a token this long before it expires (half its lifetime if that is shorter).
pub const RENEW_BEFORE: Duration = Duration::from_secs(60);
/// Lifetime assumed when the endpoint does not say (`expires_in` missing).
pub(crate) const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// Longest lifetime a token is held for, whatever the endpoint says (it is renewed after it).
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Refresh tokens this process rotated away from, remembered per integration.
pub(crate) const MAX_RETIRED: usize = 64;
/// The longest call to the token endpoint of a manager built with [`TokenManager::new`].
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What one renewal needs from the integration (its refresh token is read from the store,
/// under the renewal lease).
pub struct Grant<'a> {
    /// The integration.
    pub id: IntegrationId,
    /// `client_id`.
    pub client_id: &'a str,
    /// The token endpoint.
    pub token_url: &'a str,
    /// `client_secret`.
    pub client_secret: &'a Secret,
}

impl<'a> Grant<'a> {
    /// The grant of OAuth 2.0 credentials, `None` for any other scheme.
    pub fn of(integration: &'a Integration) -> Option<Self> {
        match &integration.credentials {
            domain::Credentials::OAuth2 {
                client_id,
                token_url,
                client_secret,
                refresh_token: _,
            } => Some(Self {
                id: integration.id,
                client_id,
                token_url,
                client_secret,
            }),
            _ => None,
        }
    }

    /// Identifies the client (not the refresh token): a re-registered integration starts over.
    pub(crate) fn client_fingerprint(&self) -> [u8; 32] {
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

/// A [`Grant`] a renewal task owns.
pub(crate) struct OwnedGrant {
    pub(crate) id: IntegrationId,
    pub(crate) client_id: String,
    pub(crate) token_url: String,
    pub(crate) client_secret: Secret,
}

impl OwnedGrant {
    pub(crate) fn of(grant: &Grant<'_>) -> Self {
        Self {
            id: grant.id,
            client_id: grant.client_id.to_owned(),
            token_url: grant.token_url.to_owned(),
            client_secret: grant.client_secret.clone(),
        }
    }

    pub(crate) fn grant(&self) -> Grant<'_> {
        Grant {
            id: self.id,
            client_id: &self.client_id,
            token_url: &self.token_url,
            client_secret: &self.client_secret,
        }
    }
}

/// Held per integration, behind its mutex.
#[derive(Default)]
pub(crate) struct TokenState {
    pub(crate) client: [u8; 32],
    pub(crate) access: Option<AccessToken>,
    /// The newest refresh token this process obtained.
    pub(crate) current_refresh: Option<Secret>,
    /// SHA-256 of refresh tokens this process rotated away from: if the store still gives
    /// one of them (its successor could not be saved), `current_refresh` is used instead.
    pub(crate) retired: HashSet<[u8; 32]>,
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

    /// A token another renewal stored, usable for `left` from `now` (its margin is taken
    /// off already).
    pub(crate) fn adopted(token: Secret, left: Duration, now: Instant) -> Self {
        Self {
            token,
            expires_at: now + left,
            margin: Duration::ZERO,
        }
    }

    /// Whether it is used rather than renewed at `now`.
    pub(crate) fn is_fresh(&self, now: Instant) -> bool {
        self.expires_at > now + self.margin
    }

    /// The token as stored for every replica, issued at `issued` (seconds since the Unix epoch
    /// `issued_unix`): valid until its renewal time, to the second, rounded down.
    pub(crate) fn shared(&self, issued: Instant, issued_unix: Duration) -> SharedAccessToken {
        let usable = self
            .expires_at
            .saturating_duration_since(issued)
            .saturating_sub(self.margin);
        let until = (issued_unix + usable).as_secs();
        SharedAccessToken {
            token: self.token.clone(),
            valid_until: i64::try_from(until).unwrap_or(i64::MAX),
        }
    }
}

pub(crate) fn digest(s: &Secret) -> [u8; 32] {
    Sha256::digest(s.expose().as_bytes()).into()
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
