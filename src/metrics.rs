//! Metrics: the counters and latency histograms of one Tessera instance, rendered as Prometheus
//! text (exposition format 0.0.4) at `GET /metrics`.
//!
//! Each `AppState` owns its registry, so several servers in one process (tests, benchmarks)
//! never mix their figures. One short lock per update keeps it simple; an update is a hash
//! lookup by the caller's borrowed labels (no allocation once a series exists) and an add.

use std::fmt::Write;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use hashbrown::{Equivalent, HashMap};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Every metric family: name, type and help text.
const FAMILIES: &[(&str, &str, &str)] = &[
    ("tessera_http_requests_total", "counter", "HTTP requests answered, by method, route template and status."),
    ("tessera_http_request_duration_seconds", "histogram", "Time to answer an HTTP request."),
    ("tessera_logins_started_total", "counter", "Sign-ins started, by method."),
    ("tessera_logins_completed_total", "counter", "Sign-ins completed, by method."),
    ("tessera_logins_failed_total", "counter", "Sign-in attempts refused, by method and reason."),
    ("tessera_codes_sent_total", "counter", "One-time codes sent, by channel."),
    ("tessera_rate_limited_total", "counter", "Requests refused by a rate limit, by limit."),
    ("tessera_tokens_issued_total", "counter", "Token responses issued, by grant type."),
    ("tessera_store_duration_seconds", "histogram", "Time of one store operation, by store, backend and operation."),
    ("tessera_store_errors_total", "counter", "Store operations that failed, by store and backend."),
    ("tessera_audit_events_total", "counter", "Audit events recorded, by kind."),
    ("tessera_webhook_deliveries_total", "counter", "Audit webhook delivery attempts, by outcome."),
    (
        "tessera_sms_daily_cap",
        "gauge",
        "Texts this deployment may send per UTC day (sms.daily_cap), for alerting near it.",
    ),
];

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    name: &'static str,
    labels: Vec<(&'static str, String)>,
}

/// A series as callers name it, borrowed.
struct Lookup<'a> {
    name: &'static str,
    labels: &'a [(&'static str, &'a str)],
}

fn hash_series<'a, H: Hasher>(name: &str, labels: impl Iterator<Item = (&'a str, &'a str)>, state: &mut H) {
    name.hash(state);
    for (k, v) in labels {
        k.hash(state);
        v.hash(state);
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_series(self.name, self.labels.iter().map(|(k, v)| (*k, v.as_str())), state);
    }
}

impl Hash for Lookup<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_series(self.name, self.labels.iter().map(|(k, v)| (*k, *v)), state);
    }
}

impl Equivalent<Key> for Lookup<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.name == key.name
            && self.labels.len() == key.labels.len()
            && self.labels.iter().zip(&key.labels).all(|((a, b), (c, d))| a == c && b == d)
    }
}

impl From<&Lookup<'_>> for Key {
    fn from(l: &Lookup<'_>) -> Key {
        Key { name: l.name, labels: l.labels.iter().map(|(k, v)| (*k, (*v).to_owned())).collect() }
    }
}

enum Value {
    Counter(u64),
    Gauge(f64),
    Histogram { buckets: [u64; BUCKETS.len()], sum: f64, count: u64 },
}

/// The registry of one instance.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<HashMap<Key, Value>>,
}

fn counter_in(series: &mut HashMap<Key, Value>, name: &'static str, labels: &[(&'static str, &str)]) {
    if let Value::Counter(n) = series.entry_ref(&Lookup { name, labels }).or_insert(Value::Counter(0)) {
        *n += 1;
    }
}

fn histogram_in(series: &mut HashMap<Key, Value>, name: &'static str, labels: &[(&'static str, &str)], at: Duration) {
    let empty = Value::Histogram { buckets: [0; BUCKETS.len()], sum: 0.0, count: 0 };
    if let Value::Histogram { buckets, sum, count } = series.entry_ref(&Lookup { name, labels }).or_insert(empty) {
        let seconds = at.as_secs_f64();
        // Buckets are stored non-cumulative and summed when rendered.
        if let Some(i) = BUCKETS.iter().position(|upper| seconds <= *upper) {
            buckets[i] += 1;
        }
        *sum += seconds;
        *count += 1;
    }
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Value>> {
        self.series.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds one to a counter.
    pub fn inc(&self, name: &'static str, labels: &[(&'static str, &str)]) {
        counter_in(&mut self.lock(), name, labels);
    }

    /// Records one duration in a histogram.
    pub fn observe(&self, name: &'static str, labels: &[(&'static str, &str)], elapsed: Duration) {
        histogram_in(&mut self.lock(), name, labels, elapsed);
    }

    /// Sets a gauge: a figure such as a configured limit that alert rules compare counters with.
    pub fn set(&self, name: &'static str, labels: &[(&'static str, &str)], value: f64) {
        self.lock().insert(Key::from(&Lookup { name, labels }), Value::Gauge(value));
    }

    /// One answered HTTP request: its counter and its latency, under one lock.
    pub fn request(&self, labels: &[(&'static str, &str)], elapsed: Duration) {
        let mut series = self.lock();
        counter_in(&mut series, "tessera_http_requests_total", labels);
        histogram_in(&mut series, "tessera_http_request_duration_seconds", labels, elapsed);
    }

    /// The current value of a counter (0 when it was never incremented).
    pub fn counter(&self, name: &'static str, labels: &[(&'static str, &str)]) -> u64 {
        match self.lock().get(&Lookup { name, labels }) {
            Some(Value::Counter(n)) => *n,
            _ => 0,
        }
    }

    /// Prometheus text exposition of every series, grouped by family.
    pub fn render(&self) -> String {
        let series = self.lock();
        let mut ordered: Vec<(&Key, &Value)> = series.iter().collect();
        ordered.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut out = String::with_capacity(4096);
        let mut family = "";
        for (key, value) in ordered {
            if key.name != family {
                family = key.name;
                if let Some((_, kind, help)) = FAMILIES.iter().find(|(n, _, _)| *n == family) {
                    let _ = writeln!(out, "# HELP {family} {help}\n# TYPE {family} {kind}");
                }
            }
            match value {
                Value::Counter(n) => {
                    let _ = writeln!(out, "{}{} {n}", key.name, labels_text(&key.labels, None));
                }
                Value::Gauge(v) => {
                    let _ = writeln!(out, "{}{} {v}", key.name, labels_text(&key.labels, None));
                }
                Value::Histogram { buckets, sum, count } => {
                    let mut cumulative = 0;
                    for (upper, n) in BUCKETS.iter().zip(buckets) {
                        cumulative += n;
                        let le = upper.to_string();
                        let _ =
                            writeln!(out, "{}_bucket{} {cumulative}", key.name, labels_text(&key.labels, Some(&le)));
                    }
                    let _ = writeln!(out, "{}_bucket{} {count}", key.name, labels_text(&key.labels, Some("+Inf")));
                    let _ = writeln!(out, "{}_sum{} {sum}", key.name, labels_text(&key.labels, None));
                    let _ = writeln!(out, "{}_count{} {count}", key.name, labels_text(&key.labels, None));
                }
            }
        }
        out
    }
}

fn labels_text(labels: &[(&'static str, String)], le: Option<&str>) -> String {
    let mut parts: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
    if let Some(le) = le {
        parts.push(format!("le=\"{le}\""));
    }
    if parts.is_empty() { String::new() } else { format!("{{{}}}", parts.join(",")) }
}

/// Label values escape backslash, double quote and newline.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// A request method as a label: the methods of RFC 9110 §9 and PATCH by name, anything else
/// as `other`, so a client cannot grow the series with made-up methods.
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::CONNECT,
        Method::OPTIONS,
        Method::TRACE,
        Method::PATCH,
    ];
    KNOWN.iter().find(|m| *m == method).map_or("other", |m| m.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_with_help_type_and_labels() {
        let m = Metrics::default();
        m.inc("tessera_codes_sent_total", &[("channel", "email")]);
        m.inc("tessera_codes_sent_total", &[("channel", "email")]);
        let text = m.render();
        assert!(text.contains("# TYPE tessera_codes_sent_total counter"), "{text}");
        assert!(text.contains("tessera_codes_sent_total{channel=\"email\"} 2"), "{text}");
        assert_eq!(m.counter("tessera_codes_sent_total", &[("channel", "email")]), 2);
        assert_eq!(m.counter("tessera_codes_sent_total", &[("channel", "sms")]), 0);
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_end_at_the_count() {
        let m = Metrics::default();
        let labels = [("route", "/token")];
        m.observe("tessera_http_request_duration_seconds", &labels, Duration::from_micros(300));
        m.observe("tessera_http_request_duration_seconds", &labels, Duration::from_millis(7));
        m.observe("tessera_http_request_duration_seconds", &labels, Duration::from_secs(60));
        let text = m.render();
        assert!(text.contains("_bucket{route=\"/token\",le=\"0.0005\"} 1"), "{text}");
        assert!(text.contains("_bucket{route=\"/token\",le=\"0.01\"} 2"), "{text}");
        assert!(text.contains("_bucket{route=\"/token\",le=\"10\"} 2"), "{text}");
        assert!(text.contains("_bucket{route=\"/token\",le=\"+Inf\"} 3"), "{text}");
        assert!(text.contains("tessera_http_request_duration_seconds_count{route=\"/token\"} 3"), "{text}");
    }

    #[test]
    fn a_gauge_holds_the_last_value_set() {
        let m = Metrics::default();
        m.set("tessera_sms_daily_cap", &[], 1000.0);
        m.set("tessera_sms_daily_cap", &[], 250.0);
        let text = m.render();
        assert!(text.contains("# TYPE tessera_sms_daily_cap gauge"), "{text}");
        assert!(text.contains("\ntessera_sms_daily_cap 250\n"), "{text}");
    }

    #[test]
    fn label_values_are_escaped() {
        let m = Metrics::default();
        m.inc("tessera_rate_limited_total", &[("limit", "a\"b\\c\nd")]);
        assert!(m.render().contains(r#"{limit="a\"b\\c\nd"}"#));
    }
}
