//! KeyRing: signing keys loaded once from `keys/`, the active key per algorithm, signing,
//! verification of Tessera's own JWTs, and the JWKS document built once.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;

use crate::model::SigningAlg;

/// A key that cannot be loaded or made.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub String);

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// One private key with its public JWK.
pub struct SigningKey {
    pub kid: String,
    pub alg: SigningAlg,
    pair: Pair,
    public_der: Vec<u8>,
    jwk: serde_json::Value,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({} {})", self.alg.as_str(), self.kid)
    }
}

impl SigningKey {
    /// Parses an unencrypted PKCS#8 key of any supported type.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        let (alg, pair, public_der, jwk) = if let Ok(k) = RsaKeyPair::from_pkcs8(der) {
            if k.public_modulus_len() < 256 {
                return Err(KeyError("RSA keys must be at least 2048 bits".into()));
            }
            let public = k.public_key();
            let public_der = public.as_ref().to_vec();
            let jwk = json!({"e": b64(public.exponent().big_endian_without_leading_zero()), "kty": "RSA",
                             "n": b64(public.modulus().big_endian_without_leading_zero())});
            (SigningAlg::RS256, Pair::Rsa(k), public_der, jwk)
        } else if let Ok(k) = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der) {
            let point = k.public_key().as_ref().to_vec();
            let jwk = json!({"crv": "P-256", "kty": "EC", "x": b64(&point[1..33]), "y": b64(&point[33..65])});
            (SigningAlg::ES256, Pair::Ec(k), point, jwk)
        } else if let Ok(k) = Ed25519KeyPair::from_pkcs8(der) {
            let x = k.public_key().as_ref().to_vec();
            let jwk = json!({"crv": "Ed25519", "kty": "OKP", "x": b64(&x)});
            (SigningAlg::EdDSA, Pair::Ed(k), x, jwk)
        } else {
            return Err(KeyError("not an RSA, P-256 or Ed25519 PKCS#8 private key".into()));
        };
        // RFC 7638: the thumbprint of the required members in lexicographic order (serde_json sorts keys).
        let kid = b64(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, jwk.to_string().as_bytes()).as_ref());
        let mut jwk = jwk;
        jwk["kid"] = json!(kid);
        jwk["use"] = json!("sig");
        jwk["alg"] = json!(alg.as_str());
        Ok(SigningKey { kid, alg, pair, public_der, jwk })
    }

    /// Generates a new key: RSA 2048, P-256 or Ed25519. Returns the key and its PKCS#8 DER.
    pub fn generate(alg: SigningAlg) -> Result<(Self, Vec<u8>), KeyError> {
        let fail = |e: aws_lc_rs::error::Unspecified| KeyError(format!("cannot generate {}: {e}", alg.as_str()));
        let der = match alg {
            SigningAlg::RS256 => RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                .and_then(|k| AsDer::<Pkcs8V1Der>::as_der(&k))
                .map(|d| d.as_ref().to_vec())
                .map_err(fail)?,
            SigningAlg::ES256 => {
                EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                    .map(|d| d.as_ref().to_vec())
                    .map_err(fail)?
            }
            SigningAlg::EdDSA => Ed25519KeyPair::generate()
                .and_then(|k| AsDer::<Pkcs8V1Der>::as_der(&k))
                .map(|d| d.as_ref().to_vec())
                .map_err(fail)?,
        };
        Ok((Self::from_pkcs8(&der)?, der))
    }

    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = SystemRandom::new();
        let fail = |_| KeyError("signing failed".into());
        match &self.pair {
            Pair::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig).map_err(fail)?;
                Ok(sig)
            }
            Pair::Ec(k) => Ok(k.sign(&rng, message).map_err(fail)?.as_ref().to_vec()),
            Pair::Ed(k) => Ok(k.sign(message).as_ref().to_vec()),
        }
    }

    pub fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        let params: &dyn signature::VerificationAlgorithm = match self.alg {
            SigningAlg::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            SigningAlg::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
            SigningAlg::EdDSA => &signature::ED25519,
        };
        UnparsedPublicKey::new(params, &self.public_der).verify(message, sig).is_ok()
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// All loaded keys: one active signer per algorithm, every key findable by `kid`.
pub struct KeyRing {
    active: HashMap<SigningAlg, Arc<SigningKey>>,
    by_kid: HashMap<String, Arc<SigningKey>>,
    jwks: Vec<u8>,
}

impl KeyRing {
    pub fn new(keys: Vec<SigningKey>) -> Result<Self, KeyError> {
        let mut active = HashMap::new();
        let mut by_kid = HashMap::new();
        for key in keys {
            let key = Arc::new(key);
            if by_kid.insert(key.kid.clone(), key.clone()).is_some() {
                return Err(KeyError(format!("the same key is present twice (kid {})", key.kid)));
            }
            active.entry(key.alg).or_insert(key);
        }
        for alg in SigningAlg::ALL {
            if !active.contains_key(&alg) {
                return Err(KeyError(format!("no {} key", alg.as_str())));
            }
        }
        let mut jwks: Vec<&serde_json::Value> = by_kid.values().map(|k| &k.jwk).collect();
        jwks.sort_by_key(|j| j["kid"].as_str().map(str::to_owned));
        let jwks = serde_json::to_vec(&json!({ "keys": jwks })).map_err(|e| KeyError(e.to_string()))?;
        Ok(KeyRing { active, by_kid, jwks })
    }

    /// Loads every `*.pem` in `dir`; when `generate` is set, creates keys for missing algorithms.
    pub fn load_dir(dir: &Path, generate: bool) -> Result<(Self, Vec<SigningAlg>), KeyError> {
        let mut keys = Vec::new();
        if dir.exists() {
            let entries =
                std::fs::read_dir(dir).map_err(|e| KeyError(format!("cannot read {}: {e}", dir.display())))?;
            let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for path in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "pem")) {
                let text = std::fs::read_to_string(&path).map_err(|e| KeyError(format!("{}: {e}", path.display())))?;
                let der =
                    pem_decode(&text).ok_or_else(|| KeyError(format!("{}: not a PEM PRIVATE KEY", path.display())))?;
                keys.push(SigningKey::from_pkcs8(&der).map_err(|e| KeyError(format!("{}: {e}", path.display())))?);
            }
        }
        let mut generated = Vec::new();
        for alg in SigningAlg::ALL {
            if generate && !keys.iter().any(|k| k.alg == alg) {
                let (key, der) = SigningKey::generate(alg)?;
                write_private(&dir.join(format!("{}.pem", alg.as_str().to_ascii_lowercase())), &pem_encode(&der))?;
                keys.push(key);
                generated.push(alg);
            }
        }
        Ok((Self::new(keys)?, generated))
    }

    pub fn active(&self, alg: SigningAlg) -> &SigningKey {
        // `new` refuses a ring without a key for every algorithm.
        &self.active[&alg]
    }

    pub fn by_kid(&self, kid: &str) -> Option<&SigningKey> {
        self.by_kid.get(kid).map(|k| k.as_ref())
    }

    /// The JWKS document (RFC 7517 §5), serialised once at load.
    pub fn jwks_json(&self) -> &[u8] {
        &self.jwks
    }

    pub fn keys(&self) -> impl Iterator<Item = &SigningKey> {
        self.by_kid.values().map(|k| k.as_ref())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let (first, generated) = KeyRing::load_dir(dir.path(), true).unwrap();
        assert_eq!(generated.len(), 3);
        let (second, generated) = KeyRing::load_dir(dir.path(), true).unwrap();
        assert!(generated.is_empty());
        for alg in SigningAlg::ALL {
            assert_eq!(first.active(alg).kid, second.active(alg).kid);
        }
    }

    #[test]
    fn jwks_holds_public_members_only() {
        let dir = tempfile::tempdir().unwrap();
        let (ring, _) = KeyRing::load_dir(dir.path(), true).unwrap();
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
        assert!(KeyRing::load_dir(dir.path(), false).is_err());
    }
}
