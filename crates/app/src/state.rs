//! What every request handler shares.

use std::sync::Arc;

use domain::SearchService;

use crate::api::AdminRoutes;
use crate::http::cors::Cors;
use crate::metrics::Metrics;

/// What every request handler shares: the search use case over its adapters, and metrics.
pub struct AppState<J, S, C> {
    /// The search use case with its adapters.
    pub search: Arc<SearchService<J, S, C>>,
    /// Metrics registry.
    pub metrics: Metrics,
    /// The admin API and connect routes; `None`: they answer 404.
    pub admin: Option<Arc<dyn AdminRoutes>>,
    /// CORS of the search routes (`CORS_ALLOWED_ORIGINS`); `None`: no CORS header anywhere.
    pub cors: Option<Cors>,
}
