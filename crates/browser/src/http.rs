//! thirtyfour's HTTP transport, on the workspace's hyper-util client: thirtyfour is built
//! without its reqwest client (see the crate docs), so it talks to chromedriver through this.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use thirtyfour::error::{WebDriverError, WebDriverResult};
use thirtyfour::session::http::{Body, HttpClient};

/// A plain-HTTP client for chromedriver on 127.0.0.1, each request bounded by `timeout`
/// (hyper-util's client has no timeout of its own).
#[derive(Debug, Clone)]
pub(crate) struct HyperClient {
    client: Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
}

impl HyperClient {
    /// A client whose every request (sent and read whole) gives up after `timeout`.
    pub(crate) fn new(timeout: Duration) -> Self {
        HyperClient {
            client: Client::builder(TokioExecutor::new()).build_http(),
            timeout,
        }
    }

    /// `GET url`, its status and body, within the timeout.
    pub(crate) async fn get(&self, url: &str) -> Result<(u16, Bytes), String> {
        let request = Request::get(url)
            .body(Full::new(Bytes::new()))
            .map_err(|e| e.to_string())?;
        let response = self.round_trip(request).await?;
        Ok((response.status().as_u16(), response.into_body()))
    }

    async fn round_trip(&self, request: Request<Full<Bytes>>) -> Result<Response<Bytes>, String> {
        let target = format!("{} {}", request.method(), request.uri());
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| e.to_string())?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(|e| e.to_string())?;
            Ok::<_, String>(Response::from_parts(parts, body.to_bytes()))
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(e)) => Err(format!("{target}: {e}")),
            Err(_) => Err(format!("{target}: no answer within {:?}", self.timeout)),
        }
    }
}

#[async_trait::async_trait]
impl HttpClient for HyperClient {
    async fn send(&self, request: Request<Body<'_>>) -> WebDriverResult<Response<Bytes>> {
        let (parts, body) = request.into_parts();
        let body = match body {
            Body::Empty => Bytes::new(),
            Body::Json(json) => serde_json::to_vec(json)
                .map_err(|e| WebDriverError::RequestFailed(e.to_string()))?
                .into(),
        };
        self.round_trip(Request::from_parts(parts, Full::new(body)))
            .await
            .map_err(WebDriverError::RequestFailed)
    }

    /// thirtyfour calls this from `Drop` on a runtime of its own, to end a session nobody
    /// closed: a fresh client, so that no pooled connection of a finished runtime is reused.
    async fn new(&self) -> Arc<dyn HttpClient> {
        Arc::new(HyperClient::new(self.timeout))
    }
}
