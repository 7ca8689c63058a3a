//! Prometheus metrics. Labels stay bounded: a route name, a branch, a status code, an
//! integration id, an endpoint template, an adapter: never a query, an org or a user.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use domain::IntegrationId;
use jira_http::{BreakerState, CallOutcome, JiraObserver};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Labels of one served request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route's fixed name (`search_server`, `healthz`...).
    pub route: &'static str,
    /// The search branch (`users`, `issues`, `projects`, `autocomplete`), or `none`.
    pub branch: &'static str,
    /// The HTTP status code.
    pub status: u16,
}

/// Labels of a request the HTTP layer refused before routing it.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RejectedLabels {
    /// `malformed` (400), `too_large` (431) or `header_timeout` (closed, no answer).
    pub reason: &'static str,
}

/// Labels of the request-duration histogram.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The route's fixed name.
    pub route: &'static str,
    /// The search branch, or `none`.
    pub branch: &'static str,
}

/// Labels of one Jira call.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JiraCallLabels {
    /// The integration id.
    pub integration: i64,
    /// The path template, e.g. `/rest/api/2/project/{id}`.
    pub endpoint: String,
    /// The HTTP status, or `timeout`, `unreachable`, `breaker_open`...
    pub status: String,
}

/// Labels of per-endpoint Jira metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JiraEndpointLabels {
    /// The integration id.
    pub integration: i64,
    /// The path template.
    pub endpoint: String,
}

/// Labels of per-integration metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IntegrationLabels {
    /// The integration id.
    pub integration: i64,
}

/// Labels of an outcome per integration.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IntegrationOutcomeLabels {
    /// The integration id.
    pub integration: i64,
    /// `ok` / `error`, or a breaker state.
    pub outcome: &'static str,
}

/// Reads the cache adapter's state at scrape time.
pub type CacheStatsFn = Arc<dyn Fn() -> (&'static str, domain::CacheStats) + Send + Sync>;

fn latency_buckets() -> Histogram {
    Histogram::new([
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ])
}

/// The Jira side of the metrics; given to the Jira client as its observer.
#[derive(Debug)]
pub struct JiraMetrics {
    calls: Family<JiraCallLabels, Counter>,
    duration: Family<JiraEndpointLabels, Histogram, fn() -> Histogram>,
    retries: Family<JiraEndpointLabels, Counter>,
    renewals: Family<IntegrationOutcomeLabels, Counter>,
    breaker_open: Family<IntegrationLabels, Gauge>,
    breaker_transitions: Family<IntegrationOutcomeLabels, Counter>,
}

impl Default for JiraMetrics {
    fn default() -> Self {
        Self {
            calls: Family::default(),
            duration: Family::new_with_constructor(latency_buckets),
            retries: Family::default(),
            renewals: Family::default(),
            breaker_open: Family::default(),
            breaker_transitions: Family::default(),
        }
    }
}

impl JiraObserver for JiraMetrics {
    fn call_finished(
        &self,
        integration: IntegrationId,
        endpoint: &str,
        outcome: CallOutcome,
        elapsed: Duration,
    ) {
        self.calls
            .get_or_create(&JiraCallLabels {
                integration: integration.0,
                endpoint: endpoint.to_owned(),
                status: outcome.label().into_owned(),
            })
            .inc();
        // A call Jira never saw has no latency worth recording.
        if !matches!(
            outcome,
            CallOutcome::BreakerOpen | CallOutcome::QueueTimeout
        ) {
            self.duration
                .get_or_create(&JiraEndpointLabels {
                    integration: integration.0,
                    endpoint: endpoint.to_owned(),
                })
                .observe(elapsed.as_secs_f64());
        }
    }

    fn retried(&self, integration: IntegrationId, endpoint: &str) {
        self.retries
            .get_or_create(&JiraEndpointLabels {
                integration: integration.0,
                endpoint: endpoint.to_owned(),
            })
            .inc();
    }

    fn token_renewed(&self, integration: IntegrationId, ok: bool) {
        self.renewals
            .get_or_create(&IntegrationOutcomeLabels {
                integration: integration.0,
                outcome: if ok { "ok" } else { "error" },
            })
            .inc();
    }

    fn breaker_changed(&self, integration: IntegrationId, state: BreakerState) {
        let labels = IntegrationLabels {
            integration: integration.0,
        };
        self.breaker_open
            .get_or_create(&labels)
            .set(i64::from(state != BreakerState::Closed));
        self.breaker_transitions
            .get_or_create(&IntegrationOutcomeLabels {
                integration: integration.0,
                outcome: state.name(),
            })
            .inc();
    }
}

/// The service's metrics and their registry.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    duration: Family<RouteLabels, Histogram>,
    in_flight: Gauge,
    connections: Gauge,
    rejected: Family<RejectedLabels, Counter>,
    jira: Arc<JiraMetrics>,
    cache: Arc<OnceLock<CacheStatsFn>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric. The cache's counters appear once [`Metrics::watch_cache`]
    /// says where to read them.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("jira_search");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests served, by route, search branch and status",
            requests.clone(),
        );
        let duration = Family::<RouteLabels, Histogram>::new_with_constructor(latency_buckets);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route and search branch",
            duration.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being answered",
            in_flight.clone(),
        );
        let connections = Gauge::default();
        registry.register(
            "http_connections_open",
            "Client connections open (capped by MAX_CONNECTIONS)",
            connections.clone(),
        );
        let rejected = Family::<RejectedLabels, Counter>::default();
        registry.register(
            "http_rejected",
            "Requests refused by the HTTP layer before routing, by reason (malformed: 400, too_large: 431, header_timeout: no complete request head in time, connection closed)",
            rejected.clone(),
        );
        let jira = Arc::new(JiraMetrics::default());
        registry.register(
            "jira_requests",
            "Calls to Jira by integration, endpoint template and status (an HTTP status, timeout, unreachable, invalid_body, config, breaker_open or queue_timeout)",
            jira.calls.clone(),
        );
        registry.register(
            "jira_request_duration_seconds",
            "Time of a call to Jira (retries included), by integration and endpoint template",
            jira.duration.clone(),
        );
        registry.register(
            "jira_retries",
            "Calls to Jira retried after a 429 or 503 that said when to come back",
            jira.retries.clone(),
        );
        registry.register(
            "jira_token_renewals",
            "OAuth 2.0 access-token renewals by integration and outcome (ok, error)",
            jira.renewals.clone(),
        );
        registry.register(
            "jira_breaker_open",
            "1 while an integration's breaker is open or probing, else 0",
            jira.breaker_open.clone(),
        );
        registry.register(
            "jira_breaker_transitions",
            "Breaker state changes by integration and new state (open, half_open, closed)",
            jira.breaker_transitions.clone(),
        );
        let cache = Arc::new(OnceLock::new());
        registry.register_collector(Box::new(CacheCollector(cache.clone())));
        Self {
            registry,
            requests,
            duration,
            in_flight,
            connections,
            rejected,
            jira,
            cache,
        }
    }

    /// Where each scrape reads the cache adapter's name and counters. The first call wins.
    pub fn watch_cache(&self, read: CacheStatsFn) {
        let _ = self.cache.set(read);
    }

    /// The observer to give the Jira client.
    pub fn jira(&self) -> Arc<JiraMetrics> {
        self.jira.clone()
    }

    /// Counts a request as started; the guard counts it as finished when dropped.
    pub fn start(&self) -> GaugeGuard {
        GaugeGuard::inc(&self.in_flight)
    }

    /// Counts a connection as open until the guard is dropped.
    pub fn connection(&self) -> GaugeGuard {
        GaugeGuard::inc(&self.connections)
    }

    /// Counts a request the HTTP layer refused before routing it.
    pub fn rejected(&self, reason: &'static str) {
        self.rejected
            .get_or_create(&RejectedLabels { reason })
            .inc();
    }

    /// Records one answered request.
    pub fn record(
        &self,
        route: &'static str,
        branch: &'static str,
        status: u16,
        elapsed: Duration,
    ) {
        self.requests
            .get_or_create(&RequestLabels {
                route,
                branch,
                status,
            })
            .inc();
        self.duration
            .get_or_create(&RouteLabels { route, branch })
            .observe(elapsed.as_secs_f64());
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> Result<String, fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// Decrements a gauge when dropped, however the request or connection ends.
pub struct GaugeGuard(Gauge);

impl GaugeGuard {
    fn inc(gauge: &Gauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Reads the cache adapter's counters on each scrape, once the service is wired
/// ([`Metrics::watch_cache`]); before that it reports nothing.
struct CacheCollector(Arc<OnceLock<CacheStatsFn>>);

impl fmt::Debug for CacheCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CacheCollector")
    }
}

impl Collector for CacheCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let Some(read) = self.0.get() else {
            return Ok(());
        };
        let (adapter, stats) = read();
        let mut metric = encoder.encode_descriptor(
            "cache_operations",
            "Cache operations by adapter and outcome (hit, miss, error; errors include writes and calls skipped while the breaker is open)",
            None,
            prometheus_client::metrics::MetricType::Counter,
        )?;
        for (outcome, n) in [
            ("hit", stats.hits),
            ("miss", stats.misses),
            ("error", stats.errors),
        ] {
            let labels = [("adapter", adapter), ("outcome", outcome)];
            ConstCounter::new(n).encode(metric.encode_family(&labels)?)?;
        }
        let mut metric = encoder.encode_descriptor(
            "cache_breaker_open",
            "1 while the cache's breaker is open (Redis did not answer; the cache is bypassed), else 0",
            None,
            prometheus_client::metrics::MetricType::Gauge,
        )?;
        let labels = [("adapter", adapter)];
        ConstGauge::new(i64::from(stats.breaker_open)).encode(metric.encode_family(&labels)?)?;
        Ok(())
    }
}
