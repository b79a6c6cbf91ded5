//! One-time codes: 6 digits, stored only as an HMAC under the server secret, 10 minutes, 5
//! attempts, single use, and one live code per identifier in each scope (a new one replaces
//! the last). The scope is the sign-in that asked (or the client, for the embedded API), so a
//! send started elsewhere, by anyone who knows the address, does not kill a pending code.
//! Guessing across scopes stays bounded by the per-identifier check limit (`limits`).
//!
//! Ephemeral keys: `otp:{challenge}` the record, `otp-live:{identifier, scope}` the live
//! challenge, `otp-try:{challenge}` the attempt counter.

use serde::{Deserialize, Serialize};

use crate::crypto;
use crate::domain::Core;
use crate::domain::attempts::{self, Verdict};
use crate::model::Identifier;
use crate::store::StoreResult;

pub const DIGITS: u32 = 6;

#[derive(Serialize, Deserialize)]
struct Challenge {
    identifier: Identifier,
    code_hash: [u8; 32],
    scope: String,
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

fn live_key(state: &Core, id: &Identifier, scope: &str) -> String {
    let hash = crypto::keyed_hash(&state.secret, &[id.kind().as_bytes(), id.as_str().as_bytes(), scope.as_bytes()]);
    format!("otp-live:{}", crypto::b64url(&hash))
}

fn code_hash(state: &Core, challenge_id: &str, code: &str) -> [u8; 32] {
    crypto::keyed_hash(&state.secret, &[b"otp", challenge_id.as_bytes(), code.as_bytes()])
}

/// Starts a challenge for `identifier` in `scope`, replacing the live one of that scope.
/// Returns the challenge id and the code.
pub async fn start(state: &Core, identifier: &Identifier, scope: &str) -> StoreResult<(String, String)> {
    let ttl = state.config.lifetimes.otp;
    let challenge_id = crypto::random_token();
    let code = crypto::random_digits(DIGITS);
    let code_hash = code_hash(state, &challenge_id, &code);
    let record = Challenge { identifier: identifier.clone(), code_hash, scope: scope.to_string() };
    state.ephemeral.put_json(&format!("otp:{challenge_id}"), &record, ttl).await?;
    state.ephemeral.put(&live_key(state, identifier, scope), challenge_id.clone().into_bytes(), ttl).await?;
    Ok((challenge_id, code))
}

/// Checks `code` against the challenge: counts the attempt first, compares in constant time,
/// and consumes the challenge atomically on success.
pub async fn check(state: &Core, challenge_id: &str, code: &str) -> StoreResult<Check> {
    let eph = &state.ephemeral;
    let key = format!("otp:{challenge_id}");
    let Some(challenge) = eph.get_json::<Challenge>(&key).await? else {
        return Ok(Check::Expired);
    };
    let live = eph.get(&live_key(state, &challenge.identifier, &challenge.scope)).await?;
    if live.as_deref() != Some(challenge_id.as_bytes()) {
        eph.delete(&key).await?;
        return Ok(Check::Expired);
    }
    let counter = format!("otp-try:{challenge_id}");
    let matches = || crypto::constant_time_eq(&code_hash(state, challenge_id, code), &challenge.code_hash);
    match attempts::attempt(eph.as_ref(), &counter, state.config.lifetimes.otp, matches).await?.1 {
        Verdict::Right => {}
        Verdict::Wrong { left } => return Ok(Check::Wrong { attempts_left: left }),
        Verdict::Spent => {
            eph.delete(&key).await?;
            return Ok(Check::Locked);
        }
    }
    // Single use: only the request that takes the record signs in.
    match eph.take_json::<Challenge>(&key).await? {
        Some(taken) => {
            eph.delete(&live_key(state, &taken.identifier, &taken.scope)).await?;
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
    use proptest::prelude::*;

    use super::normalize;

    proptest! {
        #[test]
        fn six_digits_are_accepted_however_spaces_and_dashes_split_them(
            digits in "[0-9]{6}",
            splits in prop::collection::vec(prop::sample::select(vec!["", " ", "-", "  ", " - "]), 7),
        ) {
            let typed: String = splits.iter().zip(digits.chars().map(Some).chain([None]))
                .flat_map(|(sep, d)| sep.chars().chain(d))
                .collect();
            prop_assert_eq!(normalize(&typed), Some(digits));
        }

        #[test]
        fn anything_but_six_digits_with_spaces_and_dashes_is_refused(typed in ".{0,12}") {
            let digits: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
            let valid = digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit());
            prop_assert_eq!(normalize(&typed).is_some(), valid);
        }
    }

    #[test]
    fn codes_may_be_typed_with_spaces_but_must_be_six_digits() {
        assert_eq!(normalize(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(normalize("12345"), None);
        assert_eq!(normalize("12345a"), None);
        assert_eq!(normalize("1234567"), None);
    }
}
