//! The import benchmark: `cargo bench --bench import [-- --users N]`.
//!
//! Writes N NDJSON users (100,000 by default), each with a verified email, metadata and one
//! passkey, then runs `tessera users import` on them into a fresh SQLite directory, and prints
//! users per second and the importer's peak memory (VmHWM). It imports a tenth as many first:
//! with memory flat, both peaks are about the same.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// An ES256 COSE public key: the P-256 base point (SEC 2 §2.4.2).
fn cose_key() -> String {
    use serde_cbor_2::Value as Cbor;
    let int = |i: i64| Cbor::Integer(i.into());
    let map = BTreeMap::from([
        (int(1), int(2)),
        (int(3), int(-7)),
        (int(-1), int(1)),
        (int(-2), Cbor::Bytes(hex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"))),
        (int(-3), Cbor::Bytes(hex("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"))),
    ]);
    tessera::crypto::b64url(&serde_cbor_2::to_vec(&Cbor::Map(map)).expect("CBOR"))
}

fn generate(path: &Path, users: u64) {
    let key = cose_key();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("the input file"));
    for i in 0..users {
        let line = serde_json::json!({
            "external_id": format!("bench-{i}"), "email": format!("user{i}@example.com"), "email_verified": true,
            "metadata": {"n": i, "plan": "pro"},
            "passkeys": [{"credential_id": tessera::crypto::b64url(format!("bench-cred-{i}").as_bytes()),
                "public_key": key, "sign_count": 3, "transports": ["internal"], "backup_eligible": true,
                "backup_state": true, "name": "Phone"}],
        });
        writeln!(out, "{line}").expect("writing the input");
    }
    out.flush().expect("writing the input");
}

/// Peak resident memory of a running process, in MiB.
fn peak_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse::<f64>();
    kb.ok().map(|kb| kb / 1024.0)
}

/// Imports `users` generated users; (users per second, peak MiB).
fn run(dir: &Path, users: u64) -> (f64, f64) {
    let input = dir.join(format!("users-{users}.ndjson"));
    generate(&input, users);
    let db = format!("sqlite://{}", dir.join(format!("import-{users}.db")).display());
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["users", "import", input.to_str().expect("a UTF-8 path")])
        .env("TESSERA_DIRECTORY__URL", &db)
        .env_remove("TESSERA_CONFIG")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("tessera starts");
    let mut peak: f64 = 0.0;
    while child.try_wait().expect("waiting").is_none() {
        peak = peak.max(peak_mib(child.id()).unwrap_or(0.0));
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let output = child.wait_with_output().expect("the report");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the import failed: {report}");
    assert!(report.contains(&format!("{users} created, 0 existing, 0 failed")), "{report}");
    (users as f64 / elapsed, peak)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let users = match args.iter().position(|a| a == "--users") {
        Some(i) => args.get(i + 1).and_then(|n| n.parse().ok()).expect("--users N"),
        None => 100_000,
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    println!("importing users with one passkey each into SQLite (synchronous = FULL, one transaction per user)");
    for n in [users / 10, users] {
        let (rate, peak) = run(dir.path(), n);
        println!("{n:>9} users: {rate:>8.0} users/s, {:>6.1} s, peak RSS {peak:.1} MiB", n as f64 / rate);
    }
}
