//! One-time codes: 6 digits, stored only as an HMAC under the server secret, 10 minutes, 5
//! attempts, single use, and one live code per identifier and sign-in: a new code replaces the
//! last one of the same sign-in only, so a send started elsewhere cannot kill the code a person
//! is typing. Guesses across codes are bounded by the per-identifier check limit.
//!
//! Ephemeral keys: `otp:{challenge}` the record, `otp-live:{identifier, sign-in}` the live
//! challenge, `otp-try:{challenge}` the attempt counter.

use serde::{Deserialize, Serialize};

use crate::crypto;
use crate::model::Identifier;
use crate::state::AppState;
use crate::store::StoreResult;

pub const MAX_ATTEMPTS: u64 = 5;
pub const DIGITS: u32 = 6;

#[derive(Serialize, Deserialize)]
struct Challenge {
    identifier: Identifier,
    code_hash: [u8; 32],
    /// The sign-in (an interaction id, or an embedded API's client) that asked for the code.
    #[serde(default)]
    bound_to: String,
}

/// The outcome of checking a code.
#[derive(Debug, PartialEq, Eq)]
pub enum Check {
    Accepted(Identifier),
    Wrong {
        attempts_left: u64,
    },
    /// The attempt limit was reached: the code is dead.
    Locked,
    /// Expired, used, or replaced by a newer code.
    Expired,
}

fn identifier_key(state: &AppState, id: &Identifier, bound_to: &str) -> String {
    let parts: [&[u8]; 3] = [id.kind().as_bytes(), id.as_str().as_bytes(), bound_to.as_bytes()];
    let hash = crypto::keyed_hash(&state.secret, &parts);
    format!("otp-live:{}", crypto::b64url(&hash))
}

fn code_hash(state: &AppState, challenge_id: &str, code: &str) -> [u8; 32] {
    crypto::keyed_hash(&state.secret, &[b"otp", challenge_id.as_bytes(), code.as_bytes()])
}

/// Starts a challenge for `identifier` asked for by the sign-in `bound_to`, replacing that
/// sign-in's live one. Returns the challenge id and the code.
pub async fn start(state: &AppState, identifier: &Identifier, bound_to: &str) -> StoreResult<(String, String)> {
    let ttl = state.config.lifetimes.otp;
    let challenge_id = crypto::random_token();
    let code = crypto::random_digits(DIGITS);
    let code_hash = code_hash(state, &challenge_id, &code);
    let record = Challenge { identifier: identifier.clone(), code_hash, bound_to: bound_to.to_string() };
    state.ephemeral.put_json(&format!("otp:{challenge_id}"), &record, ttl).await?;
    let live = identifier_key(state, identifier, bound_to);
    state.ephemeral.put(&live, challenge_id.clone().into_bytes(), ttl).await?;
    Ok((challenge_id, code))
}

/// Checks `code` against the challenge: counts the attempt first, compares in constant time,
/// and consumes the challenge atomically on success.
pub async fn check(state: &AppState, challenge_id: &str, code: &str) -> StoreResult<Check> {
    let eph = &state.ephemeral;
    let key = format!("otp:{challenge_id}");
    let Some(challenge) = eph.get_json::<Challenge>(&key).await? else {
        return Ok(Check::Expired);
    };
    let live = eph.get(&identifier_key(state, &challenge.identifier, &challenge.bound_to)).await?;
    if live.as_deref() != Some(challenge_id.as_bytes()) {
        eph.delete(&key).await?;
        return Ok(Check::Expired);
    }
    let attempts = eph.incr(&format!("otp-try:{challenge_id}"), state.config.lifetimes.otp).await?;
    if attempts > MAX_ATTEMPTS {
        eph.delete(&key).await?;
        return Ok(Check::Locked);
    }
    if !crypto::constant_time_eq(&code_hash(state, challenge_id, code), &challenge.code_hash) {
        if attempts == MAX_ATTEMPTS {
            eph.delete(&key).await?;
            return Ok(Check::Locked);
        }
        return Ok(Check::Wrong { attempts_left: MAX_ATTEMPTS - attempts });
    }
    // Single use: only the request that takes the record signs in.
    match eph.take_json::<Challenge>(&key).await? {
        Some(taken) => {
            eph.delete(&identifier_key(state, &taken.identifier, &taken.bound_to)).await?;
            Ok(Check::Accepted(taken.identifier))
        }
        None => Ok(Check::Expired),
    }
}

/// A well-formed code: exactly six digits once spaces are removed.
pub fn normalize(input: &str) -> Option<String> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    (digits.len() == DIGITS as usize && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn codes_may_be_typed_with_spaces_but_must_be_six_digits() {
        assert_eq!(normalize(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(normalize("12345"), None);
        assert_eq!(normalize("12345a"), None);
        assert_eq!(normalize("1234567"), None);
    }
}
