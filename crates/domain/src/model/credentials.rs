//! What the service sends to Jira to prove who it is, one variant per auth method.

use super::provider::AuthMethod;
use crate::secret::Secret;

/// What the service sends to Jira to prove who it is. `Debug` prints no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// `Authorization: Bearer <token>`.
    Pat {
        /// The personal access token.
        token: Secret,
    },
    /// `Authorization: Basic base64(user:secret)`.
    Basic {
        /// Username (Server) or account email (Cloud).
        user: String,
        /// Password (Server) or API token (Cloud).
        secret: Secret,
    },
    /// OAuth 1.0a with RSA-SHA1 (Jira Server application links): every request signed afresh.
    OAuth1 {
        /// The application link's consumer key.
        consumer_key: String,
        /// The RSA private key, PKCS#8 or PKCS#1 PEM.
        private_key_pem: Secret,
        /// The access token of the authorised user.
        access_token: Secret,
        /// The access token's secret (unused by RSA-SHA1 signatures, kept for completeness).
        token_secret: Secret,
    },
    /// OAuth 2.0: a Bearer access token obtained, and renewed, with a rotating refresh token.
    OAuth2 {
        /// The OAuth client id.
        client_id: String,
        /// Where tokens are renewed (`grant_type=refresh_token`).
        token_url: String,
        /// The OAuth client secret.
        client_secret: Secret,
        /// The current refresh token; Atlassian rotates it on every renewal.
        refresh_token: Secret,
    },
    /// Atlassian Connect: an HS256 JWT with a `qsh` claim, signed with the shared secret.
    ConnectJwt {
        /// The `iss` claim: the Connect app's key.
        issuer: String,
        /// The shared secret from the app's installation.
        shared_secret: Secret,
    },
}

/// Atlassian's token endpoint, the default `--token-url` of Cloud OAuth 2.0.
pub const ATLASSIAN_TOKEN_URL: &str = "https://auth.atlassian.com/oauth/token";

impl Credentials {
    /// The auth method these credentials belong to.
    pub fn method(&self) -> AuthMethod {
        match self {
            Self::Pat { .. } => AuthMethod::Pat,
            Self::Basic { .. } => AuthMethod::Basic,
            Self::OAuth1 { .. } => AuthMethod::OAuth1,
            Self::OAuth2 { .. } => AuthMethod::OAuth2,
            Self::ConnectJwt { .. } => AuthMethod::ConnectJwt,
        }
    }

    /// The non-secret name of the credentials, shown in listings: the basic user, the
    /// OAuth 1.0a consumer key, the OAuth 2.0 client id or the Connect issuer.
    pub fn user_name(&self) -> Option<&str> {
        match self {
            Self::Pat { .. } => None,
            Self::Basic { user, .. } => Some(user),
            Self::OAuth1 { consumer_key, .. } => Some(consumer_key),
            Self::OAuth2 { client_id, .. } => Some(client_id),
            Self::ConnectJwt { issuer, .. } => Some(issuer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Provider;

    #[test]
    fn every_credential_kind_hides_its_secrets() {
        let all = [
            Credentials::OAuth1 {
                consumer_key: "ck".into(),
                private_key_pem: Secret::new("-----BEGIN PRIVATE KEY-----s3cr3t"),
                access_token: Secret::new("at-s3cr3t"),
                token_secret: Secret::new("ts-s3cr3t"),
            },
            Credentials::OAuth2 {
                client_id: "cid".into(),
                token_url: ATLASSIAN_TOKEN_URL.into(),
                client_secret: Secret::new("cs-s3cr3t"),
                refresh_token: Secret::new("rt-s3cr3t"),
            },
            Credentials::ConnectJwt {
                issuer: "app".into(),
                shared_secret: Secret::new("ss-s3cr3t"),
            },
        ];
        for c in all {
            assert!(!format!("{c:?}").contains("s3cr3t"), "{c:?}");
            assert!(
                c.method().offered_by(Provider::JiraServer)
                    || c.method().offered_by(Provider::JiraCloud)
            );
        }
    }

    #[test]
    fn credentials_debug_has_no_secret() {
        let c = Credentials::Basic {
            user: "bob".into(),
            secret: Secret::new("s3cr3t"),
        };
        assert!(!format!("{c:?}").contains("s3cr3t"));
        let c = Credentials::Pat {
            token: Secret::new("tok-123"),
        };
        assert!(!format!("{c:?}").contains("tok-123"));
    }
}
