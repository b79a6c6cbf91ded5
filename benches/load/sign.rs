//! The signing ceiling: signatures per second with the server's own keys, on every core.

use std::path::Path;
use std::time::{Duration, Instant};

use tessera::domain::keys::KeyRing;
use tessera::model::SigningAlg;

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
