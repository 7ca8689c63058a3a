//! The pooled hyper client every call goes through, and the largest answer it reads.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

/// Largest Jira answer read, so a misbehaving server cannot exhaust memory.
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// HTTP/1.1 or HTTP/2 (negotiated by ALPN) over rustls, with pooled connections per host.
pub(crate) type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A client over `tls` whose connections must be made within `timeout`.
pub(crate) fn build(tls: rustls::ClientConfig, timeout: Duration) -> HttpsClient {
    let mut http = HttpConnector::new();
    // hyper-rustls decides the scheme; the plain connector must let https URLs through.
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(timeout));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new())
        // Without a timer the idle timeout below does nothing.
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(64)
        .build(https)
}
