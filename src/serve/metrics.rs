//! `GET /metrics`: the server's numbers in the Prometheus text format. Requests by method, route
//! template and status; their latency by route; reloads by outcome; and the engine version
//! serving (an info metric). Labels come from the route table and status codes only, so they
//! never carry a path, a body or a person field, and their number stays bounded.

use std::sync::Mutex;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The labels of a request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

/// The label of a latency.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

/// The label of a reload.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadLabels {
    outcome: &'static str,
}

/// The label of the engine serving.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EngineLabels {
    version: String,
}

/// The server's metrics, shared by every request.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    reloads: Family<ReloadLabels, Counter>,
    engine: Family<EngineLabels, Gauge>,
    /// The version the `engine` family holds (one series at a time).
    version: Mutex<String>,
}

impl Metrics {
    /// Metrics for a server whose engine is `version`.
    pub fn new(version: &str) -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "groupmatch_http_requests",
            "Requests answered, by method, route template and status",
            requests.clone(),
        );
        // 0.25 ms to about 4 s, doubling.
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_25, 2.0, 15))
        });
        registry.register(
            "groupmatch_http_request_duration_seconds",
            "Time to answer a request, by route template",
            latency.clone(),
        );
        let reloads = Family::<ReloadLabels, Counter>::default();
        registry.register(
            "groupmatch_reloads",
            "Reloads of the directory, model, rules and tokens, by outcome (ok or refused)",
            reloads.clone(),
        );
        let engine = Family::<EngineLabels, Gauge>::default();
        registry.register(
            "groupmatch_engine_info",
            "The engine serving: content hashes of directory, model and rules (value 1)",
            engine.clone(),
        );
        let metrics = Metrics {
            registry,
            requests,
            latency,
            reloads,
            engine,
            version: Mutex::new(String::new()),
        };
        metrics.serving(version);
        metrics
    }

    /// Counts a request answered with `status` after `seconds`.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(seconds);
    }

    /// Counts a reload, and on success names the engine now serving.
    pub fn reload(&self, new_version: Option<&str>) {
        let outcome = if new_version.is_some() {
            "ok"
        } else {
            "refused"
        };
        self.reloads.get_or_create(&ReloadLabels { outcome }).inc();
        if let Some(version) = new_version {
            self.serving(version);
        }
    }

    /// Makes `version` the engine's one series.
    fn serving(&self, version: &str) {
        let mut current = self.version.lock().unwrap_or_else(|e| e.into_inner());
        self.engine.remove(&EngineLabels {
            version: current.clone(),
        });
        self.engine
            .get_or_create(&EngineLabels {
                version: version.to_string(),
            })
            .set(1);
        *current = version.to_string();
    }

    /// The text exposition of every metric.
    pub fn text(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_latency_reloads_and_the_engine_are_exposed() {
        let m = Metrics::new("v1");
        m.request("POST", "/v1/rank", 200, 0.002);
        m.request("POST", "/v1/rank", 200, 0.003);
        m.request("POST", "/v1/rank", 401, 0.0001);
        m.reload(None);
        m.reload(Some("v2"));
        let text = m.text();
        for line in [
            r#"groupmatch_http_requests_total{method="POST",route="/v1/rank",status="200"} 2"#,
            r#"groupmatch_http_requests_total{method="POST",route="/v1/rank",status="401"} 1"#,
            r#"groupmatch_http_request_duration_seconds_count{route="/v1/rank"} 3"#,
            r#"groupmatch_reloads_total{outcome="ok"} 1"#,
            r#"groupmatch_reloads_total{outcome="refused"} 1"#,
            r#"groupmatch_engine_info{version="v2"} 1"#,
        ] {
            assert!(text.contains(line), "{line}\n{text}");
        }
        assert!(
            !text.contains(r#"version="v1""#),
            "one engine series: {text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
