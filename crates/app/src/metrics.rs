//! Prometheus metrics. Labels stay bounded: a route name, a status code, an adapter: never
//! a query, an org or a user.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Labels of one served request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route's fixed name (`search_server`, `healthz`...).
    pub route: &'static str,
    /// The HTTP status code.
    pub status: u16,
}

/// Labels of a per-route histogram.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The route's fixed name.
    pub route: &'static str,
}

/// Reads the cache adapter's counters at scrape time: `(adapter, hits, misses, errors)`.
pub type CacheStatsFn = Arc<dyn Fn() -> (&'static str, u64, u64, u64) + Send + Sync>;

/// The service's metrics and their registry.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    duration: Family<RouteLabels, Histogram>,
    in_flight: Gauge,
}

impl Metrics {
    /// Registers every metric. `cache_stats` is read on each scrape.
    pub fn new(cache_stats: CacheStatsFn) -> Self {
        let mut registry = Registry::with_prefix("jira_search");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests served, by route and status",
            requests.clone(),
        );
        let duration = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
        });
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            duration.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being answered",
            in_flight.clone(),
        );
        registry.register_collector(Box::new(CacheCollector(cache_stats)));
        Self {
            registry,
            requests,
            duration,
            in_flight,
        }
    }

    /// Counts a request as started; the guard counts it as finished when dropped.
    pub fn start(&self) -> InFlight {
        self.in_flight.inc();
        InFlight(self.in_flight.clone())
    }

    /// Records one answered request.
    pub fn record(&self, route: &'static str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels { route, status })
            .inc();
        self.duration
            .get_or_create(&RouteLabels { route })
            .observe(elapsed.as_secs_f64());
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> Result<String, fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// Decrements the in-flight gauge when a request ends, however it ends.
pub struct InFlight(Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

struct CacheCollector(CacheStatsFn);

impl fmt::Debug for CacheCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CacheCollector")
    }
}

impl Collector for CacheCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), fmt::Error> {
        let (adapter, hits, misses, errors) = (self.0)();
        let mut metric = encoder.encode_descriptor(
            "cache_operations",
            "Cache reads by adapter and outcome (hit, miss, error)",
            None,
            prometheus_client::metrics::MetricType::Counter,
        )?;
        for (outcome, n) in [("hit", hits), ("miss", misses), ("error", errors)] {
            let labels = [("adapter", adapter), ("outcome", outcome)];
            ConstCounter::new(n).encode(metric.encode_family(&labels)?)?;
        }
        Ok(())
    }
}
