//! What a renewal lease reads from an integration's row and writes back: the OAuth 2.0
//! refresh token and the shared access token, both in the row's secret bundle (sealed as
//! the rest of it, re-sealed by `secret-key rotate`, forgotten when new credentials replace
//! the bundle). The access token's `valid_until` (seconds since the Unix epoch) is in the
//! bundle too, beside it:
//!
//! ```text
//! oauth2 {client_secret, refresh_token[, shared_access_token, shared_access_valid_until]}
//! ```
//!
//! The adapter locks and reads the row, hands the columns here, and writes what comes back.

use domain::ports::{RenewedTokens, SharedAccessToken};
use domain::{AuthMethod, Secret};
use serde_json::Value;

use crate::integrations::parse_auth_method;
use crate::secrets::{self, SecretKey};
use crate::{Error, SecretOwner};

/// The bundle field of the refresh token.
const REFRESH_TOKEN: &str = "refresh_token";
/// The bundle field of the shared access token.
const ACCESS_TOKEN: &str = "shared_access_token";
/// The bundle field of the shared access token's `valid_until`.
const ACCESS_VALID_UNTIL: &str = "shared_access_valid_until";

/// A lease's finish found another refresh token than the lease read: the credentials were
/// replaced during the renewal, and the renewed tokens (of the old grant) are not stored.
#[derive(Debug, thiserror::Error)]
#[error("the credentials of integration {0} were replaced during its OAuth 2.0 renewal: the renewed tokens are not stored")]
pub struct CredentialsReplaced(pub i64);

/// What a lease shows.
#[derive(Debug)]
pub struct Stored {
    /// The refresh token.
    pub refresh_token: Secret,
    /// The shared access token, if one is stored.
    pub access: Option<SharedAccessToken>,
}

/// Reads the tokens of integration `id` from its `auth_method` and `secret` columns.
///
/// # Errors
/// [`Error::NoRefreshToken`] when it does not use OAuth 2.0; [`Error::CorruptRow`],
/// [`Error::SecretKeyMissing`], [`Error::SecretKeyWrong`] when its bundle cannot be read.
pub fn read(key: Option<&SecretKey>, id: i64, method: &str, stored: &str) -> Result<Stored, Error> {
    let owner = oauth2_owner(id, method)?;
    let bundle = secrets::decode(key, &owner, stored)?;
    let refresh_token = secrets::field(&owner, &bundle, REFRESH_TOKEN)?;
    // An access token is a cache: one that cannot be read is no token.
    let access = match (bundle.get(ACCESS_TOKEN), bundle.get(ACCESS_VALID_UNTIL)) {
        (Some(Value::String(token)), Some(Value::Number(until))) => {
            until.as_i64().map(|valid_until| SharedAccessToken {
                token: Secret::new(token.clone()),
                valid_until,
            })
        }
        _ => None,
    };
    Ok(Stored {
        refresh_token,
        access,
    })
}

/// The `secret` column of integration `id` with `renewed` written in, sealed anew; `None`
/// when `expected` is given and the stored refresh token is another one (the credentials
/// were replaced since the lease read them: nothing is to be written).
///
/// # Errors
/// As [`read`].
pub fn rewrite(
    key: Option<&SecretKey>,
    id: i64,
    method: &str,
    stored: &str,
    expected: Option<&Secret>,
    renewed: &RenewedTokens,
) -> Result<Option<String>, Error> {
    let owner = oauth2_owner(id, method)?;
    let mut bundle = secrets::decode(key, &owner, stored)?;
    if let Some(expected) = expected {
        if secrets::field(&owner, &bundle, REFRESH_TOKEN)? != *expected {
            return Ok(None);
        }
    }
    if let Some(rotated) = &renewed.refresh_token {
        bundle.insert(REFRESH_TOKEN.into(), rotated.expose().into());
    }
    bundle.insert(ACCESS_TOKEN.into(), renewed.access.token.expose().into());
    bundle.insert(ACCESS_VALID_UNTIL.into(), renewed.access.valid_until.into());
    secrets::encode(key, &owner, &bundle).map(Some)
}

/// The owner of integration `id`'s bundle, if it uses OAuth 2.0.
fn oauth2_owner(id: i64, method: &str) -> Result<SecretOwner, Error> {
    let method = parse_auth_method(id, method)?;
    if method != AuthMethod::OAuth2 {
        return Err(Error::NoRefreshToken { id, method });
    }
    Ok(SecretOwner::Integration(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials;

    fn oauth2_row(key: Option<&SecretKey>) -> String {
        let creds = domain::Credentials::OAuth2 {
            client_id: "c".into(),
            token_url: "https://auth.example.com/token".into(),
            client_secret: Secret::new("client-secret"),
            refresh_token: Secret::new("r0"),
        };
        let (_, _, bundle) = credentials::split(&creds);
        secrets::encode(key, &SecretOwner::Integration(7), &bundle).unwrap()
    }

    fn renewed(refresh: Option<&str>, access: &str) -> RenewedTokens {
        RenewedTokens {
            refresh_token: refresh.map(Secret::new),
            access: SharedAccessToken {
                token: Secret::new(access),
                valid_until: 1_900_000_000,
            },
        }
    }

    #[test]
    fn tokens_round_trip_sealed_with_the_rest_kept() {
        let key = SecretKey::generate();
        let row = oauth2_row(Some(&key));
        let first = read(Some(&key), 7, "oauth2", &row).unwrap();
        assert_eq!((first.refresh_token.expose(), first.access), ("r0", None));

        let want = renewed(Some("rotated-refresh-1"), "access-token-1");
        let row = rewrite(
            Some(&key),
            7,
            "oauth2",
            &row,
            Some(&Secret::new("r0")),
            &want,
        )
        .unwrap()
        .expect("written");
        assert!(
            !row.contains("access-token-1") && !row.contains("rotated-refresh-1"),
            "sealed"
        );
        let after = read(Some(&key), 7, "oauth2", &row).unwrap();
        assert_eq!(after.refresh_token.expose(), "rotated-refresh-1");
        assert_eq!(after.access.as_ref(), Some(&want.access));
        // The credentials read as before, with the new refresh token.
        let bundle = secrets::decode(Some(&key), &SecretOwner::Integration(7), &row).unwrap();
        let creds = credentials::join(
            7,
            AuthMethod::OAuth2,
            Some("c".into()),
            Some("u".into()),
            &bundle,
        )
        .unwrap();
        let domain::Credentials::OAuth2 { client_secret, .. } = creds else {
            panic!("oauth2")
        };
        assert_eq!(client_secret.expose(), "client-secret");

        // Not rotated: the refresh token stays.
        let row = rewrite(Some(&key), 7, "oauth2", &row, None, &renewed(None, "a2"))
            .unwrap()
            .unwrap();
        let after = read(Some(&key), 7, "oauth2", &row).unwrap();
        assert_eq!(after.refresh_token.expose(), "rotated-refresh-1");
        assert_eq!(after.access.unwrap().token.expose(), "a2");
    }

    #[test]
    fn replaced_credentials_and_other_methods_are_not_written() {
        let row = oauth2_row(None);
        let stale = Some(Secret::new("not r0"));
        let written = rewrite(None, 7, "oauth2", &row, stale.as_ref(), &renewed(None, "a"));
        assert!(written.unwrap().is_none());
        let err = read(None, 7, "pat", &row).unwrap_err();
        assert!(matches!(err, Error::NoRefreshToken { id: 7, .. }), "{err}");
        let err = rewrite(None, 7, "basic", &row, None, &renewed(None, "a")).unwrap_err();
        assert!(matches!(err, Error::NoRefreshToken { id: 7, .. }), "{err}");
    }
}
