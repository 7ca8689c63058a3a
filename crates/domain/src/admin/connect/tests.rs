//! The connection use cases over the in-memory store and a scripted authorization server:
//! each flow's happy path, and every way a connection ends in error with nothing stored.

use std::sync::Mutex;

use super::*;
use crate::admin::connect_outcome::ConnectRandom;
use crate::admin::connect_settings::ReturnPrefix;
use crate::model::IntegrationId;
use crate::model::{AppId, AuthMethod, NewApp, Org};
use crate::ports::{ConsentError, TokenGrant};
use crate::testing::InMemoryStore;
use sha2::{Digest, Sha256};

/// Scripted answers, and the calls received.
#[derive(Default)]
struct FakeConsent {
    sites: Vec<CloudSite>,
    refuse: bool,
    calls: Mutex<Vec<String>>,
}

impl FakeConsent {
    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
    fn log(&self, s: String) {
        self.calls.lock().unwrap().push(s);
    }
    fn refused() -> ConsentError {
        ConsentError::Refused {
            status: 400,
            detail: "invalid_grant".into(),
        }
    }
}

impl ConsentApi for FakeConsent {
    async fn exchange_code(&self, e: &CodeExchange) -> Result<TokenGrant, ConsentError> {
        self.log(format!(
            "exchange {} {:?} {} {} verifier={} tls={}",
            e.token_url,
            e.style,
            e.code.expose(),
            e.redirect_uri,
            e.code_verifier.as_ref().map_or("-", |v| v.expose()),
            e.verify_tls
        ));
        if self.refuse {
            return Err(Self::refused());
        }
        Ok(TokenGrant {
            access_token: Secret::new("at"),
            refresh_token: Secret::new(format!("rt-{}", e.code.expose())),
            expires_in: Some(3600),
        })
    }
    async fn accessible_resources(
        &self,
        api_url: &str,
        token: &Secret,
    ) -> Result<Vec<CloudSite>, ConsentError> {
        self.log(format!("sites {api_url} {}", token.expose()));
        Ok(self.sites.clone())
    }
    async fn oauth1_request_token(
        &self,
        c: &OAuth1Consumer,
        callback: &str,
    ) -> Result<OAuth1Token, ConsentError> {
        self.log(format!(
            "request-token {} {callback} tls={}",
            c.consumer_key, c.verify_tls
        ));
        if self.refuse {
            return Err(Self::refused());
        }
        Ok(OAuth1Token {
            token: Secret::new("rt1"),
            secret: Secret::new("rts"),
        })
    }
    async fn oauth1_access_token(
        &self,
        c: &OAuth1Consumer,
        rt: &OAuth1Token,
        verifier: &Secret,
    ) -> Result<OAuth1Token, ConsentError> {
        self.log(format!(
            "access-token {} {} tls={}",
            rt.token.expose(),
            verifier.expose(),
            c.verify_tls
        ));
        Ok(OAuth1Token {
            token: Secret::new("at1"),
            secret: Secret::new("ats"),
        })
    }
}

fn settings() -> ConnectSettings {
    ConnectSettings {
        public_url: "https://search.example.com".into(),
        return_urls: vec![ReturnPrefix::parse("https://app.example.com/settings").unwrap()],
        atlassian_auth_url: "https://auth.example.com".into(),
        atlassian_api_url: "https://api.example.com".into(),
    }
}

fn site(id: &str) -> CloudSite {
    CloudSite {
        id: id.into(),
        url: format!("https://{id}.atlassian.net"),
        name: id.into(),
    }
}

const RETURN: &str = "https://app.example.com/settings/jira?tab=1";

fn random(n: u8) -> ConnectRandom {
    ConnectRandom {
        state: [n; 16],
        pkce: [n; 32],
    }
}

fn state_of(n: u8) -> String {
    hex::encode([n; 16])
}

async fn world(kind: AppKind) -> (InMemoryStore, Org, AppId) {
    world_tls(kind, true).await
}

/// One org and one app of `kind` whose Jira's certificate is verified or not.
async fn world_tls(kind: AppKind, verify_tls: bool) -> (InMemoryStore, Org, AppId) {
    let store = InMemoryStore::new();
    let org = store.seed_org("acme");
    let base_url = (kind != AppKind::Atlassian3lo)
        .then(|| BaseUrl::parse("https://jira.example.com/jira", false).unwrap());
    let app = store
        .add_app(&NewApp {
            kind,
            base_url,
            client_id: "cid".into(),
            secret: Secret::new("app-secret"),
            public_key_pem: None,
            verify_tls,
        })
        .await
        .unwrap();
    (store, org, app)
}

fn params(state: &str) -> CallbackParams {
    CallbackParams {
        state: Some(state.into()),
        ..CallbackParams::default()
    }
}

fn query_of(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn atlassian_3lo_with_one_site_stores_a_cloud_integration() {
    let (store, org, app) = world(AppKind::Atlassian3lo).await;
    let consent = FakeConsent {
        sites: vec![site("acme")],
        ..FakeConsent::default()
    };
    let s = settings();
    let c = Connections::new(&store, &consent, &s);
    let started = c
        .start(org.id, app, RETURN, &random(1), 1000)
        .await
        .unwrap();
    assert_eq!(started.expires_at, 1000 + STATE_TTL_SECS);
    let q = query_of(&started.authorize_url);
    assert!(started
        .authorize_url
        .starts_with("https://auth.example.com/authorize?audience=api.atlassian.com&client_id=cid&scope=read%3Ajira-user%20read%3Ajira-work%20offline_access&redirect_uri=https%3A%2F%2Fsearch.example.com%2Fconnect%2Fcallback&state="));
    assert!(q.contains(&("prompt".into(), "consent".into())));
    assert!(q.contains(&("state".into(), state_of(1))));
    let outcome = c
        .callback(
            &CallbackParams {
                code: Some("c1".into()),
                ..params(&state_of(1))
            },
            1001,
        )
        .await
        .unwrap();
    let CallbackOutcome::Redirect(url) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        url.starts_with(
            "https://app.example.com/settings/jira?tab=1&status=connected&org=acme&integration_id="
        ),
        "{url}"
    );
    let id = query_of(&url).last().unwrap().1.parse().unwrap();
    let integration = store.integration(IntegrationId(id)).await.unwrap().unwrap();
    assert_eq!(integration.provider, Provider::JiraCloud);
    assert_eq!(
        integration.base_url.as_str(),
        "https://api.example.com/ex/jira/acme"
    );
    assert_eq!(integration.name, "acme");
    let Credentials::OAuth2 {
        client_id,
        token_url,
        client_secret,
        refresh_token,
    } = &integration.credentials
    else {
        panic!("{:?}", integration.credentials)
    };
    assert_eq!(
        (client_id.as_str(), token_url.as_str()),
        ("cid", "https://auth.example.com/oauth/token")
    );
    assert_eq!(
        (client_secret.expose(), refresh_token.expose()),
        ("app-secret", "rt-c1")
    );
    assert_eq!(
        consent.calls(),
        vec![
            "exchange https://auth.example.com/oauth/token Json c1 https://search.example.com/connect/callback verifier=- tls=true".to_owned(),
            "sites https://api.example.com at".to_owned(),
        ]
    );
    // Usable once.
    let again = c
        .callback(
            &CallbackParams {
                code: Some("c1".into()),
                ..params(&state_of(1))
            },
            1002,
        )
        .await
        .unwrap();
    assert_eq!(again, CallbackOutcome::BadState(UNKNOWN_STATE));
}

#[tokio::test]
async fn several_sites_are_chosen_on_a_page_and_reconnecting_keeps_the_id() {
    let (store, org, app) = world(AppKind::Atlassian3lo).await;
    let consent = FakeConsent {
        sites: vec![site("one"), site("two")],
        ..FakeConsent::default()
    };
    let s = settings();
    let c = Connections::new(&store, &consent, &s);
    let mut ids = Vec::new();
    for n in [1u8, 2] {
        c.start(org.id, app, RETURN, &random(n), 1000)
            .await
            .unwrap();
        let outcome = c
            .callback(
                &CallbackParams {
                    code: Some(format!("c{n}")),
                    ..params(&state_of(n))
                },
                1001,
            )
            .await
            .unwrap();
        assert_eq!(
            outcome,
            CallbackOutcome::ChooseSite {
                state: state_of(n),
                sites: vec![site("one"), site("two")]
            }
        );
        // A site the grant does not cover is refused.
        if n == 1 {
            let bad = c.choose_site(&state_of(n), "three", 1002).await.unwrap();
            let CallbackOutcome::Redirect(url) = bad else {
                panic!("{bad:?}")
            };
            assert!(url.ends_with("status=error&error=invalid_state"), "{url}");
            c.start(org.id, app, RETURN, &random(n), 1000)
                .await
                .unwrap();
            c.callback(
                &CallbackParams {
                    code: Some("c1".into()),
                    ..params(&state_of(n))
                },
                1001,
            )
            .await
            .unwrap();
        }
        let CallbackOutcome::Redirect(url) =
            c.choose_site(&state_of(n), "two", 1002).await.unwrap()
        else {
            panic!()
        };
        ids.push(query_of(&url).last().unwrap().1.clone());
    }
    assert_eq!(
        ids[0], ids[1],
        "the same site connected again keeps its integration"
    );
    let all = store.list_integrations(Some(org.id)).await.unwrap();
    assert_eq!(all.len(), 1);
    let i = store.integration(all[0].id).await.unwrap().unwrap();
    let Credentials::OAuth2 { refresh_token, .. } = &i.credentials else {
        panic!()
    };
    assert_eq!(
        refresh_token.expose(),
        "rt-c2",
        "the new grant's credentials"
    );
}

#[tokio::test]
async fn data_center_sends_pkce_and_stores_a_server_integration() {
    let (store, org, app) = world(AppKind::DcOAuth2).await;
    let consent = FakeConsent::default();
    let s = settings();
    let c = Connections::new(&store, &consent, &s);
    let started = c.start(org.id, app, RETURN, &random(3), 0).await.unwrap();
    let q = query_of(&started.authorize_url);
    assert!(started
        .authorize_url
        .starts_with("https://jira.example.com/jira/rest/oauth2/latest/authorize?"));
    let verifier = hex::encode([3u8; 32]);
    let challenge = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
    };
    for pair in [
        ("client_id", "cid"),
        ("response_type", "code"),
        ("scope", "READ"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ] {
        assert!(
            q.contains(&(pair.0.into(), pair.1.into())),
            "{pair:?} in {q:?}"
        );
    }
    let CallbackOutcome::Redirect(url) = c
        .callback(
            &CallbackParams {
                code: Some("dc".into()),
                ..params(&state_of(3))
            },
            1,
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    assert!(url.contains("status=connected"), "{url}");
    assert_eq!(
        consent.calls(),
        vec![format!(
            "exchange https://jira.example.com/jira/rest/oauth2/latest/token Form dc https://search.example.com/connect/callback verifier={verifier} tls=true"
        )]
    );
    let list = store.list_integrations(Some(org.id)).await.unwrap();
    assert_eq!(
        (list[0].provider, list[0].auth_method),
        (Provider::JiraServer, AuthMethod::OAuth2)
    );
    assert_eq!(list[0].base_url, "https://jira.example.com/jira");
    assert!(list[0].verify_tls, "verified like the app");
}

#[tokio::test]
async fn apps_without_tls_verification_pass_it_to_jira_and_to_the_integration() {
    let (store, org, app) = world_tls(AppKind::DcOAuth2, false).await;
    let consent = FakeConsent::default();
    let s = settings();
    let c = Connections::new(&store, &consent, &s);
    c.start(org.id, app, RETURN, &random(6), 0).await.unwrap();
    let CallbackOutcome::Redirect(url) = c
        .callback(
            &CallbackParams {
                code: Some("dc".into()),
                ..params(&state_of(6))
            },
            1,
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    assert!(url.contains("status=connected"), "{url}");
    let calls = consent.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].starts_with("exchange "), "{calls:?}");
    assert!(calls[0].ends_with(" tls=false"), "{calls:?}");
    let list = store.list_integrations(Some(org.id)).await.unwrap();
    assert_eq!(list.len(), 1);
    assert!(
        !list[0].verify_tls,
        "the integration does not verify either"
    );
    let i = store.integration(list[0].id).await.unwrap().unwrap();
    assert!(!i.verify_tls);

    let (store, org, app) = world_tls(AppKind::ServerOAuth1, false).await;
    let consent = FakeConsent::default();
    let c = Connections::new(&store, &consent, &s);
    c.start(org.id, app, RETURN, &random(7), 0).await.unwrap();
    let CallbackOutcome::Redirect(url) = c
        .callback(
            &CallbackParams {
                oauth_token: Some("rt1".into()),
                oauth_verifier: Some("v".into()),
                ..params(&state_of(7))
            },
            1,
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    assert!(url.contains("status=connected"), "{url}");
    let calls = consent.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls.iter().all(|c| c.ends_with(" tls=false")), "{calls:?}");
    let list = store.list_integrations(Some(org.id)).await.unwrap();
    assert!(
        !list[0].verify_tls,
        "the OAuth 1.0a integration does not verify"
    );
}

#[tokio::test]
async fn oauth1_gets_a_request_token_first_and_checks_it_comes_back() {
    let (store, org, app) = world(AppKind::ServerOAuth1).await;
    let consent = FakeConsent::default();
    let s = settings();
    let c = Connections::new(&store, &consent, &s);
    let started = c.start(org.id, app, RETURN, &random(4), 0).await.unwrap();
    assert_eq!(
        started.authorize_url,
        "https://jira.example.com/jira/plugins/servlet/oauth/authorize?oauth_token=rt1"
    );
    assert_eq!(
        consent.calls(),
        vec![format!(
            "request-token cid https://search.example.com/connect/callback?state={} tls=true",
            state_of(4)
        )]
    );
    // Another request token than the one this state got: refused, nothing stored.
    let wrong = c
        .callback(
            &CallbackParams {
                oauth_token: Some("other".into()),
                oauth_verifier: Some("v".into()),
                ..params(&state_of(4))
            },
            1,
        )
        .await
        .unwrap();
    let CallbackOutcome::Redirect(url) = wrong else {
        panic!()
    };
    assert!(url.ends_with("status=error&error=invalid_state"), "{url}");
    assert!(store.list_integrations(None).await.unwrap().is_empty());
    c.start(org.id, app, RETURN, &random(5), 0).await.unwrap();
    let CallbackOutcome::Redirect(url) = c
        .callback(
            &CallbackParams {
                oauth_token: Some("rt1".into()),
                oauth_verifier: Some("v".into()),
                ..params(&state_of(5))
            },
            1,
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    assert!(url.contains("status=connected&org=acme"), "{url}");
    let list = store.list_integrations(Some(org.id)).await.unwrap();
    let i = store.integration(list[0].id).await.unwrap().unwrap();
    let Credentials::OAuth1 {
        consumer_key,
        private_key_pem,
        access_token,
        token_secret,
    } = &i.credentials
    else {
        panic!()
    };
    assert_eq!(consumer_key, "cid");
    assert_eq!(
        (
            private_key_pem.expose(),
            access_token.expose(),
            token_secret.expose()
        ),
        ("app-secret", "at1", "ats")
    );
}

#[tokio::test]
async fn every_error_ending_redirects_with_its_code_and_stores_nothing() {
    let s = settings();
    for (kind, consent, callback, now, want) in [
        (
            AppKind::Atlassian3lo,
            FakeConsent::default(),
            CallbackParams {
                error: Some("access_denied".into()),
                ..CallbackParams::default()
            },
            1,
            "access_denied",
        ),
        (
            AppKind::ServerOAuth1,
            FakeConsent::default(),
            CallbackParams {
                oauth_token: Some("rt1".into()),
                oauth_verifier: Some("denied".into()),
                ..CallbackParams::default()
            },
            1,
            "access_denied",
        ),
        (
            AppKind::DcOAuth2,
            FakeConsent::default(),
            CallbackParams {
                code: Some("c".into()),
                ..CallbackParams::default()
            },
            STATE_TTL_SECS,
            "expired_state",
        ),
        (
            AppKind::DcOAuth2,
            FakeConsent::default(),
            CallbackParams::default(),
            1,
            "invalid_state",
        ),
        (
            AppKind::DcOAuth2,
            FakeConsent {
                refuse: true,
                ..FakeConsent::default()
            },
            CallbackParams {
                code: Some("c".into()),
                ..CallbackParams::default()
            },
            1,
            "exchange_failed",
        ),
        (
            AppKind::Atlassian3lo,
            FakeConsent::default(),
            CallbackParams {
                code: Some("c".into()),
                ..CallbackParams::default()
            },
            1,
            "no_jira_site",
        ),
    ] {
        let (store, org, app) = world(kind).await;
        let c = Connections::new(&store, &consent, &s);
        c.start(org.id, app, RETURN, &random(9), 0).await.unwrap();
        let outcome = c
            .callback(
                &CallbackParams {
                    state: Some(state_of(9)),
                    ..callback
                },
                now,
            )
            .await
            .unwrap();
        assert_eq!(
            outcome,
            CallbackOutcome::Redirect(format!("{RETURN}&status=error&error={want}")),
            "{kind}"
        );
        assert!(
            store.list_integrations(None).await.unwrap().is_empty(),
            "{kind}: {want}"
        );
        // The state is gone either way.
        let again = c.callback(&params(&state_of(9)), now).await.unwrap();
        assert_eq!(again, CallbackOutcome::BadState(UNKNOWN_STATE));
    }
}

#[tokio::test]
async fn starting_refuses_bad_return_urls_unknown_apps_and_a_refused_request_token() {
    let (store, org, app) = world(AppKind::ServerOAuth1).await;
    let consent = FakeConsent::default();
    let s = settings();
    let c = Connections::new(&store, &consent, &s);
    for bad in [
        "https://evil.example.com/settings",
        "https://app.example.com/settingsx",
        "http://app.example.com/settings",
        "https://app.example.com:444/settings",
        "https://user@app.example.com/settings",
        "https://app.example.com/settings#x",
        "/settings",
        "javascript:alert(1)",
    ] {
        let err = c.start(org.id, app, bad, &random(1), 0).await.unwrap_err();
        assert!(matches!(err, AdminError::Invalid(_)), "{bad}: {err}");
        assert!(err.to_string().starts_with("return_url"), "{err}");
    }
    assert!(matches!(
        c.start(org.id, AppId(999), RETURN, &random(1), 0).await,
        Err(AdminError::AppNotFound(AppId(999)))
    ));
    assert!(
        consent.calls().is_empty(),
        "nothing asked of Jira for a refused start"
    );
    let refusing = FakeConsent {
        refuse: true,
        ..FakeConsent::default()
    };
    let c = Connections::new(&store, &refusing, &s);
    assert!(matches!(
        c.start(org.id, app, RETURN, &random(1), 0).await,
        Err(AdminError::ConsentFailed(_))
    ));
    let c = Connections::new(&store, &consent, &s);
    assert_eq!(
        c.callback(&params(&state_of(1)), 1).await.unwrap(),
        CallbackOutcome::BadState(UNKNOWN_STATE)
    );
    assert_eq!(
        c.callback(&CallbackParams::default(), 1).await.unwrap(),
        CallbackOutcome::BadState(MISSING_STATE)
    );
}

#[test]
fn prefixes_compare_scheme_host_port_and_path_segments() {
    let p = ReturnPrefix::parse("https://app.example.com/settings").unwrap();
    let covers = |u: &str| p.covers(&url::Url::parse(u).unwrap());
    assert!(covers("https://app.example.com/settings"));
    assert!(covers("https://app.example.com/settings/jira?x=1"));
    assert!(covers("https://APP.example.com:443/settings"));
    assert!(!covers("https://app.example.com/settingsx"));
    assert!(!covers("https://app.example.com/"));
    let slash = ReturnPrefix::parse("http://localhost:3000/").unwrap();
    assert!(slash.covers(&url::Url::parse("http://localhost:3000/anything").unwrap()));
    assert!(!slash.covers(&url::Url::parse("http://localhost:3001/").unwrap()));
    assert!(ReturnPrefix::parse("https://a.example.com/?q=1").is_err());
    assert!(ReturnPrefix::parse("not a url").is_err());
}
