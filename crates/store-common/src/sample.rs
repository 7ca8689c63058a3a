//! A store holding every kind of row, for the tests of `db copy` in each adapter (behind the
//! `testing` feature): orgs (one deleted, so ids have a gap at the top), an integration of
//! each auth method (one removed), caller and admin tokens (some revoked), an app of each
//! kind, a connection at each stage, signing keys (one revoked). Made through the domain's
//! ports, as the service makes them.

use domain::browser_token::NewSigningKey;
use domain::model::{AppKind, CloudSite, ConnectionStage, NewApp, PendingConnection};
use domain::ports::TokenSelector;
use domain::token::{hash_token, token_from_random, StoredToken};
use domain::{
    AdminStore, BaseUrl, Credentials, IntegrationName, NewIntegration, OrgId, Provider, Secret,
    SigningKeyStore, Slug,
};

/// What [`populate`] made that a test may use.
#[derive(Debug)]
pub struct Sample {
    /// The org `acme`, holding most rows.
    pub acme: OrgId,
    /// A caller token of `acme` that is active.
    pub token: String,
    /// The largest org id given (its org is deleted).
    pub last_org_id: i64,
    /// The largest integration id given (its integration is removed).
    pub last_integration_id: i64,
}

fn integration(
    provider: Provider,
    name: &str,
    url: &str,
    credentials: Credentials,
) -> NewIntegration {
    NewIntegration {
        provider,
        name: IntegrationName::parse(name).unwrap(),
        base_url: BaseUrl::parse(url, false).unwrap(),
        verify_tls: name != "no-verify",
        credentials,
    }
}

fn every_method() -> Vec<NewIntegration> {
    let server = "https://jira.example.com/jira";
    let cloud = "https://acme.atlassian.net";
    vec![
        integration(
            Provider::JiraServer,
            "pat",
            server,
            Credentials::Pat {
                token: Secret::new("pat-s3cret"),
            },
        ),
        integration(
            Provider::JiraServer,
            "no-verify",
            server,
            Credentials::Basic {
                user: "svc".into(),
                secret: Secret::new("basic-s3cret"),
            },
        ),
        integration(
            Provider::JiraServer,
            "oauth1",
            server,
            Credentials::OAuth1 {
                consumer_key: "consumer".into(),
                private_key_pem: Secret::new(
                    "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
                ),
                access_token: Secret::new("access-s3cret"),
                token_secret: Secret::new("token-s3cret"),
            },
        ),
        integration(
            Provider::JiraCloud,
            "oauth2",
            cloud,
            Credentials::OAuth2 {
                client_id: "client".into(),
                token_url: "https://auth.atlassian.com/oauth/token".into(),
                client_secret: Secret::new("client-s3cret"),
                refresh_token: Secret::new("refresh-s3cret"),
            },
        ),
        integration(
            Provider::JiraCloud,
            "connect",
            cloud,
            Credentials::ConnectJwt {
                issuer: "jira-search".into(),
                shared_secret: Secret::new("shared-s3cret"),
            },
        ),
    ]
}

fn apps() -> Vec<NewApp> {
    let base = || Some(BaseUrl::parse("https://jira.example.com/jira", false).unwrap());
    vec![
        NewApp {
            kind: AppKind::Atlassian3lo,
            base_url: None,
            client_id: "app-3lo".into(),
            secret: Secret::new("app-3lo-s3cret"),
            public_key_pem: None,
            verify_tls: true,
        },
        NewApp {
            kind: AppKind::DcOAuth2,
            base_url: base(),
            client_id: "app-dc".into(),
            secret: Secret::new("app-dc-s3cret"),
            public_key_pem: None,
            verify_tls: false,
        },
        NewApp {
            kind: AppKind::ServerOAuth1,
            base_url: base(),
            client_id: "app-consumer".into(),
            secret: Secret::new("-----BEGIN PRIVATE KEY-----\ny\n-----END PRIVATE KEY-----\n"),
            public_key_pem: Some(
                "-----BEGIN PUBLIC KEY-----\nz\n-----END PUBLIC KEY-----\n".into(),
            ),
            verify_tls: true,
        },
    ]
}

fn stages() -> Vec<ConnectionStage> {
    vec![
        ConnectionStage::Authorize {
            pkce_verifier: Some(Secret::new("pkce-s3cret")),
        },
        ConnectionStage::Authorize1 {
            request_token: "request-token".into(),
            request_token_secret: Secret::new("request-s3cret"),
        },
        ConnectionStage::ChooseSite {
            refresh_token: Secret::new("grant-s3cret"),
            sites: vec![CloudSite {
                id: "cloud-1".into(),
                url: "https://acme.atlassian.net".into(),
                name: "acme".into(),
            }],
        },
    ]
}

fn selector(token: &str) -> TokenSelector {
    TokenSelector {
        whole_token_hash: Some(hash_token(token)),
        id_prefix: token.to_owned(),
    }
}

/// Fills `store`, which must be empty, with every kind of row.
///
/// # Panics
/// When the store refuses a write (a test's failure).
pub async fn populate<S: AdminStore + SigningKeyStore>(store: &S) -> Sample {
    let org = |s: &str| Slug::parse(s).unwrap();
    let acme = store.create_org(&org("acme")).await.unwrap().unwrap().id;
    let umbrella = store
        .create_org(&org("umbrella"))
        .await
        .unwrap()
        .unwrap()
        .id;
    let doomed = store.create_org(&org("doomed")).await.unwrap().unwrap().id;
    for new in every_method() {
        store.add_integration(acme, &new).await.unwrap();
    }
    let mut others = every_method();
    let other = store
        .add_integration(umbrella, &others.remove(0))
        .await
        .unwrap();
    store.set_integration_enabled(other, false).await.unwrap();
    let removed = store
        .add_integration(doomed, &others.remove(0))
        .await
        .unwrap();
    store.remove_integration(removed).await.unwrap();
    store.delete_org(doomed).await.unwrap();

    let tokens: Vec<String> = (1..=3u8).map(|n| token_from_random(&[n; 32])).collect();
    for (i, t) in tokens.iter().enumerate() {
        let owner = if i == 2 { umbrella } else { acme };
        let stored = StoredToken::named(t, (i == 0).then(|| "picker".to_owned()));
        assert!(store.add_token(owner, &stored).await.unwrap());
    }
    store.revoke_token(&selector(&tokens[1])).await.unwrap();
    let admins: Vec<String> = (7..=8u8)
        .map(|n| token_from_random(&[n; 32]).replacen("jst_", "jsa_", 1))
        .collect();
    for t in &admins {
        assert!(store
            .add_admin_token(&StoredToken::named(t, Some("backend".into())))
            .await
            .unwrap());
    }
    store
        .revoke_admin_token(&selector(&admins[0]))
        .await
        .unwrap();

    let mut app_ids = Vec::new();
    for app in apps() {
        app_ids.push(store.add_app(&app).await.unwrap());
    }
    for (i, (stage, app)) in stages().into_iter().zip(app_ids).enumerate() {
        let connection = PendingConnection {
            org: acme,
            app,
            return_url: "https://product.example.com/settings".into(),
            expires_at: 4_102_444_800 + i as i64,
            stage,
        };
        store
            .save_connection(&format!("{i:064x}"), &connection)
            .await
            .unwrap();
    }
    for (n, name) in [(1u8, Some("web")), (2, None)] {
        let key = NewSigningKey {
            id: format!("jsk_{:012x}", n),
            name: name.map(str::to_owned),
            secret: Secret::new(format!("jss_signing-s3cret-{n}")),
        };
        store.add_signing_key(acme, &key).await.unwrap().unwrap();
    }
    assert!(store.revoke_signing_key("jsk_000000000002").await.unwrap());
    Sample {
        acme,
        token: tokens[0].clone(),
        last_org_id: doomed.0,
        last_integration_id: removed.0,
    }
}
