//! An integration's credentials as its columns hold them: the non-secret parts (`auth_user`,
//! `token_url`) and the secret bundle (see the `secrets` module), both ways.

use domain::{AuthMethod, Credentials, Secret};
use serde_json::Value;

use crate::secrets::Bundle;
use crate::Error;

fn corrupt(id: i64, why: &str) -> Error {
    Error::CorruptRow(format!("integration {id}: {why}"))
}

/// The non-secret parts of credentials (`auth_user`, `token_url`) and the secret bundle.
pub fn split(credentials: &Credentials) -> (Option<&str>, Option<&str>, Bundle) {
    let mut bundle = Bundle::new();
    let mut put = |name: &str, secret: &Secret| {
        bundle.insert(name.to_owned(), Value::String(secret.expose().to_owned()));
    };
    let (user, token_url) = match credentials {
        Credentials::Pat { token } => {
            put("token", token);
            (None, None)
        }
        Credentials::Basic { user, secret } => {
            put("secret", secret);
            (Some(user.as_str()), None)
        }
        Credentials::OAuth1 {
            consumer_key,
            private_key_pem,
            access_token,
            token_secret,
        } => {
            put("private_key_pem", private_key_pem);
            put("access_token", access_token);
            put("token_secret", token_secret);
            (Some(consumer_key.as_str()), None)
        }
        Credentials::OAuth2 {
            client_id,
            token_url,
            client_secret,
            refresh_token,
        } => {
            put("client_secret", client_secret);
            put("refresh_token", refresh_token);
            (Some(client_id.as_str()), Some(token_url.as_str()))
        }
        Credentials::ConnectJwt {
            issuer,
            shared_secret,
        } => {
            put("shared_secret", shared_secret);
            (Some(issuer.as_str()), None)
        }
    };
    (user, token_url, bundle)
}

/// Builds the credentials of integration `id` from its columns and its opened bundle.
///
/// # Errors
/// [`Error::CorruptRow`] when a part the method needs is missing.
pub fn join(
    id: i64,
    method: AuthMethod,
    user: Option<String>,
    token_url: Option<String>,
    bundle: &Bundle,
) -> Result<Credentials, Error> {
    let field = |name: &str| -> Result<Secret, Error> {
        match bundle.get(name) {
            Some(Value::String(s)) => Ok(Secret::new(s.clone())),
            _ => Err(corrupt(
                id,
                &format!("the secret bundle of auth method {method} has no {name}"),
            )),
        }
    };
    let user = || {
        user.clone()
            .ok_or_else(|| corrupt(id, &format!("auth method {method} without a user")))
    };
    Ok(match method {
        AuthMethod::Pat => Credentials::Pat {
            token: field("token")?,
        },
        AuthMethod::Basic => Credentials::Basic {
            user: user()?,
            secret: field("secret")?,
        },
        AuthMethod::OAuth1 => Credentials::OAuth1 {
            consumer_key: user()?,
            private_key_pem: field("private_key_pem")?,
            access_token: field("access_token")?,
            token_secret: field("token_secret")?,
        },
        AuthMethod::OAuth2 => Credentials::OAuth2 {
            client_id: user()?,
            token_url: token_url
                .ok_or_else(|| corrupt(id, "auth method oauth2 without a token URL"))?,
            client_secret: field("client_secret")?,
            refresh_token: field("refresh_token")?,
        },
        AuthMethod::ConnectJwt => Credentials::ConnectJwt {
            issuer: user()?,
            shared_secret: field("shared_secret")?,
        },
    })
}
