//! The values the checks write and expect: slugs, tokens, selectors, one registration per
//! credential kind, one app per kind, connections in every stage, and what the store must
//! give back for them.

use crate::model::{
    AppId, AppKind, BaseUrl, CloudSite, ConnectionStage, Credentials, Integration, IntegrationId,
    IntegrationName, IntegrationSummary, NewApp, NewIntegration, Org, OrgId, PendingConnection,
    Provider, Slug, ATLASSIAN_TOKEN_URL,
};
use crate::ports::TokenSelector;
use crate::secret::Secret;
use crate::token::{admin_token_from_random, hash_token, token_from_random, token_id};

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

pub(super) fn admin_token(n: u8) -> String {
    admin_token_from_random(&[n; 32])
}

/// The `n`th of admin tokens whose public ids are all `jsa_aaaaaaaa`.
pub(super) fn admin_twin(n: u8) -> String {
    let mut random = [0xaa; 32];
    random[31] = n;
    admin_token_from_random(&random)
}

pub(super) fn name(s: &str) -> IntegrationName {
    IntegrationName::parse(s).unwrap_or_else(|e| panic!("fixture name {s:?}: {e}"))
}

pub(super) fn url(s: &str) -> BaseUrl {
    BaseUrl::parse(s, false).unwrap_or_else(|e| panic!("fixture {s}: {e}"))
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
    let new = |n: &str, provider, base_url, verify_tls, credentials| NewIntegration {
        provider,
        name: name(n),
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
        // `Check::list` checks the stored time, then blanks it.
        created_at: String::new(),
    }
}

/// Whether `s` is an RFC 3339 time in UTC: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`.
pub(super) fn is_utc_rfc3339(s: &str) -> bool {
    let body = s.strip_suffix('Z').unwrap_or_default();
    let (Some(whole), Some(fraction)) = (body.get(..19), body.get(19..)) else {
        return false;
    };
    let shape = whole.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        10 => b == b'T',
        13 | 16 => b == b':',
        _ => b.is_ascii_digit(),
    });
    let fraction = fraction.is_empty()
        || fraction
            .strip_prefix('.')
            .is_some_and(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    let field = |at: usize| whole.get(at..at + 2).and_then(|f| f.parse::<u8>().ok());
    shape
        && fraction
        && field(5).is_some_and(|m| (1..=12).contains(&m))
        && field(8).is_some_and(|d| (1..=31).contains(&d))
        && field(11).is_some_and(|h| h < 24)
        && field(14).is_some_and(|m| m < 60)
        && field(17).is_some_and(|s| s < 61)
}

/// One app of each kind: with and without a base URL and a public key, TLS verified or not,
/// secrets a store must escape.
pub(super) fn every_app() -> Vec<NewApp> {
    vec![
        NewApp {
            kind: AppKind::Atlassian3lo,
            base_url: None,
            client_id: "3lo-client-id".into(),
            secret: Secret::new("3lo \"client\" secret \\ é\n"),
            public_key_pem: None,
            verify_tls: true,
        },
        NewApp {
            kind: AppKind::DcOAuth2,
            base_url: Some(url("https://jira.example.com/jira/")),
            client_id: "dc-client-id".into(),
            secret: Secret::new("dc-client-secret"),
            public_key_pem: None,
            verify_tls: true,
        },
        NewApp {
            kind: AppKind::ServerOAuth1,
            base_url: Some(url("http://127.0.0.1:8080")),
            client_id: "consumer-key".into(),
            secret: Secret::new(
                "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n",
            ),
            public_key_pem: Some(
                "-----BEGIN PUBLIC KEY-----\nMIIBIjANBg\n-----END PUBLIC KEY-----\n".into(),
            ),
            verify_tls: false,
        },
    ]
}

/// Every stage a connection can be in (each optional part with and without it).
pub(super) fn every_stage() -> Vec<ConnectionStage> {
    let site = |n: &str| CloudSite {
        id: format!("{n}-cloud-id"),
        url: format!("https://{n}.atlassian.net"),
        name: format!("{n} \"site\" é"),
    };
    vec![
        ConnectionStage::Authorize {
            pkce_verifier: None,
        },
        ConnectionStage::Authorize {
            pkce_verifier: Some(Secret::new("pkce-verifier-with-\"quotes\"")),
        },
        ConnectionStage::Authorize1 {
            request_token: "request-token".into(),
            request_token_secret: Secret::new("request-token-secret \\ é"),
        },
        ConnectionStage::ChooseSite {
            refresh_token: Secret::new("grant-refresh-token"),
            sites: vec![site("acme"), site("beta")],
        },
        ConnectionStage::ChooseSite {
            refresh_token: Secret::new("grant-without-sites"),
            sites: Vec::new(),
        },
    ]
}

/// The state hash of the `n`th connection.
pub(super) fn state(n: u32) -> String {
    hash_token(&format!("state-{n}"))
}

/// A connection of `org` through `app`, in `stage`, usable until `expires_at`.
pub(super) fn pending(
    org: OrgId,
    app: AppId,
    stage: ConnectionStage,
    expires_at: i64,
) -> PendingConnection {
    PendingConnection {
        org,
        app,
        return_url: format!("https://product.example.com/settings/jira?org={org}&x=\"y\""),
        expires_at,
        stage,
    }
}
