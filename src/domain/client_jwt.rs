//! `private_key_jwt` client authentication (RFC 7523 §2.2-3, OIDC Core §9): a short-lived JWT
//! signed with a key from the client's registered JWK Set, single use by `jti`. Keys published at
//! a `jwks_uri` come through `jwks_cache`.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::domain::Core;
use crate::model::Client;

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
pub const ALGS: [&str; 4] = ["RS256", "PS256", "ES256", "EdDSA"];
/// Assertions must expire within this many seconds of now: short-lived by rule.
const MAX_LIFETIME: i64 = 600;

/// Why an assertion was refused; every reason answers `invalid_client`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AssertionError(pub String);

fn refuse(why: impl Into<String>) -> AssertionError {
    AssertionError(why.into())
}

#[derive(Deserialize)]
struct Claims {
    aud: serde_json::Value,
    iss: String,
    sub: String,
    exp: i64,
    nbf: Option<i64>,
    jti: String,
}

/// The `sub` of an assertion before it is verified: only to find which client to check it for.
pub fn claimed_client(assertion: &str) -> Option<String> {
    use base64::Engine;
    let payload = assertion.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes).ok()?.get("sub")?.as_str().map(str::to_owned)
}

/// The algorithms a client may sign with (`ALGS`); FAPI 2.0 §5.4.1 takes RS256 away from the
/// profile's clients. For client assertions and request objects alike.
pub fn signed_as_allowed(client: &Client, alg: Algorithm) -> Result<(), &'static str> {
    if !matches!(alg, Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 | Algorithm::EdDSA) {
        return Err("the signature must be RS256, PS256, ES256 or EdDSA");
    }
    if client.options.fapi2 && alg == Algorithm::RS256 {
        return Err("FAPI 2.0 clients sign with PS256, ES256 or EdDSA");
    }
    Ok(())
}

pub async fn verify(state: &Core, client: &Client, assertion: &str) -> Result<(), AssertionError> {
    let header = jsonwebtoken::decode_header(assertion).map_err(|e| refuse(format!("malformed assertion: {e}")))?;
    let alg = header.alg;
    signed_as_allowed(client, alg).map_err(refuse)?;
    let jwk = find_key(state, client, header.kid.as_deref()).await?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| refuse(format!("unusable client key: {e}")))?;
    let mut validation = Validation::new(alg);
    // Checked below: jsonwebtoken would also accept an array that contains the issuer.
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    // Time is checked below against Tessera's clock.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    let claims = jsonwebtoken::decode::<Claims>(assertion, &key, &validation)
        .map_err(|e| refuse(format!("assertion rejected: {e}")))?
        .claims;
    // RFC 7523bis §5 (after OpenID's 2025 advisory on audience injection): aud is the issuer
    // identifier as a single string; token endpoint URLs and arrays are refused.
    if claims.aud.as_str() != Some(state.issuer()) {
        return Err(refuse("aud must be the issuer identifier, as a single string"));
    }
    // RFC 7523 §3: iss and sub are the client_id.
    if claims.iss != client.id || claims.sub != client.id {
        return Err(refuse("iss and sub must be the client_id"));
    }
    let now = state.clock.now();
    if claims.exp <= now - 30 || claims.nbf.is_some_and(|nbf| nbf > now + 30) {
        return Err(refuse("assertion expired or not yet valid"));
    }
    if claims.exp > now + MAX_LIFETIME {
        return Err(refuse("assertion lives too long (exp at most 10 minutes ahead)"));
    }
    // RFC 7523 §3: jti single use, remembered until the assertion would have expired.
    let ttl = (claims.exp - now + 60).max(1) as u64;
    let key = format!("jti:{}:{}", client.id, claims.jti);
    if claims.jti.is_empty() || !state.ephemeral.put_new(&key, vec![1], ttl).await.map_err(|e| refuse(e.to_string()))? {
        return Err(refuse("assertion replayed (jti already used)"));
    }
    Ok(())
}

pub(crate) async fn find_key(
    state: &Core,
    client: &Client,
    kid: Option<&str>,
) -> Result<jsonwebtoken::jwk::Jwk, AssertionError> {
    let pick = |set: &JwkSet| match kid {
        Some(kid) => set.find(kid).cloned(),
        None if set.keys.len() == 1 => set.keys.first().cloned(),
        None => None,
    };
    if let Some(inline) = &client.jwks {
        let set: JwkSet =
            serde_json::from_str(inline).map_err(|e| refuse(format!("registered jwks unreadable: {e}")))?;
        return pick(&set).ok_or_else(|| refuse("no registered key matches the assertion's kid"));
    }
    let Some(uri) = &client.jwks_uri else { return Err(refuse("the client has no registered keys")) };
    crate::domain::jwks_cache::key(state, &client.id, uri, pick).await.map_err(refuse)
}
