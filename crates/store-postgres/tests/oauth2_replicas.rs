//! OAuth 2.0 renewals across replicas, end to end: two stores on one PostgreSQL database
//! (two replicas), each with its own Jira client (its own token manager), against
//! jira-sim's token endpoint, which rotates refresh tokens and revokes a whole family when a
//! rotated one is used again. The renewal lease (a row lock) must keep them to one renewal
//! between them, the other replica using what the first stored.

use std::time::Duration;

use domain::jira_request::myself;
use domain::{
    AdminStore, BaseUrl, CredentialUpdates, Credentials, Integration, IntegrationName, JiraApi,
    JiraError, NewIntegration, Provider, Secret, Slug,
};
use jira_http::{HyperJira, JiraHttpConfig};
use jira_sim::{Fault, Flavor, SimConfig, SimHandle};
use store_postgres::testing::TestDatabase;
use store_postgres::{PgStore, SecretKey};

const CLIENT_ID: &str = "replica-client";
const CLIENT_SECRET: &str = "replica-client-secret";
const REFRESH0: &str = "replica-refresh-token-0";
const TOKEN_PATH: &str = "/rest/oauth2/latest/token";

/// Two replicas on one database, an OAuth 2.0 integration, and the simulator.
struct Replicas {
    db: TestDatabase,
    stores: [PgStore; 2],
    jira: [HyperJira<PgStore>; 2],
    it: Integration,
    sim: SimHandle,
}

impl Replicas {
    /// `latency_ms` on every answer of the simulator makes calls overlap with renewals.
    async fn start(timeout: Duration) -> Self {
        let sim = jira_sim::start(SimConfig {
            flavor: Flavor::Server,
            oauth2_clients: vec![(CLIENT_ID.into(), CLIENT_SECRET.into(), REFRESH0.into())],
            oauth2_access_ttl_secs: 3600,
            latency_ms: 20,
            ..SimConfig::default()
        })
        .await
        .expect("jira-sim starts");
        let db = TestDatabase::create().await;
        let key = SecretKey::generate();
        let a = PgStore::open_with_key(db.url(), Some(key.clone()))
            .await
            .unwrap();
        let b = PgStore::open_with_key(db.url(), Some(key)).await.unwrap();
        let org = a
            .create_org(&Slug::parse("acme").unwrap())
            .await
            .unwrap()
            .unwrap();
        let new = NewIntegration {
            provider: Provider::JiraServer,
            name: IntegrationName::parse("sim").unwrap(),
            base_url: BaseUrl::parse(&sim.base_url(), true).unwrap(),
            verify_tls: true,
            credentials: Credentials::OAuth2 {
                client_id: CLIENT_ID.into(),
                token_url: format!("{}{TOKEN_PATH}", sim.base_url()),
                client_secret: Secret::new(CLIENT_SECRET),
                refresh_token: Secret::new(REFRESH0),
            },
        };
        let id = a.add_integration(org.id, &new).await.unwrap();
        // As each replica would read it (its copy of the refresh token goes stale at the
        // first rotation: the renewal reads the stored one under the lease).
        let it = b.integration(id).await.unwrap().unwrap();
        let config = JiraHttpConfig {
            timeout,
            ..JiraHttpConfig::default()
        };
        let client = |store: &PgStore| {
            HyperJira::with_credential_updates(config.clone(), store.clone()).unwrap()
        };
        Self {
            jira: [client(&a), client(&b)],
            stores: [a, b],
            db,
            it,
            sim,
        }
    }

    /// `n` calls at once, spread over both replicas; every result.
    async fn calls(&self, n: usize) -> Vec<Result<(), JiraError>> {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let (jira, it) = (self.jira[i % 2].clone(), self.it.clone());
                tokio::spawn(async move { jira.get_json(&it, &myself()).await.map(drop) })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("the call's task ends"));
        }
        results
    }

    /// The refresh token stored, as replica `r` reads it.
    async fn stored_refresh(&self, r: usize) -> String {
        let it = self.stores[r]
            .integration(self.it.id)
            .await
            .unwrap()
            .unwrap();
        match it.credentials {
            Credentials::OAuth2 { refresh_token, .. } => refresh_token.expose().to_owned(),
            other => panic!("oauth2 expected, not {}", other.method()),
        }
    }

    /// How many renewals each replica's client made.
    fn renewals(&self) -> [u64; 2] {
        [
            self.jira[0].oauth2_renewals(),
            self.jira[1].oauth2_renewals(),
        ]
    }

    async fn remove(self) {
        for store in &self.stores {
            store.close().await;
        }
        self.db.remove().await;
    }
}

fn all_succeed(phase: &str, results: &[Result<(), JiraError>]) {
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "{phase}: calls failed: {failed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_calls_over_two_replicas_renew_an_expiring_token_exactly_once() {
    let r = Replicas::start(Duration::from_secs(10)).await;

    // Nothing held by either replica: 50 calls at once, one renewal between them.
    all_succeed("cold start", &r.calls(50).await);
    assert_eq!(r.sim.oauth2_refresh_count(), 1, "cold start");
    assert_eq!(r.renewals().iter().sum::<u64>(), 1, "{:?}", r.renewals());
    let first = r.stored_refresh(1).await;
    assert_ne!(first, REFRESH0, "the rotated refresh token is stored");

    // The access token both replicas hold expires (Jira answers 401 to it) while 50 calls
    // run over both: one renews, the other waits for it and uses what it stored.
    r.sim.expire_access_tokens();
    all_succeed("expiry", &r.calls(50).await);
    assert_eq!(r.sim.oauth2_refresh_count(), 2, "expiry");
    assert_eq!(r.renewals().iter().sum::<u64>(), 2, "{:?}", r.renewals());
    assert_eq!(
        r.sim.oauth2_reuse_rejections(),
        0,
        "no refresh token reused"
    );
    let second = r.stored_refresh(0).await;
    assert!(second != first && second != REFRESH0, "rotated again");

    // Both tokens are stored sealed: neither is in the row in clear.
    let lease = r.stores[0].begin_renewal(r.it.id).await.unwrap();
    let access = lease.access().expect("the access token is stored").clone();
    drop(lease);
    let pool = sqlx::PgPool::connect(r.db.url()).await.unwrap();
    let raw: String = sqlx::query_scalar("SELECT secret FROM integrations WHERE id = $1")
        .bind(r.it.id.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert!(raw.starts_with("sealed:v1:"), "sealed");
    assert!(!raw.contains(access.token.expose()) && !raw.contains(&second));

    // Still one token between them: more calls renew nothing.
    all_succeed("after", &r.calls(10).await);
    assert_eq!(r.sim.oauth2_refresh_count(), 2);
    r.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_renewal_leaves_the_stored_refresh_token_usable() {
    let r = Replicas::start(Duration::from_secs(1)).await;

    // The token endpoint fails: the call fails, the stored refresh token is as it was.
    r.sim.add_fault(Fault::status(503).on(TOKEN_PATH).times(1));
    let err = r.jira[0].get_json(&r.it, &myself()).await.unwrap_err();
    assert!(
        matches!(err, JiraError::Status { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(r.stored_refresh(1).await, REFRESH0);

    // The token endpoint never answers: the renewal gives up at its deadline and releases
    // the lease; nothing stored changes.
    r.sim
        .add_fault(Fault::never_answer().on(TOKEN_PATH).times(1));
    let err = r.jira[1].get_json(&r.it, &myself()).await.unwrap_err();
    assert!(matches!(err, JiraError::Timeout), "{err:?}");
    assert_eq!(r.stored_refresh(0).await, REFRESH0);
    assert_eq!(r.sim.oauth2_refresh_count(), 0);

    // The other replica renews with the stored token: accepted, rotated, stored.
    let results = r.calls(10).await;
    all_succeed("after the failures", &results);
    assert_eq!(r.sim.oauth2_refresh_count(), 1);
    assert_eq!(r.sim.oauth2_reuse_rejections(), 0);
    assert_ne!(r.stored_refresh(1).await, REFRESH0);
    r.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_credentials_wait_for_a_renewal_then_replace_what_it_stored() {
    let r = Replicas::start(Duration::from_secs(10)).await;
    let id = r.it.id;
    let lease = r.stores[0].begin_renewal(id).await.unwrap();
    // A new consent finishing on the other replica waits for the row.
    let mut consent = r.it.credentials.clone();
    if let Credentials::OAuth2 { refresh_token, .. } = &mut consent {
        *refresh_token = Secret::new("refresh-of-a-new-consent");
    }
    let mut replace = tokio::spawn({
        let store = r.stores[1].clone();
        async move { store.replace_credentials(id, &consent).await }
    });
    let early = tokio::time::timeout(Duration::from_millis(300), &mut replace).await;
    assert!(
        early.is_err(),
        "new credentials wait while a renewal holds the lease"
    );
    let renewed = domain::ports::SharedAccessToken {
        token: Secret::new("renewed-access-token"),
        valid_until: 4_000_000_000,
    };
    lease
        .finish(Some(Secret::new("rotated")), renewed)
        .await
        .unwrap();
    assert!(replace.await.unwrap().unwrap(), "replaced");
    assert_eq!(r.stored_refresh(0).await, "refresh-of-a-new-consent");
    let after = r.stores[0].begin_renewal(id).await.unwrap();
    assert_eq!(
        after.access(),
        None,
        "the old grant's access token is forgotten"
    );
    drop(after);
    r.remove().await;
}
