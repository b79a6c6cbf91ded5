//! The signing ceiling: signatures per second with the server's own keys, on every core, and
//! how close `client_credentials` comes to it run by run.

use std::path::Path;
use std::time::{Duration, Instant};

use tessera::domain::keys::KeyRing;
use tessera::model::SigningAlg;

use crate::load::Scenario;
use crate::report::Spread;
use crate::server::Server;
use crate::{Options, Row, measure};

/// How long the ceiling is measured before and after each run.
const AROUND: Duration = Duration::from_secs(2);

/// One algorithm's ceiling and the share of it `client_credentials` reached in each run.
pub struct Ceiling {
    alg: SigningAlg,
    /// Signatures per second, each the mean of the measurements before and after one run.
    rates: Vec<f64>,
    /// Tokens per second over that run's ceiling, per run.
    shares: Vec<f64>,
}

impl Ceiling {
    pub fn print(&self, cores: usize) {
        let rate = Spread::of(self.rates.clone()).median;
        let share = Spread::of(self.shares.iter().map(|s| s * 100.0).collect());
        let spread = if self.shares.len() > 1 {
            format!(" ({:.1}–{:.1} % over {} runs)", share.low, share.high, self.shares.len())
        } else {
            String::new()
        };
        println!(
            "signing ceiling {:<6} {rate:>9.0} signatures/s on {cores} cores; client_credentials reaches {:>5.1} % of it{spread}",
            self.alg.as_str(),
            share.median
        );
    }
}

/// Runs the `client_credentials` scenario `name` once per run of `o`, each between two
/// measurements of the ceiling of `alg` with the server idle. None when `--only` skips it.
pub async fn against_ceiling<S: Scenario>(
    rows: &mut Vec<Row>,
    name: &str,
    server: &Server,
    scenario: &S,
    keys_dir: &Path,
    alg: SigningAlg,
    o: &Options,
) -> Option<Ceiling> {
    if !o.wants(name) {
        return None;
    }
    let once = Options { runs: 1, ..o.clone() };
    let mut ceiling = Ceiling { alg, rates: Vec::new(), shares: Vec::new() };
    for _ in 0..o.runs {
        let before = rate(keys_dir, alg, AROUND);
        measure(rows, name, server, scenario, &once).await;
        let after = rate(keys_dir, alg, AROUND);
        let sigs = (before + after) / 2.0;
        let tokens = rows.last().map_or(0.0, |r| r.stats.rate());
        ceiling.rates.push(sigs);
        ceiling.shares.push(tokens / sigs);
    }
    Some(ceiling)
}

/// Signatures per second for `alg`, one signing thread per core, for `duration`.
pub fn rate(keys_dir: &Path, alg: SigningAlg, duration: Duration) -> f64 {
    let (ring, _) =
        KeyRing::load_dir(keys_dir, false, tessera::clock::Clock::System.now(), 0).expect("the server's keys load");
    let ring = std::sync::Arc::new(ring);
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    // A payload the size of a typical access token's signing input.
    let message = vec![b'x'; 400];
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (ring, message) = (ring.clone(), message.clone());
            std::thread::spawn(move || {
                let key = ring.active(alg);
                let start = Instant::now();
                let mut n = 0u64;
                while start.elapsed() < duration {
                    key.sign(&message).expect("signing works");
                    n += 1;
                }
                n
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    total as f64 / duration.as_secs_f64()
}
