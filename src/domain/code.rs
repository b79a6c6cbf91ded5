//! Authorization codes (RFC 6749 §4.1.2): minted with 256 bits, stored hashed in Ephemeral for
//! 60 s, bound to everything the token request must repeat.
//!
//! A code is 32 random bytes followed by a 128-bit tag under the server secret. The tag tells a
//! code this server issued from a made-up one after its record is gone, and the grant a code
//! produces is derived from it: a replay, however late, finds what to revoke without a record
//! left behind for every redemption.

use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;
use crate::crypto;
use crate::domain::Core;
use crate::domain::claims::ClaimsRequest;
use crate::domain::interaction::AuthRequest;
use crate::model::Session;
use crate::store::StoreResult;

/// What a code stands for; kept under `code:{sha256}` until redeemed or expired.
#[derive(Debug, Serialize, Deserialize)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub scope: Vec<String>,
    pub user_id: String,
    pub auth_time: UnixTime,
    pub amr: Vec<String>,
    pub acr: String,
    pub session_id: String,
    #[serde(default)]
    pub claims: Option<ClaimsRequest>,
    #[serde(default)]
    pub dpop_jkt: Option<String>,
    /// The API the access token is for.
    #[serde(default)]
    pub audience: Option<String>,
}

pub fn key(code: &str) -> String {
    format!("code:{}", crypto::sha256_hex(code.as_bytes()))
}

const RANDOM: usize = 32;
const TAG: usize = 16;
/// Length of a code: `RANDOM + TAG` bytes in base64url without padding.
const LENGTH: usize = (RANDOM + TAG) * 4 / 3;

fn tag(secret: &[u8], random: &[u8]) -> [u8; 32] {
    crypto::keyed_hash(secret, &[b"authorization code", random])
}

fn mint(secret: &[u8]) -> String {
    let mut bytes = [0u8; RANDOM + TAG];
    let (random, tagged) = bytes.split_at_mut(RANDOM);
    crypto::fill(random);
    tagged.copy_from_slice(&tag(secret, random)[..TAG]);
    crypto::b64url(&bytes)
}

/// The id of the grant `code` produces when redeemed, or `None` if this server (with this
/// secret) did not issue it. Token ids, refresh families and revocation all use this id.
pub fn grant_id(secret: &[u8], code: &str) -> Option<String> {
    use base64::Engine;
    if code.len() != LENGTH {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(code).ok()?;
    let (random, presented) = bytes.split_at_checked(RANDOM)?;
    if !crypto::constant_time_eq(&tag(secret, random)[..TAG], presented) {
        return None;
    }
    Some(crypto::b64url(&crypto::keyed_hash(secret, &[b"authorization code grant", random])[..16]))
}

/// FAPI 2.0 §5.3.2.1: a profile client's codes live at most 60 seconds.
fn lifetime(state: &Core, request: &AuthRequest) -> u64 {
    let configured = state.config.lifetimes.authorization_code;
    if request.fapi2 { configured.min(60) } else { configured }
}

/// Mints a code for `request` answered by `session`.
pub async fn issue(state: &Core, request: &AuthRequest, session: &Session) -> StoreResult<String> {
    let code = mint(&state.secret);
    let grant = CodeGrant {
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        nonce: request.nonce.clone(),
        scope: request.scope.clone(),
        user_id: session.user_id.0.clone(),
        auth_time: session.auth_time,
        amr: session.amr.clone(),
        acr: session.acr.clone(),
        session_id: session.id.clone(),
        claims: request.claims.clone(),
        dpop_jkt: request.dpop_jkt.clone(),
        audience: request.audience.clone(),
    };
    state.ephemeral.put_json(&key(&code), &grant, lifetime(state, request)).await?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_carries_256_random_bits_and_names_one_grant() {
        let (a, b) = (mint(b"secret"), mint(b"secret"));
        assert_eq!(a.len(), LENGTH);
        assert_ne!(a, b);
        let grant = grant_id(b"secret", &a).expect("an issued code is recognised");
        assert_eq!(grant.len(), 22, "128-bit grant ids, like random ones");
        assert_eq!(grant_id(b"secret", &a), Some(grant.clone()), "the same code always names the same grant");
        assert_ne!(grant_id(b"secret", &b), Some(grant));
    }

    #[test]
    fn a_code_this_server_did_not_issue_names_no_grant() {
        let code = mint(b"secret");
        assert_eq!(grant_id(b"another secret", &code), None);
        let mut altered = code.clone().into_bytes();
        altered[3] = if altered[3] == b'A' { b'B' } else { b'A' };
        assert_eq!(grant_id(b"secret", std::str::from_utf8(&altered).unwrap()), None);
        for bad in ["", "short", &"x".repeat(LENGTH), &format!("{code}A"), &"é".repeat(LENGTH / 2)] {
            assert_eq!(grant_id(b"secret", bad), None, "{bad}");
        }
    }
}
