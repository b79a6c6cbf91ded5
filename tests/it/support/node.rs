//! A vendor SDK driven from a Node script: a self-signed localhost certificate for SDKs that
//! only speak https, and the script's stdout read line by line while the test answers on stdin.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use tokio::sync::mpsc::UnboundedReceiver;

/// A certificate and key for `localhost`, valid one day, removed with the value.
pub struct Certs {
    _dir: tempfile::TempDir,
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn localhost_certs() -> Certs {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"])
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success(), "openssl made the test certificate");
    Certs { _dir: dir, cert, key }
}

/// A running script under `tests/it/support/`.
pub struct Script {
    child: Child,
    stdin: ChildStdin,
    lines: UnboundedReceiver<String>,
}

impl Script {
    /// Starts `node tests/it/support/NAME ARGS…` with `modules` on its `NODE_PATH`, trusting `ca`.
    pub fn start(name: &str, args: &[&str], modules: &[PathBuf], ca: Option<&Path>) -> Script {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support").join(name);
        let node_path = std::env::join_paths(modules).unwrap();
        let mut command = Command::new("node");
        command.arg(script).args(args).env("NODE_PATH", node_path);
        if let Some(ca) = ca {
            command.env("NODE_EXTRA_CA_CERTS", ca);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node is needed to run the vendor's SDK");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines_tx.send(line);
            }
        });
        Script { child, stdin, lines }
    }

    /// The next line the script prints (30 s at most).
    pub async fn next(&mut self) -> String {
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), self.lines.recv()).await;
        line.expect("the SDK answers in time").expect("the SDK is still running")
    }

    /// The next line, as JSON.
    pub async fn next_json(&mut self) -> serde_json::Value {
        let line = self.next().await;
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    pub fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
