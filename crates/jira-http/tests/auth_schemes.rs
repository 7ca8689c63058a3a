//! OAuth 1.0a, Connect JWT and OAuth 2.0 against jira-sim, which verifies each scheme on its
//! own (it shares no code with this crate).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::jira_request::myself;
use domain::ports::{CredentialUpdates, FinishFuture, LeaseHolder, RenewalLease, RenewedTokens};
use domain::testing::InMemoryStore;
use domain::{
    BaseUrl, Credentials, Integration, IntegrationId, JiraApi, JiraError, JiraRequest, Provider,
    Secret, StoreError,
};
use jira_http::{HyperJira, JiraHttpConfig};
use jira_sim::{AuthKind, Flavor, SimConfig, SimHandle};

const PRIVATE_PEM: &str = include_str!("fixtures/oauth1-test-private.pem");
const PUBLIC_PEM: &str = include_str!("fixtures/oauth1-test-public.pem");
const CONSUMER: &str = "jira-search-consumer";
const OAUTH1_TOKEN: &str = "oauth1-access-token";
const APP_KEY: &str = "com.example.jira-search";
const SHARED_SECRET: &str = "connect-shared-secret";
const CLIENT_ID: &str = "client-1";
const CLIENT_SECRET: &str = "client-secret-1";
const REFRESH0: &str = "refresh-token-0";

fn config(flavor: Flavor, context_path: &str, ttl: u64) -> SimConfig {
    SimConfig {
        flavor,
        context_path: context_path.into(),
        oauth1_consumers: vec![(CONSUMER.into(), PUBLIC_PEM.into())],
        oauth1_tokens: vec![OAUTH1_TOKEN.into()],
        connect_apps: vec![(APP_KEY.into(), SHARED_SECRET.into())],
        oauth2_clients: vec![(CLIENT_ID.into(), CLIENT_SECRET.into(), REFRESH0.into())],
        oauth2_access_ttl_secs: ttl,
        ..SimConfig::default()
    }
}

async fn sim(flavor: Flavor, context_path: &str, ttl: u64) -> SimHandle {
    jira_sim::start(config(flavor, context_path, ttl))
        .await
        .expect("jira-sim starts")
}

fn integration(sim: &SimHandle, credentials: Credentials) -> Integration {
    Integration {
        id: IntegrationId(7),
        provider: Provider::JiraServer,
        name: "sim".into(),
        base_url: BaseUrl::parse(&sim.base_url(), true).unwrap(),
        verify_tls: true,
        enabled: true,
        credentials,
    }
}

fn oauth2(sim: &SimHandle, refresh: &str) -> Credentials {
    Credentials::OAuth2 {
        client_id: CLIENT_ID.into(),
        token_url: format!("{}/rest/oauth2/latest/token", sim.base_url()),
        client_secret: Secret::new(CLIENT_SECRET),
        refresh_token: Secret::new(refresh),
    }
}

fn config_with_timeout() -> JiraHttpConfig {
    JiraHttpConfig {
        timeout: Duration::from_secs(10),
        ..JiraHttpConfig::default()
    }
}

/// A store holding the integration (in memory) that remembers every rotated refresh token
/// its renewal leases saved; can be told to fail them or to wait for a go-ahead.
#[derive(Clone)]
struct Recorder {
    store: Arc<InMemoryStore>,
    saved: Arc<Mutex<Vec<String>>>,
    fail: bool,
    gate: Option<Arc<tokio::sync::Semaphore>>,
}

impl Recorder {
    /// A store holding `it` as it is.
    fn of(it: &Integration) -> Self {
        let store = InMemoryStore::new();
        let org = store.seed_org("acme");
        store.seed_integration(org.id, it.clone());
        Self {
            store: Arc::new(store),
            saved: Arc::default(),
            fail: false,
            gate: None,
        }
    }

    fn saved(&self) -> Vec<String> {
        self.saved.lock().unwrap().clone()
    }
}

impl CredentialUpdates for Recorder {
    async fn save_refresh_token(
        &self,
        integration: IntegrationId,
        refresh_token: &Secret,
    ) -> Result<(), StoreError> {
        self.store
            .save_refresh_token(integration, refresh_token)
            .await
    }

    async fn begin_renewal(&self, integration: IntegrationId) -> Result<RenewalLease, StoreError> {
        let inner = self.store.begin_renewal(integration).await?;
        let (refresh, access) = (inner.refresh_token().clone(), inner.access().cloned());
        let holder = Recording {
            inner,
            recorder: self.clone(),
        };
        Ok(RenewalLease::new(refresh, access, Box::new(holder)))
    }
}

/// The lease of a [`Recorder`].
struct Recording {
    inner: RenewalLease,
    recorder: Recorder,
}

impl LeaseHolder for Recording {
    fn finish(self: Box<Self>, renewed: RenewedTokens) -> FinishFuture {
        Box::pin(async move {
            let Recording { inner, recorder } = *self;
            if let Some(gate) = &recorder.gate {
                gate.acquire().await.unwrap().forget();
            }
            if recorder.fail {
                return Err(StoreError::unavailable("database is locked"));
            }
            let rotated = renewed.refresh_token.clone();
            inner.finish(renewed.refresh_token, renewed.access).await?;
            if let Some(rotated) = rotated {
                recorder
                    .saved
                    .lock()
                    .unwrap()
                    .push(rotated.expose().to_owned());
            }
            Ok(())
        })
    }
}

#[tokio::test]
async fn oauth1_requests_are_signed_afresh_and_accepted() {
    let sim = sim(Flavor::Server, "/jira", 3600).await;
    let jira = HyperJira::new(config_with_timeout()).unwrap();
    let it = integration(
        &sim,
        Credentials::OAuth1 {
            consumer_key: CONSUMER.into(),
            private_key_pem: Secret::new(PRIVATE_PEM),
            access_token: Secret::new(OAUTH1_TOKEN),
            token_secret: Secret::new("unused"),
        },
    );
    let search = JiraRequest::get("rest/api/2/user/search")
        .param("username", "a b~c/d&e")
        .param("maxResults", "50");
    jira.get_json(&it, &search).await.unwrap();
    // The same request again: a new nonce, so the simulator's replay check lets it through.
    jira.get_json(&it, &search).await.unwrap();
    jira.get_json(&it, &myself()).await.unwrap();
    let log = sim.requests();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|r| r.auth == AuthKind::OAuth), "{log:?}");

    // A 429 that says "come back now" is retried, signed afresh: a new nonce, and accepted.
    sim.clear_requests();
    sim.add_fault(jira_sim::Fault::rate_limited(Some(0)).times(1));
    jira.get_json(&it, &myself()).await.unwrap();
    let log = sim.requests();
    assert_eq!(log.len(), 2, "{log:?}");
    let nonces: Vec<_> = log.iter().map(|r| r.auth_nonce.clone()).collect();
    assert!(nonces.iter().all(Option::is_some), "{nonces:?}");
    assert_ne!(nonces[0], nonces[1], "the retry reused the nonce");

    // A wrong token is refused.
    let bad = integration(
        &sim,
        Credentials::OAuth1 {
            consumer_key: CONSUMER.into(),
            private_key_pem: Secret::new(PRIVATE_PEM),
            access_token: Secret::new("not-issued"),
            token_secret: Secret::new("unused"),
        },
    );
    let err = jira.get_json(&bad, &myself()).await.unwrap_err();
    assert!(
        matches!(err, JiraError::Status { status: 401, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn connect_jwt_with_a_query_and_a_context_path_is_accepted() {
    let sim = sim(Flavor::Cloud, "/ctx", 3600).await;
    let jira = HyperJira::new(config_with_timeout()).unwrap();
    let mut it = integration(
        &sim,
        Credentials::ConnectJwt {
            issuer: APP_KEY.into(),
            shared_secret: Secret::new(SHARED_SECRET),
        },
    );
    it.provider = Provider::JiraCloud;
    let search = JiraRequest::get("rest/api/2/user/search")
        .param("query", "text ~ \"test\"")
        .param("maxResults", "50");
    jira.get_json(&it, &search).await.unwrap();
    jira.get_json(&it, &myself()).await.unwrap();
    let log = sim.requests();
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log.iter().all(|r| r.auth == AuthKind::Jwt), "{log:?}");

    let mut wrong = it.clone();
    wrong.credentials = Credentials::ConnectJwt {
        issuer: APP_KEY.into(),
        shared_secret: Secret::new("another-secret"),
    };
    let err = jira.get_json(&wrong, &search).await.unwrap_err();
    assert!(
        matches!(err, JiraError::Status { status: 401, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn oauth2_renews_once_then_reuses_the_token() {
    let sim = sim(Flavor::Server, "/jira", 3600).await;
    let it = integration(&sim, oauth2(&sim, REFRESH0));
    let recorder = Recorder::of(&it);
    let jira = HyperJira::with_credential_updates(config_with_timeout(), recorder.clone()).unwrap();
    for _ in 0..3 {
        jira.get_json(&it, &myself()).await.unwrap();
    }
    assert_eq!(sim.oauth2_refresh_count(), 1);
    assert_eq!(jira.oauth2_renewals(), 1);
    let saved = recorder.saved();
    assert_eq!(saved.len(), 1, "the rotated refresh token was saved");
    assert_ne!(saved[0], REFRESH0);
    let calls = sim.requests_to("/rest/api/2/myself");
    assert_eq!(calls.len(), 3);
    assert!(
        calls.iter().all(|r| r.auth == AuthKind::Bearer),
        "{calls:?}"
    );
}

#[tokio::test]
async fn fifty_concurrent_calls_at_expiry_renew_exactly_once() {
    // Two-second tokens: renewed once half their life has passed.
    let sim = sim(Flavor::Server, "", 2).await;
    let it = integration(&sim, oauth2(&sim, REFRESH0));
    let recorder = Recorder::of(&it);
    let jira = HyperJira::with_credential_updates(config_with_timeout(), recorder.clone()).unwrap();

    // Nothing held yet: 50 callers at once, one renewal.
    let burst = |jira: HyperJira<Recorder>, it: Integration| async move {
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (jira, it) = (jira.clone(), it.clone());
            tasks.push(tokio::spawn(
                async move { jira.get_json(&it, &myself()).await },
            ));
        }
        for t in tasks {
            t.await.unwrap().expect("every call succeeds");
        }
    };
    burst(jira.clone(), it.clone()).await;
    assert_eq!(sim.oauth2_refresh_count(), 1);

    // The held token reaches its renewal time: again exactly one renewal. The caller's copy
    // still holds the original refresh token (as if it were read before the rotation): the
    // renewal uses the one read from the store under the lease, not a dead one.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    burst(jira.clone(), it.clone()).await;
    assert_eq!(sim.oauth2_refresh_count(), 2);

    // Jira stops accepting the token early (401 mid-run): renewed once, no call fails.
    sim.expire_access_tokens();
    burst(jira.clone(), it.clone()).await;
    assert_eq!(sim.oauth2_refresh_count(), 3);
    assert_eq!(sim.oauth2_reuse_rejections(), 0);
    assert_eq!(recorder.saved().len(), 3);
}

#[tokio::test]
async fn the_rotated_refresh_token_is_saved_before_the_access_token_is_used() {
    let sim = sim(Flavor::Server, "/jira", 3600).await;
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let it = integration(&sim, oauth2(&sim, REFRESH0));
    let recorder = Recorder {
        gate: Some(gate.clone()),
        ..Recorder::of(&it)
    };
    let jira = HyperJira::with_credential_updates(config_with_timeout(), recorder.clone()).unwrap();
    let call = tokio::spawn({
        let (jira, it) = (jira.clone(), it.clone());
        async move { jira.get_json(&it, &myself()).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sim.oauth2_refresh_count(), 1, "the token was renewed");
    assert!(
        sim.requests_to("/rest/api/2/myself").is_empty(),
        "the new access token must not be used before its refresh token is saved"
    );
    gate.add_permits(1);
    call.await.unwrap().unwrap();
    assert_eq!(sim.requests_to("/rest/api/2/myself").len(), 1);
    assert_eq!(recorder.saved().len(), 1);
}

#[tokio::test]
async fn a_failed_save_fails_the_call() {
    let sim = sim(Flavor::Server, "", 3600).await;
    let it = integration(&sim, oauth2(&sim, REFRESH0));
    let recorder = Recorder {
        fail: true,
        ..Recorder::of(&it)
    };
    let jira = HyperJira::with_credential_updates(config_with_timeout(), recorder).unwrap();
    let err = jira.get_json(&it, &myself()).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(matches!(err, JiraError::Config(_)), "{text}");
    assert!(text.contains("could not be saved"), "{text}");
    assert!(
        !text.contains(REFRESH0) && !text.contains(CLIENT_SECRET),
        "{text}"
    );
    assert!(sim.requests_to("/rest/api/2/myself").is_empty());

    // Without a credential store, OAuth 2.0 fails loudly too.
    let plain = HyperJira::new(config_with_timeout()).unwrap();
    let sim2 = self::sim(Flavor::Server, "", 3600).await;
    let err = plain
        .get_json(&integration(&sim2, oauth2(&sim2, REFRESH0)), &myself())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no credential store"), "{err}");
    assert_eq!(sim2.oauth2_refresh_count(), 0, "no refresh token was burnt");
}

#[tokio::test]
async fn token_endpoint_failures_map_to_jira_errors_without_secrets() {
    let sim = sim(Flavor::Server, "", 3600).await;
    let never = integration(&sim, oauth2(&sim, "never-issued"));
    let jira =
        HyperJira::with_credential_updates(config_with_timeout(), Recorder::of(&never)).unwrap();
    let err = jira.get_json(&never, &myself()).await.unwrap_err();
    let text = format!("{err} {err:?}");
    match &err {
        JiraError::Status {
            status,
            error_messages,
            ..
        } => {
            assert!((400..=403).contains(status), "{text}");
            assert!(error_messages[0].contains("re-authoris"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        !text.contains("never-issued") && !text.contains(CLIENT_SECRET),
        "{text}"
    );

    // Unreachable token endpoint.
    let mut it = integration(&sim, oauth2(&sim, REFRESH0));
    it.credentials = Credentials::OAuth2 {
        client_id: CLIENT_ID.into(),
        token_url: "http://127.0.0.1:9/oauth/token".into(),
        client_secret: Secret::new(CLIENT_SECRET),
        refresh_token: Secret::new(REFRESH0),
    };
    let err = jira.get_json(&it, &myself()).await.unwrap_err();
    assert!(matches!(err, JiraError::Unreachable { .. }), "{err:?}");
}
