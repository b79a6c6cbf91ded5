//! The `DPoP` header at Tessera's own endpoints (RFC 9449 §4-5, §8): the key a request proves,
//! and its refusals in the OAuth error format with a fresh server nonce.

use axum::http::HeaderMap;

use crate::domain::dpop::{self, Expected, Refused};
use crate::state::AppState;
use crate::web::oauth_error::{ErrorCode, OAuthError};

/// The `jkt` the request's DPoP proof proves, if it carries one (RFC 9449 §4.3: exactly one
/// `DPoP` header). `path` is this endpoint's, so the proof's `htu` must name it.
pub async fn proven_key(state: &AppState, headers: &HeaderMap, path: &str) -> Result<Option<String>, OAuthError> {
    let proof = proof_header(headers).map_err(|why| OAuthError::new(ErrorCode::InvalidDpopProof, why))?;
    let Some(proof) = proof else { return Ok(None) };
    let expected = Expected { method: "POST", url: &state.url(path), access_token: None };
    match dpop::verify(state, proof, expected).await {
        Ok(jkt) => Ok(Some(jkt)),
        Err(Refused::Nonce) => {
            let mut e = OAuthError::new(ErrorCode::UseDpopNonce, "The DPoP proof must carry the server's nonce.");
            e.dpop_nonce = Some(dpop::nonce(&state.secret, state.clock.now()));
            Err(e)
        }
        Err(Refused::Invalid(why)) => {
            Err(OAuthError::new(ErrorCode::InvalidDpopProof, format!("The DPoP proof is invalid: {why}.")))
        }
    }
}

/// RFC 9449 §4.3: the request's one `DPoP` header, if any; two, or one that is not text, are
/// refused with the reason.
pub fn proof_header(headers: &HeaderMap) -> Result<Option<&str>, &'static str> {
    let mut proofs = headers.get_all("dpop").iter();
    let Some(proof) = proofs.next() else { return Ok(None) };
    if proofs.next().is_some() {
        return Err("Send one DPoP header.");
    }
    proof.to_str().map(Some).map_err(|_| "Malformed DPoP header.")
}

/// The nonce to send with a successful answer, when the server asks for nonces.
pub fn fresh_nonce(state: &AppState) -> Option<String> {
    state.config.oauth.dpop_nonces.then(|| dpop::nonce(&state.secret, state.clock.now()))
}
