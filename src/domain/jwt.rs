//! Compact JWS (RFC 7515) for the tokens Tessera signs, and verification of tokens it signed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::domain::keys::{KeyError, KeyRing, SigningKey};

#[derive(Serialize)]
struct Header<'a> {
    alg: &'a str,
    kid: &'a str,
    typ: &'a str,
}

/// Signs `claims` with `key`; `typ` is `JWT`, `at+jwt` (RFC 9068) or `logout+jwt`.
pub fn sign<C: Serialize>(key: &SigningKey, typ: &str, claims: &C) -> Result<String, KeyError> {
    let header = serde_json::to_vec(&Header { alg: key.alg.as_str(), kid: &key.kid, typ })
        .map_err(|e| KeyError(e.to_string()))?;
    let payload = serde_json::to_vec(claims).map_err(|e| KeyError(e.to_string()))?;
    let mut token = String::with_capacity((header.len() + payload.len()) * 4 / 3 + 360);
    URL_SAFE_NO_PAD.encode_string(&header, &mut token);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
    let signature = key.sign(token.as_bytes())?;
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
    Ok(token)
}

/// Why a presented token was not accepted.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("malformed token")]
    Malformed,
    #[error("unknown signing key")]
    UnknownKey,
    #[error("bad signature")]
    BadSignature,
    #[error("unexpected token type")]
    WrongType,
}

#[derive(serde::Deserialize)]
struct PresentedHeader {
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
}

/// Verifies a token Tessera signed and returns its claims. Checks the signature, that `alg`
/// matches the key (RFC 8725 §3.1), and the `typ` (RFC 8725 §3.11); time claims are the caller's.
pub fn verify<C: DeserializeOwned>(keys: &KeyRing, token: &str, typ: &str) -> Result<C, JwtError> {
    let mut parts = token.splitn(3, '.');
    let (Some(h), Some(p), Some(s)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(JwtError::Malformed);
    };
    let header: PresentedHeader = decode_json(h)?;
    let key = header.kid.as_deref().and_then(|kid| keys.by_kid(kid)).ok_or(JwtError::UnknownKey)?;
    if header.alg != key.alg.as_str() {
        return Err(JwtError::BadSignature);
    }
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)?;
    if !key.verify(&token.as_bytes()[..h.len() + 1 + p.len()], &signature) {
        return Err(JwtError::BadSignature);
    }
    if !header.typ.is_some_and(|t| t.eq_ignore_ascii_case(typ)) {
        return Err(JwtError::WrongType);
    }
    decode_json(p)
}

fn decode_json<T: DeserializeOwned>(part: &str) -> Result<T, JwtError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| JwtError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SigningAlg;

    fn ring() -> KeyRing {
        let keys = SigningAlg::ALL.into_iter().map(|a| SigningKey::generate(a).unwrap().0).collect();
        KeyRing::new(keys).unwrap()
    }

    #[test]
    fn signed_tokens_verify_with_every_algorithm() {
        let ring = ring();
        for alg in SigningAlg::ALL {
            let t = sign(ring.active(alg), "JWT", &serde_json::json!({"sub": "u1"})).unwrap();
            let claims: serde_json::Value = verify(&ring, &t, "JWT").unwrap();
            assert_eq!(claims["sub"], "u1");
        }
    }

    #[test]
    fn tampered_payload_is_refused() {
        let ring = ring();
        let t = sign(ring.active(SigningAlg::ES256), "JWT", &serde_json::json!({"sub": "u1"})).unwrap();
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"sub":"u2"}"#);
        parts[1] = &forged;
        let r: Result<serde_json::Value, _> = verify(&ring, &parts.join("."), "JWT");
        assert_eq!(r.unwrap_err(), JwtError::BadSignature);
    }

    #[test]
    fn token_of_another_type_is_refused() {
        let ring = ring();
        let t = sign(ring.active(SigningAlg::EdDSA), "JWT", &serde_json::json!({})).unwrap();
        let r: Result<serde_json::Value, _> = verify(&ring, &t, "at+jwt");
        assert_eq!(r.unwrap_err(), JwtError::WrongType);
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        let ring = ring();
        for junk in ["", ".", "..", "a.b.c", "a.b", "\u{0}.\u{1}.\u{2}"] {
            assert!(verify::<serde_json::Value>(&ring, junk, "JWT").is_err());
        }
    }
}
