//! The load generator: a fixed number of workers, each repeating one scenario step as fast as
//! the server answers, on one thread so it takes at most one core from the server.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use hyper::Request;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A lean HTTP/1.1 client with keep-alive connections: it writes the request and reads the
/// response by `Content-Length` (or chunks) and nothing more, so it costs the machine far less
/// than a general-purpose client and leaves the cores to the server under test.
#[derive(Clone, Default)]
pub struct Http {
    idle: Arc<Mutex<HashMap<String, Vec<TcpStream>>>>,
}

pub fn client() -> Http {
    Http::default()
}

/// A finished response: status, the `location` header if any, cookies set, and the body.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub cookies: Vec<String>,
    pub body: Bytes,
}

/// A request written out once, ready to be sent again and again: what a scenario repeats
/// without variation (a GET, a `client_credentials` POST) costs the generator no formatting.
pub struct Prepared {
    authority: String,
    wire: Bytes,
}

impl Prepared {
    pub fn new(request: &Request<Bytes>) -> Result<Prepared, String> {
        let authority = request.uri().authority().map(|a| a.to_string()).ok_or("no host in the URL")?;
        let path = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let mut wire = Vec::with_capacity(512 + request.body().len());
        wire.extend_from_slice(format!("{} {path} HTTP/1.1\r\nhost: {authority}\r\n", request.method()).as_bytes());
        for (name, value) in request.headers() {
            wire.extend_from_slice(name.as_str().as_bytes());
            wire.extend_from_slice(b": ");
            wire.extend_from_slice(value.as_bytes());
            wire.extend_from_slice(b"\r\n");
        }
        if request.method() != hyper::Method::GET {
            wire.extend_from_slice(format!("content-length: {}\r\n", request.body().len()).as_bytes());
        }
        wire.extend_from_slice(b"\r\n");
        wire.extend_from_slice(request.body());
        Ok(Prepared { authority, wire: Bytes::from(wire) })
    }
}

pub async fn send(http: &Http, request: Request<Bytes>) -> Result<Answer, String> {
    send_prepared(http, &Prepared::new(&request)?).await
}

pub async fn send_prepared(http: &Http, request: &Prepared) -> Result<Answer, String> {
    let authority = request.authority.as_str();
    let pooled = http.idle.lock().map_err(|_| "pool")?.get_mut(authority).and_then(Vec::pop);
    if let Some(stream) = pooled
        && let Ok(answer) = exchange(http, authority, stream, &request.wire).await
    {
        return Ok(answer);
    }
    // A new connection (also when a kept-alive one had been closed by the server).
    let stream = TcpStream::connect(authority).await.map_err(|e| e.to_string())?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    exchange(http, authority, stream, &request.wire).await
}

async fn exchange(http: &Http, authority: &str, mut stream: TcpStream, wire: &[u8]) -> Result<Answer, String> {
    stream.write_all(wire).await.map_err(|e| e.to_string())?;
    let mut buf = Vec::with_capacity(4096);
    let mut searched = 0;
    let head_end = loop {
        if let Some(i) = buf[searched..].windows(4).position(|w| w == b"\r\n\r\n") {
            break searched + i + 4;
        }
        searched = buf.len().saturating_sub(3);
        if read_more(&mut stream, &mut buf).await? == 0 {
            return Err("connection closed".into());
        }
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| "bad response head")?;
    let mut lines = head.split("\r\n");
    let status: u16 =
        lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).ok_or("bad status")?;
    let (mut length, mut chunked, mut close, mut location, mut cookies) = (0usize, false, false, None, Vec::new());
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().map_err(|_| "bad content-length")?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        } else if name.eq_ignore_ascii_case("location") {
            location = Some(value.to_string());
        } else if name.eq_ignore_ascii_case("set-cookie") {
            cookies.extend(value.split(';').next().map(str::to_owned));
        }
    }
    let body = if chunked {
        Bytes::from(dechunk(&mut stream, buf.split_off(head_end)).await?)
    } else {
        while buf.len() < head_end + length {
            if read_more(&mut stream, &mut buf).await? == 0 {
                return Err("connection closed in the body".into());
            }
        }
        Bytes::from(buf).slice(head_end..head_end + length)
    };
    if !close {
        let mut idle = http.idle.lock().map_err(|_| "pool")?;
        match idle.get_mut(authority) {
            Some(streams) => streams.push(stream),
            None => drop(idle.insert(authority.to_string(), vec![stream])),
        }
    }
    Ok(Answer { status, location, cookies, body })
}

/// Reads what has arrived straight into the spare capacity of `buf`.
async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<usize, String> {
    buf.reserve(4096);
    stream.read_buf(buf).await.map_err(|e| e.to_string())
}

/// Reads a chunked body (RFC 9112 §7.1) that starts with the bytes in `data`.
async fn dechunk(stream: &mut TcpStream, mut data: Vec<u8>) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(i) = data.windows(2).position(|w| w == b"\r\n") {
                break i;
            }
            if read_more(stream, &mut data).await? == 0 {
                return Err("connection closed in a chunk".into());
            }
        };
        let size_text = std::str::from_utf8(&data[..line_end]).map_err(|_| "bad chunk")?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| "bad chunk size")?;
        while data.len() < line_end + 2 + size + 2 {
            if read_more(stream, &mut data).await? == 0 {
                return Err("connection closed in a chunk".into());
            }
        }
        body.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data.drain(..line_end + 2 + size + 2);
        if size == 0 {
            return Ok(body);
        }
    }
}

pub fn get(url: &str) -> hyper::http::request::Builder {
    Request::get(url)
}

pub fn post_form(url: &str, body: String) -> Request<Bytes> {
    Request::post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Bytes::from(body))
        .expect("a valid request")
}

/// What one run measured.
pub struct Stats {
    pub ops: u64,
    pub errors: u64,
    pub seconds: f64,
    latencies_us: Vec<u32>,
    /// What the first failed operation said, to show why a scenario failed.
    pub first_error: Option<String>,
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
    // Only the workers whose connection woke are polled (`join_all` would poll all of them).
    let results: Vec<_> = workers
        .into_iter()
        .map(|mut w| async move {
            let (mut ops, mut errors, mut lat) = (0u64, 0u64, Vec::with_capacity(16_384));
            let mut first_error = None;
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
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert(e);
                        }
                    }
                }
            }
            (ops, errors, lat, first_error)
        })
        .collect::<futures::stream::FuturesUnordered<_>>()
        .collect()
        .await;
    let mut stats =
        Stats { ops: 0, errors: 0, seconds: duration.as_secs_f64(), latencies_us: Vec::new(), first_error: None };
    for (ops, errors, lat, first_error) in results {
        stats.first_error = stats.first_error.or(first_error);
        stats.ops += ops;
        stats.errors += errors;
        stats.latencies_us.extend(lat);
    }
    stats.latencies_us.sort_unstable();
    stats
}
