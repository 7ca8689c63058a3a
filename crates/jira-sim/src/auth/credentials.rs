//! The credentials a request carries in its `Authorization` header.

use base64::Engine as _;
use hyper::header::{HeaderMap, AUTHORIZATION};

use super::oauth1::parse_oauth_header;
use crate::request_log::AuthKind;

/// What the `Authorization` header carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Credentials {
    None,
    Basic {
        user: String,
        secret: String,
    },
    /// A Basic header that does not decode to `user:secret`.
    BadBasic,
    Bearer(String),
    /// `JWT <token>`.
    Jwt(String),
    /// `OAuth ...` with its decoded parameters (`None` when they do not parse).
    OAuth(Option<Vec<(String, String)>>),
    Other,
}

impl Credentials {
    /// Reads the `Authorization` header of a request.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        let Some(value) = headers.get(AUTHORIZATION) else {
            return Credentials::None;
        };
        let Ok(value) = value.to_str() else {
            return Credentials::Other;
        };
        let value = value.trim();
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        let rest = rest.trim();
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => {
                let engine = base64::engine::general_purpose::STANDARD;
                engine
                    .decode(rest)
                    .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(rest))
                    .ok()
                    .and_then(|raw| String::from_utf8(raw).ok())
                    .and_then(|pair| {
                        pair.split_once(':').map(|(u, s)| Credentials::Basic {
                            user: u.to_string(),
                            secret: s.to_string(),
                        })
                    })
                    .unwrap_or(Credentials::BadBasic)
            }
            "bearer" => Credentials::Bearer(rest.to_string()),
            "jwt" => Credentials::Jwt(rest.to_string()),
            "oauth" => Credentials::OAuth(parse_oauth_header(rest)),
            _ => Credentials::Other,
        }
    }

    /// The scheme, for the request log.
    pub(crate) fn kind(&self) -> AuthKind {
        match self {
            Credentials::None => AuthKind::None,
            Credentials::Basic { .. } | Credentials::BadBasic => AuthKind::Basic,
            Credentials::Bearer(_) => AuthKind::Bearer,
            Credentials::Jwt(_) => AuthKind::Jwt,
            Credentials::OAuth(_) => AuthKind::OAuth,
            Credentials::Other => AuthKind::Other,
        }
    }

    /// The OAuth 1.0a `oauth_nonce` (single-use, not a secret); nothing for other schemes.
    pub(crate) fn nonce(&self) -> Option<String> {
        match self {
            Credentials::OAuth(Some(params)) => params
                .iter()
                .find(|(k, _)| k == "oauth_nonce")
                .map(|(_, v)| v.clone()),
            _ => None,
        }
    }

    /// The Basic user name (not a secret); nothing for other schemes.
    pub(crate) fn user(&self) -> Option<String> {
        match self {
            Credentials::Basic { user, .. } => Some(user.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_parse_without_keeping_secrets_in_kind() {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, "Basic Ym9iOnMzY3IzdA==".parse().unwrap());
        let c = Credentials::from_headers(&h);
        assert_eq!(
            c,
            Credentials::Basic {
                user: "bob".into(),
                secret: "s3cr3t".into()
            }
        );
        assert_eq!(c.kind(), AuthKind::Basic);
        assert_eq!(c.user().as_deref(), Some("bob"));
        h.insert(AUTHORIZATION, "JWT abc".parse().unwrap());
        assert_eq!(Credentials::from_headers(&h).kind(), AuthKind::Jwt);
        h.insert(
            AUTHORIZATION,
            "OAuth oauth_consumer_key=\"x\"".parse().unwrap(),
        );
        assert_eq!(Credentials::from_headers(&h).kind(), AuthKind::OAuth);
        h.insert(AUTHORIZATION, "Digest x".parse().unwrap());
        assert_eq!(Credentials::from_headers(&h).kind(), AuthKind::Other);
        h.insert(AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert_eq!(Credentials::from_headers(&h), Credentials::BadBasic);
    }
}
