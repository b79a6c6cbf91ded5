//! One signing key: parsed from PKCS#8, generated, signing and verifying, with its JWK.

use std::fmt;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::KeyError;
use crate::model::SigningAlg;

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
    pub(super) jwk: serde_json::Value,
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
