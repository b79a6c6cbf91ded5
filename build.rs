//! Embeds every catalog in `locales/` (one TOML file per language), so adding a language is
//! adding a file.

use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=locales");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the locales folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Every catalog in `locales/`: (language tag, TOML text).\npub const CATALOGS: &[(&str, &str)] = &[\n",
    );
    // Included relative to the crate being compiled, not by this run's absolute path: a target
    // directory shared by two checkouts of the crate reuses one build-script output for both.
    for path in files {
        let tag = path.file_stem().and_then(|s| s.to_str()).expect("a UTF-8 file name");
        let file = path.file_name().and_then(|s| s.to_str()).expect("a UTF-8 file name");
        let include = format!("concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/locales/{file}\")");
        writeln!(out, "    ({tag:?}, include_str!({include})),").unwrap();
    }
    out.push_str("];\n");
    let target = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("catalogs.rs");
    std::fs::write(target, out).expect("writing catalogs.rs");
}
