//! The load generator: a fixed number of workers, each repeating one scenario step as fast as
//! the server answers, on one thread so it takes at most one core from the server.

use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub type Http = Client<HttpConnector, Full<Bytes>>;

pub fn client() -> Http {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new()).pool_max_idle_per_host(1024).build(connector)
}

/// A finished response: status, the `location` header if any, cookies set, and the body.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub cookies: Vec<String>,
    pub body: Bytes,
}

pub async fn send(http: &Http, request: Request<Full<Bytes>>) -> Result<Answer, String> {
    let response: hyper::Response<Incoming> = http.request(request).await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_owned);
    let cookies = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect();
    let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok(Answer { status, location, cookies, body })
}

pub fn get(url: &str) -> hyper::http::request::Builder {
    Request::get(url)
}

pub fn post_form(url: &str, body: String) -> Request<Full<Bytes>> {
    Request::post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(body)))
        .expect("a valid request")
}

/// What one run measured.
pub struct Stats {
    pub ops: u64,
    pub errors: u64,
    pub seconds: f64,
    latencies_us: Vec<u32>,
}

impl Stats {
    pub fn rate(&self) -> f64 {
        self.ops as f64 / self.seconds
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies_us.len() - 1) as f64 * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
}

/// Something a worker repeats: `step` performs one operation (a request, or a whole flow).
pub trait Scenario {
    type Worker;
    fn worker(&self, index: usize) -> impl Future<Output = Self::Worker>;
    fn step(&self, worker: &mut Self::Worker) -> impl Future<Output = Result<(), String>>;
}

/// Runs `scenario` with `concurrency` workers: `warmup` unmeasured, then `duration` measured.
pub async fn run<S: Scenario>(scenario: &S, concurrency: usize, warmup: Duration, duration: Duration) -> Stats {
    let mut workers = Vec::with_capacity(concurrency);
    for i in 0..concurrency {
        workers.push(scenario.worker(i).await);
    }
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let results = futures::future::join_all(workers.into_iter().map(|mut w| async move {
        let (mut ops, mut errors, mut lat) = (0u64, 0u64, Vec::with_capacity(16_384));
        loop {
            let t0 = Instant::now();
            if t0 >= end {
                break;
            }
            let outcome = scenario.step(&mut w).await;
            if t0 >= measure_from {
                match outcome {
                    Ok(()) => {
                        ops += 1;
                        lat.push(t0.elapsed().as_micros().min(u32::MAX as u128) as u32);
                    }
                    Err(_) => errors += 1,
                }
            }
        }
        (ops, errors, lat)
    }))
    .await;
    let mut stats = Stats { ops: 0, errors: 0, seconds: duration.as_secs_f64(), latencies_us: Vec::new() };
    for (ops, errors, lat) in results {
        stats.ops += ops;
        stats.errors += errors;
        stats.latencies_us.extend(lat);
    }
    stats.latencies_us.sort_unstable();
    stats
}
