//! The device authorization grant (RFC 8628): a device without a browser gets a device code to
//! poll with and a short user code a person types on another screen, where they sign in and
//! allow or deny it.
//!
//! ```text
//! device --POST /device_authorization--> {device_code, user_code, verification_uri}
//! person --/device, user code, sign in, Allow--> grant Allowed
//! device --POST /token (device_code), every `interval` s--> pending | slow_down | tokens
//! ```

use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;
use crate::crypto;
use crate::domain::Core;
use crate::model::Session;
use crate::store::StoreResult;

/// How long a device code and its user code live (RFC 8628 §3.2 `expires_in`).
pub const LIFETIME: u64 = 600;
/// RFC 8628 §3.2: the default polling interval, and §3.5 what `slow_down` adds to it.
pub const INTERVAL: u64 = 5;
/// RFC 8628 §6.1: twenty consonants, no vowels (no words) and no look-alikes.
const ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
/// The record outlives `expires_in` by this much, so a late poll hears `expired_token`.
const GRACE: u64 = 300;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Status {
    Pending,
    /// The person allowed it, signed in as this session.
    Allowed {
        user_id: String,
        session_id: String,
        auth_time: UnixTime,
        amr: Vec<String>,
        acr: String,
    },
    Denied,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeviceGrant {
    pub client_id: String,
    pub scope: Vec<String>,
    pub user_code: String,
    pub expires_at: UnixTime,
    pub interval: u64,
    pub last_poll: Option<UnixTime>,
    pub status: Status,
}

fn grant_key(device_code: &str) -> String {
    format!("device:{}", crypto::sha256_hex(device_code.as_bytes()))
}

fn user_code_key(user_code: &str) -> String {
    format!("device-user:{user_code}")
}

/// A user code of eight letters, shown as `XXXX-XXXX` (about 34.6 bits, RFC 8628 §6.1).
fn new_user_code() -> String {
    let mut bytes = [0u8; 8];
    crypto::fill(&mut bytes);
    // 256 is not a multiple of 20; the bias (under 3 %) leaves the code's entropy near 34 bits.
    let letters: String = bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    format!("{}-{}", &letters[..4], &letters[4..])
}

/// What a person typed, as the code is stored: letters upper-cased, anything else (spaces,
/// dashes) dropped (RFC 8628 §6.1: "case-insensitive ... ignore punctuation").
pub fn normalize(typed: &str) -> Option<String> {
    let letters: String = typed.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
    (letters.len() == 8 && letters.bytes().all(|b| ALPHABET.contains(&b)))
        .then(|| format!("{}-{}", &letters[..4], &letters[4..]))
}

/// Starts a grant for `client_id`: the device code to hand out, and the stored record.
pub async fn start(core: &Core, client_id: &str, scope: Vec<String>) -> StoreResult<(String, DeviceGrant)> {
    let device_code = crypto::random_token();
    let grant = DeviceGrant {
        client_id: client_id.to_string(),
        scope,
        user_code: new_user_code(),
        expires_at: core.clock.now() + LIFETIME as i64,
        interval: INTERVAL,
        last_poll: None,
        status: Status::Pending,
    };
    let key = grant_key(&device_code);
    if !core.ephemeral.put_new(&user_code_key(&grant.user_code), key.clone().into_bytes(), LIFETIME).await? {
        // Two live grants drew the same user code: rare enough that the client may ask again.
        return Err(crate::store::StoreError::Conflict);
    }
    core.ephemeral.put_json(&key, &grant, LIFETIME + GRACE).await?;
    Ok((device_code, grant))
}

/// The live, pending grant a typed user code names.
pub async fn by_user_code(core: &Core, user_code: &str) -> StoreResult<Option<(String, DeviceGrant)>> {
    let Some(key) = core.ephemeral.get(&user_code_key(user_code)).await? else { return Ok(None) };
    let key = String::from_utf8(key).unwrap_or_default();
    let grant: Option<DeviceGrant> = core.ephemeral.get_json(&key).await?;
    let now = core.clock.now();
    Ok(grant.filter(|g| matches!(g.status, Status::Pending) && g.expires_at > now).map(|g| (key, g)))
}

/// The person's answer: allowed as `session`'s user, or denied. The user code is spent.
pub async fn decide(core: &Core, key: &str, mut grant: DeviceGrant, allowed: Option<&Session>) -> StoreResult<()> {
    core.ephemeral.delete(&user_code_key(&grant.user_code)).await?;
    grant.status = match allowed {
        Some(s) => Status::Allowed {
            user_id: s.user_id.0.clone(),
            session_id: s.id.clone(),
            auth_time: s.auth_time,
            amr: s.amr.clone(),
            acr: s.acr.clone(),
        },
        None => Status::Denied,
    };
    save(core, key, &grant, core.clock.now()).await
}

/// Writes the grant back, kept until its expiry and the grace after it.
async fn save(core: &Core, key: &str, grant: &DeviceGrant, now: UnixTime) -> StoreResult<()> {
    let left = (grant.expires_at - now).max(1) as u64 + GRACE;
    core.ephemeral.put_json(key, grant, left).await
}

/// What a poll of the token endpoint finds (RFC 8628 §3.5).
#[derive(Debug)]
pub enum Poll {
    Pending,
    SlowDown,
    Expired,
    Denied,
    Unknown,
    /// Allowed: the grant, taken so no second poll finds it.
    Allowed(Box<DeviceGrant>),
}

pub async fn poll(core: &Core, client_id: &str, device_code: &str) -> StoreResult<Poll> {
    let key = grant_key(device_code);
    let Some(mut grant) = core.ephemeral.get_json::<DeviceGrant>(&key).await? else { return Ok(Poll::Unknown) };
    if grant.client_id != client_id {
        return Ok(Poll::Unknown);
    }
    let now = core.clock.now();
    if grant.expires_at <= now {
        return Ok(Poll::Expired);
    }
    match grant.status {
        Status::Denied => return Ok(Poll::Denied),
        Status::Allowed { .. } => {
            return Ok(core
                .ephemeral
                .take_json::<DeviceGrant>(&key)
                .await?
                .map_or(Poll::Unknown, |g| Poll::Allowed(Box::new(g))));
        }
        Status::Pending => {}
    }
    // RFC 8628 §3.5: polling faster than the interval slows the device down by five seconds.
    let too_soon = grant.last_poll.is_some_and(|last| now - last < grant.interval as i64);
    if too_soon {
        grant.interval += INTERVAL;
    }
    grant.last_poll = Some(now);
    save(core, &key, &grant, now).await?;
    Ok(if too_soon { Poll::SlowDown } else { Poll::Pending })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_are_eight_consonants_and_read_back_however_typed() {
        let code = new_user_code();
        assert_eq!(code.len(), 9);
        assert!(code.bytes().enumerate().all(|(i, b)| if i == 4 { b == b'-' } else { ALPHABET.contains(&b) }));
        assert_eq!(normalize(&code.to_lowercase().replace('-', " ")), Some(code.clone()));
        assert_eq!(normalize("bcdf ghjk"), Some("BCDF-GHJK".into()));
        for bad in ["BCDF-GHJ", "ABCD-EFGH", "BCDF-GHJKL", ""] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }
}
