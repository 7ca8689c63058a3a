//! The admin API and connect routes as the HTTP layer serves them: the body read within its
//! bound, one log line per request (never the body).

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Body;
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use std::time::Instant;

use super::request::{bearer, request_id, without_body, MAX_URI_BYTES, X_REQUEST_ID};
use crate::api::route::ApiRoute;
use crate::api::{input::ApiError, input::MAX_BODY_BYTES, AdminRequest, AdminRoutes};
use crate::state::AppState;

/// Answers an admin API or connect request: reads its body (at most [`MAX_BODY_BYTES`]),
/// hands it to the admin routes, and logs one line for it (never the body).
pub(super) async fn handle_admin<J, S, C, B>(
    state: &AppState<J, S, C>,
    admin: &dyn AdminRoutes,
    req: Request<B>,
) -> Response<Full<Bytes>>
where
    B: Body<Data = Bytes>,
    B::Error: Into<domain::BoxError>,
{
    let started = Instant::now();
    let _in_flight = state.metrics.start();
    let request_id = request_id(&req);
    let route_name = ApiRoute::parse(req.uri().path()).name();
    let method = req.method().clone();
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is too large: at most {MAX_BODY_BYTES} bytes are accepted"),
    );
    let mut response = if req.uri().path_and_query().map_or(0, |p| p.as_str().len()) > MAX_URI_BYTES
    {
        ApiError::new(
            StatusCode::URI_TOO_LONG,
            format!("URI too long: at most {MAX_URI_BYTES} bytes"),
        )
        .response()
    } else if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        too_large.response()
    } else {
        let token = bearer(&req);
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let path = req.uri().path().to_owned();
        let query = req.uri().query().map(str::to_owned);
        match http_body_util::BodyExt::collect(http_body_util::Limited::new(
            req.into_body(),
            MAX_BODY_BYTES,
        ))
        .await
        {
            Ok(body) => {
                admin
                    .answer(AdminRequest {
                        method: method.clone(),
                        path,
                        query,
                        token,
                        content_type,
                        body: body.to_bytes(),
                    })
                    .await
            }
            Err(e)
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some() =>
            {
                too_large.response()
            }
            Err(e) => ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("the body could not be read: {e}"),
            )
            .response(),
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(X_REQUEST_ID, v);
    }
    if method == Method::HEAD {
        response = without_body(response);
    }
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.record(route_name, "none", status, elapsed);
    tracing::info!(
        request_id = %request_id,
        method = %method,
        route = route_name,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}
