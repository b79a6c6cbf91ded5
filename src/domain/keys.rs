//! KeyRing: signing keys parsed from `keys/`, their state (next, active, retired) computed from
//! the schedule in `keys/keys.toml`, the active key per algorithm, and the JWKS document. The
//! folder itself (files, schedule, secret, rotation) is `folder`.

use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use serde_json::json;

use crate::model::SigningAlg;
use crate::web::cached::CachedJson;

mod folder;
mod signing;

pub use folder::{KeyEntry, MANIFEST, Manifest, generate_missing, load_dev_secret, load_secret, retire, rotate};
use folder::{create_key, read_keys};
pub use signing::SigningKey;

/// A key that cannot be loaded or made.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub String);

/// Where a key is in its life, at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyState {
    /// Published in the JWKS, not signing yet.
    Next,
    /// The newest activated key of its algorithm: it signs.
    Active,
    /// No longer signs; published until every token it signed has expired.
    Retired,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Next => "next",
            KeyState::Active => "active",
            KeyState::Retired => "retired",
        }
    }
}

/// A loaded key with its schedule.
pub struct Scheduled {
    pub key: Arc<SigningKey>,
    pub entry: KeyEntry,
    /// When it stops signing: retired by the operator, or replaced by a newer key of its algorithm.
    pub stops_signing: Option<i64>,
    /// When it leaves the JWKS: once the longest-lived token it may have signed has expired.
    pub unpublished_at: Option<i64>,
    pub state: KeyState,
}

/// The keys as they stand at one moment: the signer per algorithm, the published keys by
/// `kid`, and the JWKS document. The server rebuilds it every minute from the folder, so
/// replicas sharing the folder agree on the active key without talking to each other.
pub struct KeyRing {
    active: HashMap<SigningAlg, Arc<SigningKey>>,
    by_kid: HashMap<String, Arc<SigningKey>>,
    jwks: Vec<u8>,
    schedule: Vec<Scheduled>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.schedule.iter().map(|s| (s.key.as_ref(), s.state))).finish()
    }
}

impl KeyRing {
    /// A ring of keys that are all active (keys handed over without a schedule).
    pub fn new(keys: Vec<SigningKey>) -> Result<Self, KeyError> {
        let keys = keys
            .into_iter()
            .map(|key| {
                let entry = KeyEntry {
                    file: String::new(),
                    alg: key.alg.as_str().into(),
                    kid: key.kid.clone(),
                    created: 0,
                    activates: 0,
                    retired: None,
                    dev: false,
                };
                (key, entry)
            })
            .collect();
        Self::at(keys, 0, 0)
    }

    /// Computes every key's state at `now`. `tail` is how long a key stays published after it
    /// stops signing (the longest token lifetime plus leeway).
    pub fn at(keys: Vec<(SigningKey, KeyEntry)>, now: i64, tail: i64) -> Result<Self, KeyError> {
        let mut schedule: Vec<Scheduled> = Vec::new();
        for (key, entry) in keys {
            if schedule.iter().any(|s| s.key.kid == key.kid) {
                return Err(KeyError(format!("the same key is present twice (kid {})", key.kid)));
            }
            schedule.push(Scheduled {
                key: Arc::new(key),
                entry,
                stops_signing: None,
                unpublished_at: None,
                state: KeyState::Next,
            });
        }
        // Stable: keys made in the same second keep the order they were made in.
        schedule.sort_by_key(|s| (s.key.alg.as_str(), s.entry.activates, s.entry.created));
        // A key stops signing when the next key of its algorithm that ever signs activates.
        let ever_signs = |e: &KeyEntry| e.retired.is_none_or(|r| r > e.activates);
        for i in 0..schedule.len() {
            let alg = schedule[i].key.alg;
            let replaced =
                schedule[i + 1..].iter().find(|s| s.key.alg == alg && ever_signs(&s.entry)).map(|s| s.entry.activates);
            let e = &schedule[i].entry;
            let stops = match (e.retired, replaced) {
                (Some(r), Some(n)) => Some(r.min(n)),
                (r, n) => r.or(n),
            };
            let s = &mut schedule[i];
            s.stops_signing = stops.map(|t| t.max(s.entry.activates));
            s.unpublished_at = s.stops_signing.map(|t| t.saturating_add(tail));
            s.state = match s.stops_signing {
                _ if s.entry.activates > now => KeyState::Next,
                Some(t) if t <= now => KeyState::Retired,
                _ => KeyState::Active,
            };
        }
        let mut active = HashMap::new();
        let mut by_kid = HashMap::new();
        for s in &schedule {
            if s.state == KeyState::Active {
                active.insert(s.key.alg, s.key.clone());
            }
            if s.unpublished_at.is_none_or(|t| t > now) {
                by_kid.insert(s.key.kid.clone(), s.key.clone());
            }
        }
        for alg in SigningAlg::ALL {
            if !active.contains_key(&alg) {
                return Err(KeyError(format!(
                    "no {} key can sign now; run `tessera keys rotate --alg {} --lead 0`",
                    alg.as_str(),
                    alg.as_str()
                )));
            }
        }
        let mut jwks: Vec<&serde_json::Value> = by_kid.values().map(|k| &k.jwk).collect();
        jwks.sort_by_key(|j| j["kid"].as_str().map(str::to_owned));
        let jwks = serde_json::to_vec(&json!({ "keys": jwks })).map_err(|e| KeyError(e.to_string()))?;
        Ok(KeyRing { active, by_kid, jwks, schedule })
    }

    /// Loads every `*.pem` in `dir` with its schedule from `keys.toml`, as it stands at `now`.
    /// When `generate` is set (dev mode), creates keys for missing algorithms, marked `dev`.
    pub fn load_dir(dir: &Path, generate: bool, now: i64, tail: i64) -> Result<(Self, Vec<SigningAlg>), KeyError> {
        let mut manifest = Manifest::read(dir)?;
        let mut keys = read_keys(dir, &manifest)?;
        let mut generated = Vec::new();
        for alg in SigningAlg::ALL {
            if generate && !keys.iter().any(|(k, _)| k.alg == alg) {
                let (key, entry) = create_key(dir, alg, now, now, true)?;
                manifest.keys.push(entry.clone());
                keys.push((key, entry));
                generated.push(alg);
            }
        }
        if !generated.is_empty() {
            manifest.write(dir)?;
        }
        Ok((Self::at(keys, now, tail)?, generated))
    }

    pub fn active(&self, alg: SigningAlg) -> &SigningKey {
        // `at` refuses a ring without an active key for every algorithm.
        &self.active[&alg]
    }

    /// A published key (next, active, or retired but still published).
    pub fn by_kid(&self, kid: &str) -> Option<&SigningKey> {
        self.by_kid.get(kid).map(|k| k.as_ref())
    }

    /// The JWKS document (RFC 7517 §5) of the published keys, serialised once.
    pub fn jwks_json(&self) -> &[u8] {
        &self.jwks
    }

    /// Published keys.
    pub fn keys(&self) -> impl Iterator<Item = &SigningKey> {
        self.by_kid.values().map(|k| k.as_ref())
    }

    /// Every key in the folder with its schedule, by algorithm and activation.
    pub fn schedule(&self) -> &[Scheduled] {
        &self.schedule
    }

    /// The files of dev-generated keys that sign now (refused in production).
    pub fn active_dev_keys(&self) -> Vec<&str> {
        self.schedule
            .iter()
            .filter(|s| s.state == KeyState::Active && s.entry.dev)
            .map(|s| s.entry.file.as_str())
            .collect()
    }
}

/// The key ring with its JWKS response.
pub struct Keys {
    pub ring: KeyRing,
    pub jwks: CachedJson,
}

impl Keys {
    pub fn new(ring: KeyRing) -> Self {
        let jwks = CachedJson::new(ring.jwks_json().to_vec());
        Keys { ring, jwks }
    }
}

impl Deref for Keys {
    type Target = KeyRing;

    fn deref(&self) -> &KeyRing {
        &self.ring
    }
}

/// How long a key stays in the JWKS (and verifies) after it stops signing: the longest
/// lifetime of anything it signs — tokens, passkey tickets, minted links and bridge assertions
/// (each at most an hour) — plus five minutes for clock skew and relying-party caches.
pub fn publish_tail(config: &crate::config::Config) -> i64 {
    let l = &config.lifetimes;
    l.access_token.max(l.id_token).max(3600) as i64 + 300
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const TAIL: i64 = 3_900;
    const DAY: i64 = 86_400;

    fn kids(ring: &KeyRing) -> Vec<String> {
        let mut kids: Vec<String> = ring.keys().map(|k| k.kid.clone()).collect();
        kids.sort();
        kids
    }

    #[test]
    fn a_rotated_key_is_published_first_then_signs_and_the_old_one_leaves_after_the_tail() {
        let dir = tempfile::tempdir().unwrap();
        generate_missing(dir.path(), NOW).unwrap();
        let (ring, _) = KeyRing::load_dir(dir.path(), false, NOW, TAIL).unwrap();
        let old = ring.active(SigningAlg::ES256).kid.clone();
        let new = rotate(dir.path(), &[SigningAlg::ES256], NOW + 10, DAY).unwrap().remove(0);

        let (ring, _) = KeyRing::load_dir(dir.path(), false, NOW + 20, TAIL).unwrap();
        assert_eq!(ring.active(SigningAlg::ES256).kid, old, "the next key must not sign before its lead time");
        assert!(ring.by_kid(&new.kid).is_some(), "the next key must be published at once");

        let (ring, _) = KeyRing::load_dir(dir.path(), false, NOW + 10 + DAY, TAIL).unwrap();
        assert_eq!(ring.active(SigningAlg::ES256).kid, new.kid);
        assert!(ring.by_kid(&old).is_some(), "tokens of the old key are still live");

        let (ring, _) = KeyRing::load_dir(dir.path(), false, NOW + 10 + DAY + TAIL, TAIL).unwrap();
        assert!(ring.by_kid(&old).is_none(), "the old key leaves the JWKS once its tokens expired");
        assert_eq!(kids(&ring).len(), 3);
    }

    #[test]
    fn retiring_the_only_signer_of_an_algorithm_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        generate_missing(dir.path(), NOW).unwrap();
        let (ring, _) = KeyRing::load_dir(dir.path(), false, NOW, TAIL).unwrap();
        let only = ring.active(SigningAlg::EdDSA).kid.clone();
        let err = retire(dir.path(), &only, NOW + 1, TAIL).unwrap_err();
        assert!(err.0.contains("only EdDSA key"), "{err}");

        rotate(dir.path(), &[SigningAlg::EdDSA], NOW + 2, 0).unwrap();
        retire(dir.path(), &only, NOW + 3, TAIL).unwrap();
        let (ring, _) = KeyRing::load_dir(dir.path(), false, NOW + 4, TAIL).unwrap();
        assert_ne!(ring.active(SigningAlg::EdDSA).kid, only);
        assert!(retire(dir.path(), &only, NOW + 5, TAIL).is_err(), "retiring twice is an error");
    }

    #[test]
    fn a_key_file_that_does_not_match_its_schedule_stops_the_load() {
        let dir = tempfile::tempdir().unwrap();
        generate_missing(dir.path(), NOW).unwrap();
        let manifest = Manifest::read(dir.path()).unwrap();
        let (a, b) = (&manifest.keys[0].file, &manifest.keys[1].file);
        let text_b = std::fs::read_to_string(dir.path().join(b)).unwrap();
        std::fs::remove_file(dir.path().join(a)).unwrap();
        let err = KeyRing::load_dir(dir.path(), false, NOW, TAIL).unwrap_err();
        assert!(err.0.contains("which is not in"), "{err}");
        std::fs::write(dir.path().join(a), text_b).unwrap();
        let err = KeyRing::load_dir(dir.path(), false, NOW, TAIL).unwrap_err();
        assert!(err.0.contains("but keys.toml says"), "{err}");
    }

    #[test]
    fn dev_generated_keys_are_marked_and_production_keys_are_not() {
        let dev = tempfile::tempdir().unwrap();
        let (ring, _) = KeyRing::load_dir(dev.path(), true, NOW, TAIL).unwrap();
        assert_eq!(ring.active_dev_keys().len(), 3);
        let prod = tempfile::tempdir().unwrap();
        generate_missing(prod.path(), NOW).unwrap();
        let (ring, _) = KeyRing::load_dir(prod.path(), false, NOW, TAIL).unwrap();
        assert!(ring.active_dev_keys().is_empty());
    }

    #[test]
    fn every_algorithm_signs_and_verifies_its_own_signature() {
        for alg in SigningAlg::ALL {
            let (key, _) = SigningKey::generate(alg).unwrap();
            let sig = key.sign(b"header.payload").unwrap();
            assert!(key.verify(b"header.payload", &sig), "{alg:?}");
            assert!(!key.verify(b"header.payloaX", &sig), "{alg:?}");
        }
    }

    #[test]
    fn generated_keys_round_trip_through_pem_with_the_same_kid() {
        let dir = tempfile::tempdir().unwrap();
        let (first, generated) = KeyRing::load_dir(dir.path(), true, NOW, TAIL).unwrap();
        assert_eq!(generated.len(), 3);
        let (second, generated) = KeyRing::load_dir(dir.path(), true, NOW, TAIL).unwrap();
        assert!(generated.is_empty());
        for alg in SigningAlg::ALL {
            assert_eq!(first.active(alg).kid, second.active(alg).kid);
        }
    }

    #[test]
    fn jwks_holds_public_members_only() {
        let dir = tempfile::tempdir().unwrap();
        let (ring, _) = KeyRing::load_dir(dir.path(), true, NOW, TAIL).unwrap();
        let jwks: serde_json::Value = serde_json::from_slice(ring.jwks_json()).unwrap();
        for key in jwks["keys"].as_array().unwrap() {
            for private in ["d", "p", "q", "dp", "dq", "qi"] {
                assert!(key.get(private).is_none(), "{private} leaked");
            }
            assert_eq!(key["use"], "sig");
        }
    }

    #[test]
    fn missing_keys_without_generation_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(KeyRing::load_dir(dir.path(), false, NOW, TAIL).is_err());
    }
}
