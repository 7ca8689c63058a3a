//! Credentials to an `Authorization` header, one arm per scheme.
//!
//! Pat and Basic are static; OAuth 1.0a signs each request afresh ([`crate::oauth1`]);
//! Connect JWT covers the method, relative path and query ([`crate::connect_jwt`]); OAuth 2.0
//! access tokens come from the token manager ([`crate::oauth2`]) and are sent with [`bearer`].

use base64::Engine;
use domain::{BaseUrl, Credentials, JiraError, JiraRequest, Secret};
use hyper::header::HeaderValue;
use zeroize::Zeroizing;

use crate::connect_jwt;
use crate::oauth1;
use crate::url;

/// What a per-request signature covers.
#[derive(Debug, Clone, Copy)]
pub struct RequestTarget<'a> {
    /// The HTTP method (`GET`).
    pub method: &'a str,
    /// The integration's base URL (with any context path).
    pub base: &'a BaseUrl,
    /// The path below the base URL and the query.
    pub request: &'a JiraRequest,
}

/// The `Authorization` header of the static schemes (Pat, Basic).
///
/// # Errors
/// [`JiraError::Config`] when a stored secret cannot be sent in a header (control
/// characters), or for a scheme that needs the request ([`authorization_for`]); the message
/// names the problem, never the secret.
pub fn authorization(credentials: &Credentials) -> Result<HeaderValue, JiraError> {
    // The header's text holds the secret: wiped when dropped (the HeaderValue is hyper's).
    let value = Zeroizing::new(match credentials {
        Credentials::Pat { token } => format!("Bearer {}", token.expose()),
        Credentials::Basic { user, secret } => {
            let raw = Zeroizing::new(format!("{user}:{}", secret.expose()));
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
            )
        }
        other => {
            return Err(JiraError::Config(format!(
                "auth method {} is computed per request",
                other.method()
            )))
        }
    });
    header(&value, credentials)
}

/// The `Authorization` header of one request, for every scheme but OAuth 2.0 (whose token
/// the token manager holds; see [`bearer`]).
///
/// # Errors
/// [`JiraError::Config`] for an unusable stored credential (a bad private key, a secret
/// that cannot go in a header), without the secret.
pub fn authorization_for(
    credentials: &Credentials,
    target: RequestTarget<'_>,
    keys: &oauth1::KeyCache,
) -> Result<HeaderValue, JiraError> {
    let value = match credentials {
        Credentials::Pat { .. } | Credentials::Basic { .. } => {
            return authorization(credentials);
        }
        Credentials::OAuth1 {
            consumer_key,
            private_key_pem,
            access_token,
            token_secret: _,
        } => {
            let key = keys.signing_key(private_key_pem.expose())?;
            let path = format!(
                "{}{}",
                target.base.context_path(),
                url::relative_path(target.request)
            );
            let uri = oauth1::base_string_uri(target.base.as_str(), &path)
                .map_err(|e| JiraError::Config(format!("OAuth 1.0a signature: {e}")))?;
            let nonce = oauth1::new_nonce();
            oauth1::authorization_value(
                &key,
                target.method,
                &uri,
                target.request.query(),
                &oauth1::OAuthParams {
                    consumer_key,
                    token: access_token.expose(),
                    nonce: &nonce,
                    timestamp: oauth1::now_secs(),
                },
            )
        }
        Credentials::ConnectJwt {
            issuer,
            shared_secret,
        } => connect_jwt::authorization_value(
            issuer,
            shared_secret.expose().as_bytes(),
            target.method,
            &url::relative_path(target.request),
            target.request.query(),
            oauth1::now_secs(),
        ),
        Credentials::OAuth2 { .. } => {
            return Err(JiraError::Config(
                "OAuth 2.0 access tokens come from the token manager".to_owned(),
            ))
        }
    };
    header(&value, credentials)
}

/// `Authorization: Bearer <access token>` of OAuth 2.0.
///
/// # Errors
/// [`JiraError::Config`] when the token cannot be sent in a header, without the token.
pub fn bearer(token: &Secret) -> Result<HeaderValue, JiraError> {
    let value = Zeroizing::new(format!("Bearer {}", token.expose()));
    let mut h = HeaderValue::from_str(&value).map_err(|_| {
        JiraError::Config(
            "the OAuth 2.0 access token contains characters that cannot be sent in an HTTP header"
                .to_owned(),
        )
    })?;
    h.set_sensitive(true);
    Ok(h)
}

fn header(value: &str, credentials: &Credentials) -> Result<HeaderValue, JiraError> {
    let mut header = HeaderValue::from_str(value).map_err(|_| {
        JiraError::Config(format!(
            "the stored {} credential contains characters that cannot be sent in an HTTP header",
            credentials.method()
        ))
    })?;
    header.set_sensitive(true);
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Secret;

    #[test]
    fn schemes() {
        let h = authorization(&Credentials::Pat {
            token: Secret::new("abc"),
        })
        .unwrap();
        assert_eq!(h.to_str().unwrap(), "Bearer abc");
        assert!(h.is_sensitive());
        let h = authorization(&Credentials::Basic {
            user: "fred@example.com".into(),
            secret: Secret::new("tok:en"),
        })
        .unwrap();
        // base64("fred@example.com:tok:en")
        assert_eq!(
            h.to_str().unwrap(),
            "Basic ZnJlZEBleGFtcGxlLmNvbTp0b2s6ZW4="
        );
    }

    #[test]
    fn an_unsendable_secret_is_a_config_error_without_the_secret() {
        let err = authorization(&Credentials::Pat {
            token: Secret::new("bad\ntoken"),
        })
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("pat credential"), "{text}");
        assert!(!text.contains("bad"), "{text}");
    }

    #[test]
    fn per_request_schemes() {
        let base = BaseUrl::from_stored("https://jira.example.com/jira").unwrap();
        let req = JiraRequest::get("rest/api/2/search").param("jql", "text ~ \"test\"");
        let target = RequestTarget {
            method: "GET",
            base: &base,
            request: &req,
        };
        let keys = oauth1::KeyCache::default();
        let jwt = authorization_for(
            &Credentials::ConnectJwt {
                issuer: "app".into(),
                shared_secret: Secret::new("s"),
            },
            target,
            &keys,
        )
        .unwrap();
        assert!(jwt.to_str().unwrap().starts_with("JWT "));
        assert!(jwt.is_sensitive());
        let creds = Credentials::OAuth1 {
            consumer_key: "ck".into(),
            private_key_pem: Secret::new(include_str!("../tests/fixtures/oauth1-test-private.pem")),
            access_token: Secret::new("at"),
            token_secret: Secret::new("ts"),
        };
        let a = authorization_for(&creds, target, &keys).unwrap();
        let b = authorization_for(&creds, target, &keys).unwrap();
        assert!(a
            .to_str()
            .unwrap()
            .starts_with("OAuth oauth_consumer_key=\"ck\""));
        assert_ne!(a, b, "a fresh nonce every time");
        let err = authorization_for(
            &Credentials::OAuth1 {
                consumer_key: "ck".into(),
                private_key_pem: Secret::new("secret-garbage"),
                access_token: Secret::new("at"),
                token_secret: Secret::new("ts"),
            },
            target,
            &keys,
        )
        .unwrap_err()
        .to_string();
        assert!(!err.contains("secret-garbage"), "{err}");
    }
}
