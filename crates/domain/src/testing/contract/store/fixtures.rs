//! The values the checks write and expect: slugs, tokens, selectors, one registration per
//! credential kind, and what the store must give back for them.

use crate::model::{
    BaseUrl, Credentials, Integration, IntegrationId, IntegrationName, IntegrationSummary,
    NewIntegration, Org, OrgId, Provider, Slug, ATLASSIAN_TOKEN_URL,
};
use crate::ports::TokenSelector;
use crate::secret::Secret;
use crate::token::{hash_token, token_from_random, token_id};

pub(super) fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap_or_else(|e| panic!("fixture slug {s:?}: {e}"))
}

/// An org id no org has.
pub(super) fn unknown_org<'a>(orgs: impl IntoIterator<Item = &'a Org>) -> OrgId {
    OrgId(orgs.into_iter().map(|o| o.id.0).max().unwrap_or(0) + 1000)
}

pub(super) fn token(n: u8) -> String {
    token_from_random(&[n; 32])
}

/// The `n`th of tokens whose public ids are all `jst_aaaaaaaa`.
pub(super) fn twin(n: u8) -> String {
    let mut random = [0xaa; 32];
    random[31] = n;
    token_from_random(&random)
}

/// What `token revoke` of a whole token names.
pub(super) fn whole(token: &str) -> TokenSelector {
    TokenSelector {
        whole_token_hash: Some(hash_token(token)),
        id_prefix: token_id(token).to_owned(),
    }
}

pub(super) fn by_prefix(prefix: &str) -> TokenSelector {
    TokenSelector {
        whole_token_hash: None,
        id_prefix: prefix.to_owned(),
    }
}

/// One registration per credential kind (two of OAuth 2.0, one per provider), both
/// providers, both TLS settings, a context path, and secrets with characters a store must
/// escape (quotes, backslashes, newlines, non-ASCII).
pub(super) fn every_kind() -> Vec<NewIntegration> {
    let url = |s: &str| BaseUrl::parse(s, false).unwrap_or_else(|e| panic!("fixture {s}: {e}"));
    let new = |name: &str, provider, base_url, verify_tls, credentials| NewIntegration {
        provider,
        name: IntegrationName::parse(name).unwrap_or_else(|e| panic!("fixture {name}: {e}")),
        base_url,
        verify_tls,
        credentials,
    };
    vec![
        new(
            "pat on a context path",
            Provider::JiraServer,
            url("https://jira.example.com/jira/"),
            false,
            Credentials::Pat {
                token: Secret::new("pat \"token\" \\ é\nline two"),
            },
        ),
        new(
            "basic",
            Provider::JiraCloud,
            url("https://acme.atlassian.net"),
            true,
            Credentials::Basic {
                user: "bob@example.com".into(),
                secret: Secret::new("pass\"word\\with-quotes"),
            },
        ),
        new(
            "oauth1 on the loopback",
            Provider::JiraServer,
            url("http://127.0.0.1:8080"),
            true,
            Credentials::OAuth1 {
                consumer_key: "consumer-key".into(),
                private_key_pem: Secret::new(
                    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n",
                ),
                access_token: Secret::new("oauth1-access"),
                token_secret: Secret::new("oauth1-token-secret"),
            },
        ),
        new(
            "oauth2 on Cloud",
            Provider::JiraCloud,
            url("https://api.atlassian.com/ex/jira/11223344-aabb"),
            true,
            Credentials::OAuth2 {
                client_id: "client-id".into(),
                token_url: ATLASSIAN_TOKEN_URL.into(),
                client_secret: Secret::new("oauth2-client-secret"),
                refresh_token: Secret::new("oauth2-refresh-first"),
            },
        ),
        new(
            "oauth2 on Server",
            Provider::JiraServer,
            url("https://jira.example.org:8443"),
            false,
            Credentials::OAuth2 {
                client_id: "server-client".into(),
                token_url: "https://jira.example.org:8443/rest/oauth2/latest/token".into(),
                client_secret: Secret::new("server-client-secret"),
                refresh_token: Secret::new("server-refresh-first"),
            },
        ),
        new(
            "connect",
            Provider::JiraCloud,
            url("https://beta.atlassian.net"),
            true,
            Credentials::ConnectJwt {
                issuer: "com.example.app".into(),
                shared_secret: Secret::new("connect-shared-secret"),
            },
        ),
    ]
}

/// What the store must give back for `new`, stored as `id`.
pub(super) fn stored(id: IntegrationId, new: &NewIntegration, enabled: bool) -> Integration {
    Integration {
        id,
        provider: new.provider,
        name: new.name.as_str().to_owned(),
        base_url: new.base_url.clone(),
        verify_tls: new.verify_tls,
        enabled,
        credentials: new.credentials.clone(),
    }
}

/// What the listing must show for `new`, stored as `id` and linked to `org` alone.
pub(super) fn summary(id: IntegrationId, new: &NewIntegration, org: &Slug) -> IntegrationSummary {
    IntegrationSummary {
        id,
        provider: new.provider,
        name: new.name.as_str().to_owned(),
        base_url: new.base_url.as_str().to_owned(),
        verify_tls: new.verify_tls,
        enabled: true,
        auth_method: new.credentials.method(),
        user: new.credentials.user_name().map(str::to_owned),
        orgs: vec![org.clone()],
    }
}
