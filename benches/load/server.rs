//! The server under test: the release `tessera` binary in a folder of its own, its start-up time,
//! and its CPU time and resident memory read from /proc.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    /// Starts `binary serve` in `dir` with `config`, and waits until `/readyz` answers 200.
    pub async fn start(binary: &Path, dir: &Path, config: &Path, port: u16) -> (Server, Duration) {
        let mut command = Command::new(binary);
        command
            .args(["--config", config.to_str().expect("utf-8 path"), "serve"])
            .env("TESSERA_LISTEN", format!("127.0.0.1:{port}"))
            .env("TESSERA_LOG", "warn");
        Self::spawn(command, dir, port, "/readyz").await
    }

    /// Starts `command` in `dir` and waits until `ready_path` answers 200 on `port`.
    pub async fn spawn(mut command: Command, dir: &Path, port: u16, ready_path: &str) -> (Server, Duration) {
        let started = Instant::now();
        let child =
            command.current_dir(dir).stdout(Stdio::null()).stderr(Stdio::inherit()).spawn().expect("the server starts");
        let server = Server { child, base: format!("http://127.0.0.1:{port}") };
        let http = crate::load::client();
        loop {
            let request = crate::load::get(&server.url(ready_path)).body(bytes::Bytes::new()).expect("request");
            if let Ok(answer) = crate::load::send(&http, request).await
                && answer.status == 200
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                panic!("the server did not become ready at {ready_path}");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let ready = started.elapsed();
        (server, ready)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// User + system CPU seconds the server has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds_of(&format!("/proc/{}/stat", self.child.id()))
    }

    /// Resident set size in MiB.
    pub fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(0.0)
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// User + system CPU seconds this process (the load generator) has used so far.
pub fn own_cpu_seconds() -> f64 {
    cpu_seconds_of("/proc/self/stat")
}

fn cpu_seconds_of(stat_path: &str) -> f64 {
    let stat = std::fs::read_to_string(stat_path).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11..13).map(|f| f.iter().filter_map(|v| v.parse::<f64>().ok()).sum()).unwrap_or(0.0);
    ticks / 100.0
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("addr").port()
}
