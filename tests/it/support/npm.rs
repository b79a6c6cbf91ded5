//! npm packages some tests run (Auth0's SDK, axe-core), installed once into a cache folder
//! outside the clone and reused.

use std::path::PathBuf;
use std::process::Command;

/// `node_modules` holding `spec` (`name@version`), installing it on first use.
pub fn package(spec: &str) -> PathBuf {
    let name = spec.rsplit_once('@').map_or(spec, |(n, _)| n);
    let home = std::env::var("HOME").unwrap_or_else(|_| "/tmp".into());
    let dir = PathBuf::from(std::env::var("XDG_CACHE_HOME").unwrap_or(format!("{home}/.cache")))
        .join("tessera-npm")
        .join(spec.replace(['@', '/'], "-").trim_start_matches('-'));
    if !dir.join("node_modules").join(name).join("package.json").exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let status = Command::new("npm")
            .args(["install", "--prefix", dir.to_str().unwrap(), "--no-audit", "--no-fund", "--silent", spec])
            .status()
            .unwrap_or_else(|e| panic!("npm is needed to install {spec} for this test ({e})"));
        assert!(status.success(), "npm install {spec} failed");
    }
    dir.join("node_modules")
}
