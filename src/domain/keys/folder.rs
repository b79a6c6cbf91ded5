//! The keys folder on disk: PEM files, their schedule in `keys.toml`, the server secret, and the
//! operations `tessera keys` performs on them (generate, rotate, retire).

use std::path::Path;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::domain::keys::{KeyError, KeyRing, SigningKey};
use crate::model::SigningAlg;

/// One key's schedule, as recorded in `keys.toml` beside the key files. Keys without an entry
/// (placed there by an operator) are active from the start and never retired.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    pub file: String,
    pub alg: String,
    pub kid: String,
    /// Unix seconds.
    pub created: i64,
    /// When it starts signing.
    pub activates: i64,
    /// When an operator retired it (`tessera keys retire`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired: Option<i64>,
    /// Made by a dev-mode start; refused in production.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
}

/// `keys.toml`: the schedule of every key file and where the server secret came from.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev_secret: bool,
    #[serde(default, rename = "key")]
    pub keys: Vec<KeyEntry>,
}

pub const MANIFEST: &str = "keys.toml";

impl Manifest {
    pub fn read(dir: &Path) -> Result<Self, KeyError> {
        let path = dir.join(MANIFEST);
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| KeyError(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(e) => Err(KeyError(format!("cannot read {}: {e}", path.display()))),
        }
    }

    /// Replaces the file atomically (write aside, then rename), so a reader never sees half of it.
    pub fn write(&self, dir: &Path) -> Result<(), KeyError> {
        let text = toml::to_string(self).map_err(|e| KeyError(e.to_string()))?;
        let text = format!(
            "# Tessera signing keys and their schedule, kept by `tessera keys`. Times are Unix seconds.\n\n{text}"
        );
        let tmp = dir.join(format!(".{MANIFEST}.tmp"));
        let _ = std::fs::remove_file(&tmp);
        write_private(&tmp, &text)?;
        std::fs::rename(&tmp, dir.join(MANIFEST)).map_err(|e| KeyError(format!("cannot replace {MANIFEST}: {e}")))
    }
}

/// Reads every `*.pem` of `dir`, pairing each with its manifest entry; an entry whose file is
/// missing, or whose file holds another key, is an error.
pub(super) fn read_keys(dir: &Path, manifest: &Manifest) -> Result<Vec<(SigningKey, KeyEntry)>, KeyError> {
    let mut keys = Vec::new();
    if !dir.exists() {
        return Ok(keys);
    }
    let entries = std::fs::read_dir(dir).map_err(|e| KeyError(format!("cannot read {}: {e}", dir.display())))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "pem")) {
        let text = std::fs::read_to_string(&path).map_err(|e| KeyError(format!("{}: {e}", path.display())))?;
        let der = pem_decode(&text).ok_or_else(|| KeyError(format!("{}: not a PEM PRIVATE KEY", path.display())))?;
        let key = SigningKey::from_pkcs8(&der).map_err(|e| KeyError(format!("{}: {e}", path.display())))?;
        let file = path.file_name().and_then(|f| f.to_str()).unwrap_or_default().to_string();
        let entry = match manifest.keys.iter().find(|e| e.file == file) {
            Some(e) if e.kid != key.kid => {
                return Err(KeyError(format!(
                    "{}: holds kid {}, but {MANIFEST} says {}",
                    path.display(),
                    key.kid,
                    e.kid
                )));
            }
            Some(e) => e.clone(),
            None => KeyEntry {
                file,
                alg: key.alg.as_str().into(),
                kid: key.kid.clone(),
                created: 0,
                activates: 0,
                retired: None,
                dev: false,
            },
        };
        keys.push((key, entry));
    }
    if let Some(missing) = manifest.keys.iter().find(|e| !keys.iter().any(|(_, k)| k.file == e.file)) {
        return Err(KeyError(format!("{MANIFEST} names {}, which is not in {}", missing.file, dir.display())));
    }
    // Keys without an entry first, then in the order they were made.
    keys.sort_by_key(|(_, e)| manifest.keys.iter().position(|m| m.file == e.file).map_or(-1, |i| i as i64));
    Ok(keys)
}

/// Generates a key of `alg` into `dir` (file named after its kid) and returns its entry.
pub(super) fn create_key(
    dir: &Path,
    alg: SigningAlg,
    now: i64,
    activates: i64,
    dev: bool,
) -> Result<(SigningKey, KeyEntry), KeyError> {
    let (key, der) = SigningKey::generate(alg)?;
    let file = format!("{}-{}.pem", alg.as_str().to_ascii_lowercase(), &key.kid[..12]);
    write_private(&dir.join(&file), &pem_encode(&der))?;
    let entry =
        KeyEntry { file, alg: alg.as_str().into(), kid: key.kid.clone(), created: now, activates, retired: None, dev };
    Ok((key, entry))
}

/// `tessera keys generate`: creates a key for every algorithm that has none, and the secret.
pub fn generate_missing(dir: &Path, now: i64) -> Result<Vec<SigningAlg>, KeyError> {
    let mut manifest = Manifest::read(dir)?;
    let keys = read_keys(dir, &manifest)?;
    let mut generated = Vec::new();
    for alg in SigningAlg::ALL {
        if !keys.iter().any(|(k, _)| k.alg == alg) {
            let (_, entry) = create_key(dir, alg, now, now, false)?;
            manifest.keys.push(entry);
            generated.push(alg);
        }
    }
    manifest.write(dir)?;
    load_secret(dir, true)?;
    Ok(generated)
}

/// `tessera keys rotate`: a new key per algorithm, published now and signing from `now + lead`.
pub fn rotate(dir: &Path, algs: &[SigningAlg], now: i64, lead: i64) -> Result<Vec<KeyEntry>, KeyError> {
    let mut manifest = Manifest::read(dir)?;
    read_keys(dir, &manifest)?;
    let mut made = Vec::new();
    for alg in algs {
        let (_, entry) = create_key(dir, *alg, now, now.saturating_add(lead), false)?;
        manifest.keys.push(entry.clone());
        made.push(entry);
    }
    manifest.write(dir)?;
    Ok(made)
}

/// `tessera keys retire`: the key stops signing now. Refused when no other key of its
/// algorithm could sign in its place; the key stays published until its tokens expire.
pub fn retire(dir: &Path, kid: &str, now: i64, tail: i64) -> Result<KeyEntry, KeyError> {
    let mut manifest = Manifest::read(dir)?;
    let mut keys = read_keys(dir, &manifest)?;
    let Some((key, entry)) = keys.iter_mut().find(|(k, _)| k.kid == kid) else {
        return Err(KeyError(format!("no key with kid {kid} in {}", dir.display())));
    };
    if entry.retired.is_some() {
        return Err(KeyError(format!("key {kid} is already retired")));
    }
    let alg = key.alg;
    entry.retired = Some(now);
    let retired = entry.clone();
    if KeyRing::at(keys, now, tail).is_err() {
        return Err(KeyError(format!(
            "key {kid} is the only {a} key that can sign now; run `tessera keys rotate --alg {a}` first and retire it \
             once the new key is active (or rotate with --lead 0 to replace it at once)",
            a = alg.as_str()
        )));
    }
    match manifest.keys.iter_mut().find(|e| e.file == retired.file) {
        Some(e) => *e = retired.clone(),
        None => manifest.keys.push(retired.clone()),
    }
    manifest.write(dir)?;
    Ok(retired)
}

/// Reads (or, when allowed, creates) the 256-bit server secret that keys OTP and token hashes.
pub fn load_secret(dir: &Path, generate: bool) -> Result<Vec<u8>, KeyError> {
    let path = dir.join("server.secret");
    if let Ok(text) = std::fs::read_to_string(&path) {
        let secret =
            URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| KeyError(format!("{}: not base64url", path.display())))?;
        if secret.len() < 32 {
            return Err(KeyError(format!("{}: the secret must be at least 32 bytes", path.display())));
        }
        return Ok(secret);
    }
    if !generate {
        return Err(KeyError(format!("{} is missing; run `tessera keys generate`", path.display())));
    }
    let mut secret = vec![0u8; 32];
    SystemRandom::new().fill(&mut secret).map_err(|_| KeyError("no randomness".into()))?;
    write_private(&path, &URL_SAFE_NO_PAD.encode(&secret))?;
    Ok(secret)
}

/// Dev mode: creates the secret when missing and records that it was made for development.
pub fn load_dev_secret(dir: &Path) -> Result<Vec<u8>, KeyError> {
    if dir.join("server.secret").exists() {
        return load_secret(dir, false);
    }
    let secret = load_secret(dir, true)?;
    let mut manifest = Manifest::read(dir)?;
    manifest.dev_secret = true;
    manifest.write(dir)?;
    Ok(secret)
}

fn write_private(path: &Path, contents: &str) -> Result<(), KeyError> {
    use std::io::Write;
    let fail = |e: std::io::Error| KeyError(format!("cannot write {}: {e}", path.display()));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).and_then(|mut f| f.write_all(contents.as_bytes())).map_err(fail)
}

fn pem_decode(text: &str) -> Option<Vec<u8>> {
    let body = text.split("-----BEGIN PRIVATE KEY-----").nth(1)?.split("-----END PRIVATE KEY-----").next()?;
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD.decode(compact).ok()
}

fn pem_encode(der: &[u8]) -> String {
    let b = STANDARD.encode(der);
    let lines: Vec<&str> = b.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
    format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", lines.join("\n"))
}
