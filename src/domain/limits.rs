//! Abuse controls for one-time codes and links, counted in Ephemeral so every replica shares
//! them: sends per identifier from one source and in all, per source and per bucket (a client,
//! `/account`, or one bridge), with a cool-down between two sends to one identifier; checks per
//! source, per identifier and per bucket; new sign-ins per source; and for text messages the
//! country allowlist, per-number and per-prefix velocity and a daily cap.
//!
//! A source is an IPv4 address or an IPv6 /64 (one customer's network: a host picks any address
//! in it). One source can spend only its own share of an identifier's sends, so someone who
//! knows an address cannot spend its whole budget alone.

use std::net::IpAddr;

use crate::crypto;
use crate::domain::Core;
use crate::model::{Identifier, Phone};
use crate::store::{StoreError, StoreResult};

/// A refusal by a rate limit: which one, and when to try again.
#[derive(Debug, PartialEq, Eq)]
pub struct Limited {
    pub limit: &'static str,
    pub retry_after: u64,
}

fn hashed(state: &Core, id: &Identifier) -> String {
    crypto::b64url(&crypto::keyed_hash(&state.secret, &[b"limit", id.kind().as_bytes(), id.as_str().as_bytes()]))
}

/// Counts one event under `key` for `window` seconds; `true` once the count is over `max`.
async fn over(state: &Core, key: &str, window: u64, max: u64) -> StoreResult<bool> {
    Ok(state.ephemeral.incr(key, window).await? > max)
}

/// Counts `limits` (name, key, window, max) in one call, in order; the name of the first over
/// its max, which refuses.
async fn refusing(state: &Core, limits: &[(&'static str, &str, u64, u64)]) -> StoreResult<Option<&'static str>> {
    let counters: Vec<(&str, u64, u64)> = limits.iter().map(|(_, key, window, max)| (*key, *window, *max)).collect();
    match state.ephemeral.incr_until_over(&counters).await? {
        None => Ok(None),
        Some(i) => match limits.get(i) {
            Some((name, ..)) => Ok(Some(name)),
            None => Err(StoreError::Corrupt(format!("limit {i} of {} reported over", limits.len()))),
        },
    }
}

/// `checks` (name, key, max) sharing one `window`, as `refusing` counts them.
async fn first_over(state: &Core, checks: &[(&'static str, String, u64)], window: u64) -> StoreResult<Option<Limited>> {
    let limits: Vec<_> = checks.iter().map(|(name, key, max)| (*name, key.as_str(), window, *max)).collect();
    Ok(refusing(state, &limits).await?.map(|limit| Limited { limit, retry_after: window }))
}

/// The source a limit counts: the IPv4 address, or the /64 of an IPv6 address.
pub fn source(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// How many sources' worth of sends an identifier gets in all, per window.
const SOURCES_PER_IDENTIFIER: u64 = 4;

/// Before sending a code or link to `id`, asked from `ip`, counted in `bucket`.
pub async fn before_send(state: &Core, id: &Identifier, bucket: &str, ip: IpAddr) -> StoreResult<Option<Limited>> {
    let login = &state.config.login;
    let who = hashed(state, id);
    let from = source(ip);
    let cooldown = login.resend_cooldown_secs;
    if cooldown > 0 {
        // The cool-down's end is its value, so a refusal can say how long is left.
        let key = format!("rl:cooldown:{who}");
        let ends = state.clock.now() + cooldown as i64;
        if !state.ephemeral.put_new(&key, ends.to_be_bytes().to_vec(), cooldown).await? {
            let ends = state.ephemeral.get(&key).await?.and_then(|v| v.try_into().ok()).map(i64::from_be_bytes);
            let left = ends.map_or(cooldown, |end| (end - state.clock.now()).clamp(1, cooldown as i64) as u64);
            return Ok(Some(Limited { limit: "resend_cooldown", retry_after: left }));
        }
    }
    let window = login.send_window_secs;
    let per_id = u64::from(login.sends_per_window);
    let checks = [
        ("send_per_identifier", format!("rl:send:id:{who}:{from}"), per_id),
        ("send_per_identifier_total", format!("rl:send:id:{who}"), per_id * SOURCES_PER_IDENTIFIER),
        ("send_per_ip", format!("rl:send:ip:{from}"), per_id * 10),
        ("send_per_client", format!("rl:send:{bucket}"), u64::from(login.sends_per_client)),
    ];
    first_over(state, &checks, window).await
}

/// Before checking a code typed for `id` from `ip`, counted in `bucket`. Checks per identifier
/// are counted over every source: guessing must not scale with the guesser's addresses.
pub async fn before_check(state: &Core, id: &Identifier, bucket: &str, ip: IpAddr) -> StoreResult<Option<Limited>> {
    let login = &state.config.login;
    let window = login.send_window_secs;
    let checks = [
        ("check_per_ip", format!("rl:check:ip:{}", source(ip)), u64::from(login.checks_per_ip)),
        ("check_per_identifier", format!("rl:check:id:{}", hashed(state, id)), u64::from(login.checks_per_identifier)),
        ("check_per_client", format!("rl:check:{bucket}"), u64::from(login.sends_per_client) * 5),
    ];
    first_over(state, &checks, window).await
}

/// Before storing a new interaction for a request from `ip`: unauthenticated, so counted per
/// source, and each one kept for the interaction lifetime.
pub async fn before_interaction(state: &Core, ip: IpAddr) -> StoreResult<Option<Limited>> {
    let max = u64::from(state.config.login.sign_ins_per_ip_per_minute);
    if over(state, &format!("rl:ix:ip:{}", source(ip)), 60, max).await? {
        return Ok(Some(Limited { limit: "sign_ins_per_ip", retry_after: 60 }));
    }
    Ok(None)
}

/// RFC 8628 §5.1: user codes are short enough to guess in bulk, so each source may try only
/// a few in a window.
pub async fn before_user_code(state: &Core, ip: IpAddr) -> StoreResult<Option<Limited>> {
    if over(state, &format!("rl:device:ip:{}", source(ip)), USER_CODE_WINDOW, USER_CODES_PER_WINDOW).await? {
        return Ok(Some(Limited { limit: "user_codes_per_ip", retry_after: USER_CODE_WINDOW }));
    }
    Ok(None)
}

const USER_CODE_WINDOW: u64 = 600;
const USER_CODES_PER_WINDOW: u64 = 20;

/// SMS pumping defences before a text to `phone`; `Some(reason)` refuses it.
pub async fn sms_refusal(state: &Core, phone: &Phone) -> StoreResult<Option<&'static str>> {
    let sms = &state.config.sms;
    if !sms.allowed_country_codes.contains(&phone.country_code()) {
        return Ok(Some("country_not_allowed"));
    }
    let number = hashed(state, &Identifier::Phone(phone.clone()));
    let prefix: String = phone.as_str().chars().skip(1).take(usize::from(sms.prefix_digits)).collect();
    let day = state.clock.now().div_euclid(86_400);
    // In this order: a number or prefix refused by its velocity never spends the daily cap.
    let (number, prefix, day) =
        (format!("rl:sms:number:{number}"), format!("rl:sms:prefix:{prefix}"), format!("rl:sms:day:{day}"));
    let limits = [
        ("number_velocity", number.as_str(), 3600, u64::from(sms.per_number_per_hour)),
        ("prefix_velocity", prefix.as_str(), 3600, u64::from(sms.per_prefix_per_hour)),
        ("daily_cap", day.as_str(), 2 * 86_400, u64::from(sms.daily_cap)),
    ];
    refusing(state, &limits).await
}

#[cfg(test)]
mod tests {
    use super::source;

    #[test]
    fn an_ipv6_source_is_its_64_and_an_ipv4_one_its_address() {
        let a = source("2001:db8:1:2:aaaa::1".parse().unwrap());
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(a, source("2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap()), "one /64, one source");
        assert_ne!(a, source("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(source("192.0.2.7".parse().unwrap()), "192.0.2.7");
        assert_eq!(source("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7", "a mapped IPv4 address is itself");
    }
}
