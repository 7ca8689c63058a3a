//! Entry points for the fuzz targets of `fuzz/` (`make fuzz`, docs/operations.md): what the
//! client does with answers it cannot be handed through the public API. Not an API: hidden
//! from the documentation, it changes with the targets.

use std::time::{Duration, Instant};

use domain::{IntegrationId, JiraError, Secret};

use crate::oauth2;

/// An OAuth 2.0 token endpoint's answer, as a renewal takes it.
#[derive(Debug)]
pub struct RenewedToken {
    /// The new access token.
    pub access_token: Secret,
    /// The rotated refresh token, if the endpoint sent one.
    pub refresh_token: Option<String>,
    /// How long the access token is used.
    pub lifetime: Duration,
    /// How long before it expires it is renewed.
    pub renew_before: Duration,
}

/// Reads a token endpoint's answer (`status`, `body`) to a renewal for integration 1, and
/// holds the access token from now on as the token manager does.
///
/// # Errors
/// What the renewal fails with; [`JiraError::Config`] for a status outside 100 to 999.
pub fn oauth2_token_answer(status: u16, body: &[u8]) -> Result<RenewedToken, JiraError> {
    let status = hyper::StatusCode::from_u16(status)
        .map_err(|_| JiraError::Config("not an HTTP status".to_owned()))?;
    let answer = oauth2::read_token_answer(status, body, IntegrationId(1))?;
    let now = Instant::now();
    let held = oauth2::AccessToken::issued(answer.access_token, answer.expires_in, now);
    Ok(RenewedToken {
        access_token: held.token,
        refresh_token: answer.refresh_token,
        lifetime: held.expires_at.duration_since(now),
        renew_before: held.margin,
    })
}
