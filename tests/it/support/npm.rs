//! npm packages some tests run (Auth0's SDK, axe-core), installed once into a cache folder
//! outside the clone and reused.

use std::path::PathBuf;
use std::process::Command;

/// `node_modules` holding `spec` (`name@version`), installing it on first use. The install goes
/// to a folder of its own and is published by one rename once complete, so a test running
/// beside it (in this process or another) never finds a half-installed package.
pub fn package(spec: &str) -> PathBuf {
    static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let home = std::env::var("HOME").unwrap_or_else(|_| "/tmp".into());
    let dir = PathBuf::from(std::env::var("XDG_CACHE_HOME").unwrap_or(format!("{home}/.cache")))
        .join("tessera-npm")
        .join(spec.replace(['@', '/'], "-").trim_start_matches('-'));
    let complete = dir.join(".complete");
    let _one_at_a_time = INSTALLING.lock().unwrap_or_else(|p| p.into_inner());
    if !complete.exists() {
        let staging =
            dir.with_extension(format!("installing-{}-{}", std::process::id(), tessera::crypto::random_u64()));
        std::fs::create_dir_all(&staging).unwrap();
        let status = Command::new("npm")
            .args(["install", "--prefix", staging.to_str().unwrap(), "--no-audit", "--no-fund", "--silent", spec])
            .status()
            .unwrap_or_else(|e| panic!("npm is needed to install {spec} for this test ({e})"));
        assert!(status.success(), "npm install {spec} failed");
        std::fs::write(staging.join(".complete"), spec).unwrap();
        if !complete.exists() {
            // An older or interrupted install without the marker is replaced.
            let _ = std::fs::remove_dir_all(&dir);
            if std::fs::rename(&staging, &dir).is_err() {
                assert!(complete.exists(), "could not publish the install of {spec} at {}", dir.display());
            }
        }
        let _ = std::fs::remove_dir_all(&staging);
    }
    dir.join("node_modules")
}
