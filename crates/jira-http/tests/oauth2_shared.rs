//! OAuth 2.0 renewals under the store's renewal lease, against jira-sim (which rotates
//! refresh tokens and revokes a family when a rotated one is used again): clients sharing a
//! store renew once between them, and a caller that gives up does not lose a rotation.
//! Across PostgreSQL replicas: crates/store-postgres/tests/oauth2_replicas.rs.

use std::sync::Arc;
use std::time::Duration;

use domain::jira_request::myself;
use domain::testing::InMemoryStore;
use domain::{
    AdminStore, BaseUrl, CredentialUpdates, Credentials, Integration, IntegrationId, JiraApi,
    Provider, Secret,
};
use jira_http::{HyperJira, JiraHttpConfig};
use jira_sim::{Flavor, SimConfig, SimHandle};

const CLIENT_ID: &str = "client-1";
const CLIENT_SECRET: &str = "client-secret-1";
const REFRESH0: &str = "refresh-token-0";
const TOKEN_PATH: &str = "/rest/oauth2/latest/token";

async fn sim(latency_ms: u64) -> SimHandle {
    jira_sim::start(SimConfig {
        flavor: Flavor::Server,
        oauth2_clients: vec![(CLIENT_ID.into(), CLIENT_SECRET.into(), REFRESH0.into())],
        oauth2_access_ttl_secs: 3600,
        latency_ms,
        ..SimConfig::default()
    })
    .await
    .expect("jira-sim starts")
}

/// A store holding one OAuth 2.0 integration of `sim`.
fn store_with(sim: &SimHandle) -> (Arc<InMemoryStore>, Integration) {
    let it = Integration {
        id: IntegrationId(7),
        provider: Provider::JiraServer,
        name: "sim".into(),
        base_url: BaseUrl::parse(&sim.base_url(), true).unwrap(),
        verify_tls: true,
        enabled: true,
        credentials: Credentials::OAuth2 {
            client_id: CLIENT_ID.into(),
            token_url: format!("{}{TOKEN_PATH}", sim.base_url()),
            client_secret: Secret::new(CLIENT_SECRET),
            refresh_token: Secret::new(REFRESH0),
        },
    };
    let store = InMemoryStore::new();
    let org = store.seed_org("acme");
    store.seed_integration(org.id, it.clone());
    (Arc::new(store), it)
}

fn client(store: &Arc<InMemoryStore>) -> HyperJira<Arc<InMemoryStore>> {
    let config = JiraHttpConfig {
        timeout: Duration::from_secs(10),
        ..JiraHttpConfig::default()
    };
    HyperJira::with_credential_updates(config, store.clone()).unwrap()
}

async fn stored_refresh(store: &InMemoryStore, id: IntegrationId) -> String {
    match store.integration(id).await.unwrap().unwrap().credentials {
        Credentials::OAuth2 { refresh_token, .. } => refresh_token.expose().to_owned(),
        other => panic!("oauth2 expected, not {}", other.method()),
    }
}

/// `n` calls at once, spread over `clients`; each must succeed.
async fn calls(clients: &[HyperJira<Arc<InMemoryStore>>], it: &Integration, n: usize) {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (jira, it) = (clients[i % clients.len()].clone(), it.clone());
            tokio::spawn(async move { jira.get_json(&it, &myself()).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("every call succeeds");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_sharing_a_store_renew_once_between_them() {
    let sim = sim(20).await;
    let (store, it) = store_with(&sim);
    let clients = [client(&store), client(&store)];
    calls(&clients, &it, 50).await;
    assert_eq!(sim.oauth2_refresh_count(), 1);
    let renewals = clients[0].oauth2_renewals() + clients[1].oauth2_renewals();
    assert_eq!(renewals, 1, "the other client used the stored token");

    // Jira stops accepting the token both hold: one renews, the other uses what it stored.
    sim.expire_access_tokens();
    calls(&clients, &it, 50).await;
    assert_eq!(sim.oauth2_refresh_count(), 2);
    assert_eq!(sim.oauth2_reuse_rejections(), 0);
    let lease = store.begin_renewal(it.id).await.unwrap();
    assert!(lease.access().is_some(), "the access token is stored");
    assert_ne!(lease.refresh_token().expose(), REFRESH0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_gives_up_mid_renewal_loses_no_rotation() {
    // Every answer takes 300 ms: the caller is gone before the token endpoint answers.
    let sim = sim(300).await;
    let (store, it) = store_with(&sim);
    let jira = client(&store);
    let call = tokio::spawn({
        let (jira, it) = (jira.clone(), it.clone());
        async move { jira.get_json(&it, &myself()).await }
    });
    // Wait until the renewal reached the token endpoint, then give up.
    let asked = tokio::time::timeout(Duration::from_secs(5), async {
        while sim.requests_to(TOKEN_PATH).is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    asked.await.expect("the token endpoint is asked");
    call.abort();
    assert!(call.await.unwrap_err().is_cancelled());

    // The renewal goes on: the rotated refresh token and the access token are stored.
    let stored = tokio::time::timeout(Duration::from_secs(5), async {
        while stored_refresh(&store, it.id).await == REFRESH0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    stored.await.expect("the rotated refresh token is stored");
    assert_eq!(sim.oauth2_refresh_count(), 1);

    // The next call uses that access token: no second renewal, no reuse.
    jira.get_json(&it, &myself()).await.unwrap();
    assert_eq!(sim.oauth2_refresh_count(), 1);
    assert_eq!(sim.oauth2_reuse_rejections(), 0);
}
