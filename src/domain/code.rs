//! Authorization codes (RFC 6749 §4.1.2), single-use and bound to everything the token request
//! must repeat. What a code stands for is sealed into the code itself under the server secret
//! (AES-256-GCM, with its expiry), so issuing one costs no store operation; redeeming marks it
//! used in Ephemeral (`put_new`, atomic: of two redemptions exactly one wins). A grant too large
//! to travel in a URL (a long `claims` or `nonce` parameter) is stored hashed in Ephemeral for the
//! code's lifetime instead, and the code is 32 random bytes and a 128-bit tag under the secret.
//!
//! Either kind names the grant it produces, derived from its random part: a replay, however
//! late, finds what to revoke without a record left behind for every redemption.

use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;
use crate::crypto;
use crate::domain::Core;
use crate::domain::claims::{ClaimsRequest, Subject};
use crate::domain::interaction::AuthRequest;
use crate::model::Session;
use crate::store::StoreResult;

/// What a code stands for: sealed into it, or kept under `code:{sha256}` until redeemed or expired.
#[derive(Debug, Serialize, Deserialize)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub scope: Vec<String>,
    pub user_id: String,
    pub auth_time: UnixTime,
    pub amr: Vec<String>,
    pub acr: String,
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<ClaimsRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<String>,
    /// The API the access token is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// The user as the authorization request found them, when it read them with the session:
    /// the token request then mints from it without reading the user again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
}

/// A sealed code's contents.
#[derive(Serialize, Deserialize)]
struct Sealed {
    /// 128 random bits: the grant the code produces derives from them.
    seed: String,
    expires_at: UnixTime,
    grant: CodeGrant,
}

/// What redeeming a code found.
#[derive(Debug)]
pub enum Redeemed {
    /// The code's first redemption: its grant, and the id of the grant it produces.
    First(Box<CodeGrant>, String),
    /// A code this server issued, used before or expired: the grant it produced (if any).
    Again(String),
    /// Not a code this server issued.
    Unknown,
}

/// The Ephemeral key of a stored code's grant.
fn stored_key(code: &str) -> String {
    format!("code:{}", crypto::sha256_hex(code.as_bytes()))
}

/// The Ephemeral key that marks the code of a grant as used.
fn used_key(grant_id: &str) -> String {
    format!("code-used:{grant_id}")
}

/// Sealed codes longer than this are stored instead (the redirect carries the code in its URL).
const SEALED_MAX: usize = 1024;
const PURPOSE: &str = "authorization code";

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

/// The id of the grant a stored code produces when redeemed, or `None` if this server (with
/// this secret) did not issue it. Token ids, refresh families and revocation all use this id.
fn stored_grant_id(secret: &[u8], code: &str) -> Option<String> {
    use base64::Engine;
    if code.len() != LENGTH {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(code).ok()?;
    let (random, presented) = bytes.split_at_checked(RANDOM)?;
    if !crypto::constant_time_eq(&tag(secret, random)[..TAG], presented) {
        return None;
    }
    Some(derived_grant_id(secret, random))
}

fn derived_grant_id(secret: &[u8], random: &[u8]) -> String {
    crypto::b64url(&crypto::keyed_hash(secret, &[b"authorization code grant", random])[..16])
}

/// A sealed code's contents, if this server (with this secret) sealed it.
fn unsealed(secret: &[u8], code: &str) -> Option<Sealed> {
    if code.len() <= LENGTH || code.len() > SEALED_MAX {
        return None;
    }
    serde_json::from_slice(&crypto::unseal(secret, PURPOSE, code)?).ok()
}

/// FAPI 2.0 §5.3.2.1: a profile client's codes live at most 60 seconds.
fn lifetime(state: &Core, request: &AuthRequest) -> u64 {
    let configured = state.config.lifetimes.authorization_code;
    if request.fapi2 { configured.min(60) } else { configured }
}

/// Mints a code for `request` answered by `session`, carrying `subject` when the caller read
/// the user with the session.
pub async fn issue(
    state: &Core,
    request: &AuthRequest,
    session: &Session,
    subject: Option<Subject>,
) -> StoreResult<String> {
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
        subject,
    };
    let lifetime = lifetime(state, request);
    let mut seed = [0u8; 16];
    crypto::fill(&mut seed);
    let sealed = Sealed { seed: crypto::b64url(&seed), expires_at: state.clock.now() + lifetime as i64, grant };
    if let Ok(plain) = serde_json::to_vec(&sealed) {
        let code = crypto::seal(&state.secret, PURPOSE, &plain);
        if code.len() <= SEALED_MAX {
            return Ok(code);
        }
    }
    let code = mint(&state.secret);
    state.ephemeral.put_json(&stored_key(&code), &sealed.grant, lifetime).await?;
    Ok(code)
}

/// Redeems `code`: its grant the first time, what it produced every later time.
pub async fn redeem(state: &Core, code: &str) -> StoreResult<Redeemed> {
    if let Some(sealed) = unsealed(&state.secret, code) {
        let grant_id = derived_grant_id(&state.secret, sealed.seed.as_bytes());
        let left = sealed.expires_at - state.clock.now();
        let Ok(left @ 1..) = u64::try_from(left) else { return Ok(Redeemed::Again(grant_id)) };
        if !state.ephemeral.put_new(&used_key(&grant_id), b"1".to_vec(), left).await? {
            return Ok(Redeemed::Again(grant_id));
        }
        return Ok(Redeemed::First(Box::new(sealed.grant), grant_id));
    }
    let Some(grant_id) = stored_grant_id(&state.secret, code) else { return Ok(Redeemed::Unknown) };
    Ok(match state.ephemeral.take_json::<CodeGrant>(&stored_key(code)).await? {
        Some(grant) => Redeemed::First(Box::new(grant), grant_id),
        None => Redeemed::Again(grant_id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_carries_256_random_bits_and_names_one_grant() {
        let (a, b) = (mint(b"secret"), mint(b"secret"));
        assert_eq!(a.len(), LENGTH);
        assert_ne!(a, b);
        let grant = stored_grant_id(b"secret", &a).expect("an issued code is recognised");
        assert_eq!(grant.len(), 22, "128-bit grant ids, like random ones");
        assert_eq!(stored_grant_id(b"secret", &a), Some(grant.clone()), "the same code always names the same grant");
        assert_ne!(stored_grant_id(b"secret", &b), Some(grant));
    }

    #[test]
    fn a_code_this_server_did_not_issue_names_no_grant() {
        let code = mint(b"secret");
        assert_eq!(stored_grant_id(b"another secret", &code), None);
        let mut altered = code.clone().into_bytes();
        altered[3] = if altered[3] == b'A' { b'B' } else { b'A' };
        assert_eq!(stored_grant_id(b"secret", std::str::from_utf8(&altered).unwrap()), None);
        for bad in ["", "short", &"x".repeat(LENGTH), &format!("{code}A"), &"é".repeat(LENGTH / 2)] {
            assert_eq!(stored_grant_id(b"secret", bad), None, "{bad}");
        }
    }

    fn sealed(secret: &[u8]) -> String {
        let grant = CodeGrant {
            client_id: "c1".into(),
            redirect_uri: "https://app.example/cb".into(),
            code_challenge: None,
            nonce: None,
            scope: vec!["openid".into()],
            user_id: "u1".into(),
            auth_time: 1,
            amr: vec!["otp".into()],
            acr: "aal1".into(),
            session_id: "s1".into(),
            claims: None,
            dpop_jkt: None,
            audience: None,
            subject: None,
        };
        let plain = serde_json::to_vec(&Sealed { seed: "seed".into(), expires_at: 100, grant }).unwrap();
        crypto::seal(secret, PURPOSE, &plain)
    }

    #[test]
    fn a_sealed_code_opens_only_under_its_secret_and_unaltered() {
        let code = sealed(b"secret");
        assert!(code.len() > LENGTH && code.len() <= SEALED_MAX, "{}", code.len());
        let opened = unsealed(b"secret", &code).expect("the code this secret sealed");
        assert_eq!((opened.grant.client_id.as_str(), opened.expires_at), ("c1", 100));
        assert!(unsealed(b"another secret", &code).is_none());
        let mut altered = code.clone().into_bytes();
        altered[40] = if altered[40] == b'A' { b'B' } else { b'A' };
        assert!(unsealed(b"secret", std::str::from_utf8(&altered).unwrap()).is_none());
        let other_purpose = crypto::seal(b"secret", "user", &crypto::unseal(b"secret", PURPOSE, &code).unwrap());
        assert!(unsealed(b"secret", &other_purpose).is_none(), "sealed for another purpose");
        assert!(stored_grant_id(b"secret", &code).is_none(), "a sealed code is no stored code");
    }
}
