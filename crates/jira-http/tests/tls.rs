//! TLS for real: a self-signed HTTPS server on 127.0.0.1:0. Verification refuses it; an
//! integration added with `--no-verify-tls` reaches it, over HTTP/2 when ALPN offers it, and
//! so does the consent client for an app with `verify_tls` false.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use domain::ports::{CodeExchange, ConsentApi, ConsentError, TokenStyle};
use domain::{
    BaseUrl, Credentials, Integration, IntegrationId, JiraApi, JiraError, Provider, Secret,
};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use jira_http::{ConsentClient, HyperJira, JiraHttpConfig};
use tokio::net::TcpListener;
use tokio_rustls::rustls;

/// Serves `{"version": "<HTTP version>", "path": "<path>"}` over TLS with a self-signed
/// certificate for `localhost` and 127.0.0.1; a token grant at a path ending in `/token`.
async fn tls_server() -> std::net::SocketAddr {
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let cert_der = cert.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert_der], key)
    .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let svc = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                    let body = if req.uri().path().ends_with("/token") {
                        serde_json::json!({"access_token": "at", "refresh_token": "rt", "expires_in": 60})
                    } else {
                        serde_json::json!({"version": format!("{:?}", req.version()), "path": req.uri().path()})
                    };
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(
                        body.to_string(),
                    ))))
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    addr
}

fn integration(addr: std::net::SocketAddr, verify_tls: bool) -> Integration {
    Integration {
        id: IntegrationId(1),
        provider: Provider::JiraServer,
        name: "tls".into(),
        base_url: BaseUrl::parse(&format!("https://localhost:{}/jira", addr.port()), false)
            .unwrap(),
        verify_tls,
        enabled: true,
        credentials: Credentials::Pat {
            token: Secret::new("t"),
        },
    }
}

#[tokio::test]
async fn self_signed_is_refused_when_verifying_and_reached_when_not() {
    let addr = tls_server().await;
    let jira = HyperJira::new(JiraHttpConfig {
        timeout: Duration::from_secs(5),
        ..JiraHttpConfig::default()
    })
    .unwrap();
    let req = domain::jira_request::myself();

    let err = jira
        .get_json(&integration(addr, true), &req)
        .await
        .unwrap_err();
    match &err {
        JiraError::Unreachable { host, detail } => {
            assert_eq!(host, "localhost");
            assert!(detail.to_lowercase().contains("certificate"), "{detail}");
        }
        other => panic!("expected a refused certificate, got {other:?}"),
    }

    let body = jira
        .get_json(&integration(addr, false), &req)
        .await
        .unwrap();
    assert_eq!(body["path"], "/jira/rest/api/2/myself");
    assert_eq!(body["version"], "HTTP/2.0", "ALPN should pick HTTP/2");
}

#[tokio::test]
async fn consent_exchange_verifies_tls_unless_the_app_says_not_to() {
    let addr = tls_server().await;
    let consent = ConsentClient::new(JiraHttpConfig {
        timeout: Duration::from_secs(5),
        ..JiraHttpConfig::default()
    })
    .unwrap();
    let exchange = |verify_tls| CodeExchange {
        token_url: format!(
            "https://localhost:{}/jira/rest/oauth2/latest/token",
            addr.port()
        ),
        style: TokenStyle::Form,
        client_id: "cid".into(),
        client_secret: Secret::new("secret"),
        code: Secret::new("code"),
        redirect_uri: "https://search.example.com/connect/callback".into(),
        code_verifier: Some(Secret::new("verifier")),
        verify_tls,
    };

    let err = consent.exchange_code(&exchange(true)).await.unwrap_err();
    match &err {
        ConsentError::Unreachable(detail) => {
            assert!(detail.to_lowercase().contains("certificate"), "{detail}");
        }
        other => panic!("expected a refused certificate, got {other:?}"),
    }

    let grant = consent.exchange_code(&exchange(false)).await.unwrap();
    assert_eq!(
        (grant.access_token.expose(), grant.refresh_token.expose()),
        ("at", "rt")
    );
}
