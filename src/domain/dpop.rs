//! DPoP (RFC 9449): a client proves possession of a key with a fresh signed proof on each
//! request; tokens bound to the key's thumbprint (`cnf.jkt`) are usable only with such a proof.
//!
//! ```text
//! client --POST /token + DPoP: proof(htm, htu, jti, iat[, nonce])--> jkt --> token with cnf.jkt
//! client --GET /userinfo, Authorization: DPoP at + DPoP: proof(..., ath)--> jkt == cnf.jkt?
//! ```

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::crypto;
use crate::domain::Core;

/// RFC 9449 §5.1 `dpop_signing_alg_values_supported`.
pub const ALGS: [&str; 4] = ["ES256", "RS256", "PS256", "EdDSA"];
/// How far a proof's `iat` may be from now (RFC 9449 §11.1: "a relatively short time").
const WINDOW: i64 = 60;
/// How long one server nonce is handed out; the previous one is still accepted.
const NONCE_PERIOD: i64 = 300;

/// Why a proof was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// RFC 9449 §4.3: `invalid_dpop_proof`.
    Invalid(String),
    /// RFC 9449 §8: the proof lacks the current server nonce (`use_dpop_nonce`).
    Nonce,
}

fn invalid(why: impl Into<String>) -> Refused {
    Refused::Invalid(why.into())
}

/// What the proof must match: the request it came with, and the token it presents.
pub struct Expected<'a> {
    pub method: &'a str,
    /// The request's URL without query or fragment.
    pub url: &'a str,
    /// At a protected resource: the access token, whose hash (`ath`) the proof must carry.
    pub access_token: Option<&'a str>,
}

#[derive(Deserialize)]
struct Claims {
    jti: String,
    htm: String,
    htu: String,
    iat: i64,
    ath: Option<String>,
    nonce: Option<String>,
}

/// Checks `proof` and returns the JWK SHA-256 thumbprint (RFC 7638) of its key: the `jkt`
/// that tokens are bound to.
pub async fn verify(core: &Core, proof: &str, expected: Expected<'_>) -> Result<String, Refused> {
    let jwk = public_key(proof)?;
    let header = jsonwebtoken::decode_header(proof).map_err(|e| invalid(format!("malformed proof: {e}")))?;
    if !matches!(header.alg, Algorithm::ES256 | Algorithm::RS256 | Algorithm::PS256 | Algorithm::EdDSA) {
        return Err(invalid("the proof must be signed with ES256, RS256, PS256 or EdDSA"));
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| invalid(format!("unusable jwk: {e}")))?;
    let mut validation = Validation::new(header.alg);
    validation.validate_aud = false;
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Claims>(proof, &key, &validation)
        .map_err(|e| invalid(format!("proof rejected: {e}")))?
        .claims;
    let now = core.clock.now();
    check_claims(&claims, &expected, now)?;
    if core.config.oauth.dpop_nonces && !claims.nonce.as_deref().is_some_and(|n| nonce_ok(&core.secret, n, now)) {
        return Err(Refused::Nonce);
    }
    let jkt = jwk.thumbprint(ThumbprintHash::SHA256).map_err(|e| invalid(format!("unusable jwk: {e}")))?;
    // RFC 9449 §11.1: a proof is used once; its jti is remembered while its iat is acceptable.
    let key = format!("dpop-jti:{jkt}:{}", crypto::sha256_hex(claims.jti.as_bytes()));
    let fresh = core.ephemeral.put_new(&key, vec![1], (2 * WINDOW) as u64).await.map_err(|e| invalid(e.to_string()))?;
    if !fresh {
        return Err(invalid("the proof was used before (jti)"));
    }
    Ok(jkt)
}

/// RFC 9449 §4.2-4.3: the header's `typ` and public `jwk`; a private key there is refused.
fn public_key(proof: &str) -> Result<Jwk, Refused> {
    let raw = proof
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
        .ok_or_else(|| invalid("malformed proof"))?;
    let header: serde_json::Value = serde_json::from_slice(&raw).map_err(|_| invalid("malformed proof header"))?;
    if header["typ"] != "dpop+jwt" {
        return Err(invalid("the proof's typ must be dpop+jwt"));
    }
    let jwk = header.get("jwk").ok_or_else(|| invalid("the proof carries no jwk"))?;
    if ["d", "p", "q", "dp", "dq", "qi", "k"].iter().any(|m| jwk.get(m).is_some()) {
        return Err(invalid("the proof's jwk must be a public key"));
    }
    serde_json::from_value(jwk.clone()).map_err(|e| invalid(format!("unusable jwk: {e}")))
}

/// RFC 9449 §4.3 steps 9-12: method, URL, time and the access token hash.
fn check_claims(claims: &Claims, expected: &Expected<'_>, now: i64) -> Result<(), Refused> {
    if claims.jti.is_empty() || claims.jti.len() > 256 {
        return Err(invalid("the proof needs a jti"));
    }
    if claims.htm != expected.method {
        return Err(invalid("htm does not match the request's method"));
    }
    if !same_url(&claims.htu, expected.url) {
        return Err(invalid("htu does not match the request's URL"));
    }
    if (claims.iat - now).abs() > WINDOW {
        return Err(invalid("the proof's iat is too far from now"));
    }
    match (expected.access_token, &claims.ath) {
        (Some(token), Some(ath)) if *ath == crypto::b64url(&crypto::sha256(token.as_bytes())) => Ok(()),
        (Some(_), _) => Err(invalid("ath does not match the access token")),
        (None, _) => Ok(()),
    }
}

/// RFC 9449 §4.3: URLs compared without query and fragment, after syntax normalisation.
fn same_url(htu: &str, expected: &str) -> bool {
    let parts = |u: &str| {
        let u = url::Url::parse(u).ok()?;
        Some((
            u.scheme().to_owned(),
            u.host_str()?.to_ascii_lowercase(),
            u.port_or_known_default(),
            u.path().to_owned(),
        ))
    };
    parts(htu).is_some_and(|p| Some(p) == parts(expected))
}

fn nonce_at(secret: &[u8], period: i64) -> String {
    crypto::b64url(&crypto::keyed_hash(secret, &[b"dpop nonce", &period.to_be_bytes()])[..16])
}

/// RFC 9449 §8: the server nonce to hand out now; every replica derives the same one.
pub fn nonce(secret: &[u8], now: i64) -> String {
    nonce_at(secret, now.div_euclid(NONCE_PERIOD))
}

fn nonce_ok(secret: &[u8], nonce: &str, now: i64) -> bool {
    let period = now.div_euclid(NONCE_PERIOD);
    [period, period - 1].iter().any(|p| crypto::constant_time_eq(nonce_at(secret, *p).as_bytes(), nonce.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(htm: &str, htu: &str, iat: i64, ath: Option<&str>) -> Claims {
        Claims { jti: "j1".into(), htm: htm.into(), htu: htu.into(), iat, ath: ath.map(str::to_owned), nonce: None }
    }

    const TOKEN_URL: &str = "https://login.example/token";

    fn at_token() -> Expected<'static> {
        Expected { method: "POST", url: TOKEN_URL, access_token: None }
    }

    #[test]
    fn a_proof_must_name_this_request_and_be_recent() {
        assert_eq!(check_claims(&claims("POST", TOKEN_URL, 1000, None), &at_token(), 1000), Ok(()));
        assert_eq!(
            check_claims(&claims("POST", "HTTPS://LOGIN.example:443/token?x=1", 1000, None), &at_token(), 1000),
            Ok(())
        );
        for bad in [
            claims("GET", TOKEN_URL, 1000, None),
            claims("POST", "https://login.example/userinfo", 1000, None),
            claims("POST", "https://other.example/token", 1000, None),
            claims("POST", TOKEN_URL, 1000 - WINDOW - 1, None),
            claims("POST", TOKEN_URL, 1000 + WINDOW + 1, None),
        ] {
            assert!(check_claims(&bad, &at_token(), 1000).is_err(), "{} {} {}", bad.htm, bad.htu, bad.iat);
        }
    }

    #[test]
    fn at_a_resource_the_proof_carries_the_access_tokens_hash() {
        let expected = Expected { method: "GET", url: "https://login.example/userinfo", access_token: Some("at") };
        let ath = crypto::b64url(&crypto::sha256(b"at"));
        assert_eq!(check_claims(&claims("GET", expected.url, 5, Some(&ath)), &expected, 5), Ok(()));
        assert!(check_claims(&claims("GET", expected.url, 5, None), &expected, 5).is_err());
        assert!(check_claims(&claims("GET", expected.url, 5, Some("other")), &expected, 5).is_err());
    }

    #[test]
    fn a_server_nonce_lasts_its_period_and_the_next_then_expires() {
        let issued = nonce(b"s", 1000);
        assert!(nonce_ok(b"s", &issued, 1000));
        assert!(nonce_ok(b"s", &issued, 1000 + NONCE_PERIOD), "the previous period's nonce still works");
        assert!(!nonce_ok(b"s", &issued, 1000 + 2 * NONCE_PERIOD));
        assert!(!nonce_ok(b"other", &issued, 1000));
    }

    #[test]
    fn a_header_without_dpop_typ_or_with_a_private_key_is_refused() {
        let encode = |h: serde_json::Value| format!("{}.e30.sig", URL_SAFE_NO_PAD.encode(h.to_string()));
        let jwk = serde_json::json!({"kty": "EC", "crv": "P-256", "x": "x", "y": "y"});
        assert!(public_key(&encode(serde_json::json!({"typ": "JWT", "alg": "ES256", "jwk": jwk}))).is_err());
        let mut private = jwk.clone();
        private["d"] = "secret".into();
        assert!(public_key(&encode(serde_json::json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": private}))).is_err());
        assert!(public_key(&encode(serde_json::json!({"typ": "dpop+jwt", "alg": "ES256"}))).is_err());
    }
}
