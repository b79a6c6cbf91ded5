//! The attempt rule every code check shares (sign-in codes, `/verify` codes): the attempt is
//! counted before the code is compared, a code takes at most five attempts, and the fifth wrong
//! one ends it, so no one gets a sixth guess however the requests race.

use crate::store::{Ephemeral, StoreResult};

/// Attempts a code allows.
pub const MAX_ATTEMPTS: u64 = 5;

/// What one counted attempt comes to.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The code matched within the allowance.
    Right,
    /// It did not match; this many attempts remain.
    Wrong { left: u64 },
    /// The allowance is spent (by this attempt or before it): the code is dead.
    Spent,
}

/// The rule, for the `attempt`-th attempt (counting from 1) whose code did or did not match.
pub fn judge(attempt: u64, matched: bool) -> Verdict {
    match (attempt, matched) {
        (n, _) if n > MAX_ATTEMPTS => Verdict::Spent,
        (_, true) => Verdict::Right,
        (n, false) if n == MAX_ATTEMPTS => Verdict::Spent,
        (n, false) => Verdict::Wrong { left: MAX_ATTEMPTS - n },
    }
}

/// Counts an attempt under `counter` (kept `window` seconds), then judges it; `matches` is
/// asked only after the count, and only while attempts remain.
pub async fn attempt(
    ephemeral: &dyn Ephemeral,
    counter: &str,
    window: u64,
    matches: impl FnOnce() -> bool,
) -> StoreResult<(u64, Verdict)> {
    let n = ephemeral.incr(counter, window).await?;
    let matched = n <= MAX_ATTEMPTS && matches();
    Ok((n, judge(n, matched)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_right_code_within_five_attempts_is_accepted() {
        for n in 1..=MAX_ATTEMPTS {
            assert_eq!(judge(n, true), Verdict::Right, "attempt {n}");
        }
    }

    #[test]
    fn each_wrong_attempt_says_how_many_remain() {
        assert_eq!(judge(1, false), Verdict::Wrong { left: 4 });
        assert_eq!(judge(4, false), Verdict::Wrong { left: 1 });
    }

    #[test]
    fn the_fifth_wrong_attempt_ends_the_code() {
        assert_eq!(judge(MAX_ATTEMPTS, false), Verdict::Spent);
    }

    #[test]
    fn no_sixth_attempt_is_compared_even_with_the_right_code() {
        assert_eq!(judge(MAX_ATTEMPTS + 1, true), Verdict::Spent);
        assert_eq!(judge(100, false), Verdict::Spent);
    }
}
