//! Abuse controls for one-time codes and links, counted in Ephemeral so every replica shares
//! them: sends per identifier, per IP address and per bucket (a client, `/account`, a bridge),
//! with a cool-down between two sends to one identifier; checks per IP, per identifier and per
//! bucket; new sign-ins per IP; and for text messages the country allowlist, per-number and
//! per-prefix velocity and a daily cap.
//!
//! A source is an IPv4 address or an IPv6 /64 (one subscriber's allocation, RFC 6177). Each
//! source has its own send budget per identifier, and the identifier's total is four times one
//! source's, so no single source can spend it and lock the owner out.

use std::net::IpAddr;

use crate::crypto;
use crate::model::{Identifier, Phone};
use crate::state::AppState;
use crate::store::StoreResult;

/// A refusal by a rate limit: which one, and when to try again.
#[derive(Debug, PartialEq, Eq)]
pub struct Limited {
    pub limit: &'static str,
    pub retry_after: u64,
}

fn hashed(state: &AppState, id: &Identifier) -> String {
    crypto::b64url(&crypto::keyed_hash(&state.secret, &[b"limit", id.kind().as_bytes(), id.as_str().as_bytes()]))
}

/// The rate-limit source of an address: itself for IPv4, its /64 for IPv6.
pub fn source(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// Counts one event under `key` for `window` seconds; `true` once the count is over `max`.
async fn over(state: &AppState, key: &str, window: u64, max: u64) -> StoreResult<bool> {
    Ok(state.ephemeral.incr(key, window).await? > max)
}

/// Before sending a code or link to `id`, asked for from `ip` through `bucket` (see
/// `Interaction::limit_bucket`).
pub async fn before_send(state: &AppState, id: &Identifier, bucket: &str, ip: IpAddr) -> StoreResult<Option<Limited>> {
    let login = &state.config.login;
    let (who, from) = (hashed(state, id), source(ip));
    let cooldown = login.resend_cooldown_secs;
    if cooldown > 0 && !state.ephemeral.put_new(&format!("rl:cooldown:{who}:{from}"), vec![1], cooldown).await? {
        return Ok(Some(Limited { limit: "resend_cooldown", retry_after: cooldown }));
    }
    let window = login.send_window_secs;
    let per_id = u64::from(login.sends_per_window);
    let checks = [
        ("send_per_identifier_and_ip", format!("rl:send:id:{who}:{from}"), per_id),
        ("send_per_identifier", format!("rl:send:id:{who}"), per_id * 4),
        ("send_per_ip", format!("rl:send:ip:{from}"), per_id * 10),
        ("send_per_client", format!("rl:send:bucket:{bucket}"), u64::from(login.sends_per_client)),
    ];
    for (limit, key, max) in checks {
        if over(state, &key, window, max).await? {
            return Ok(Some(Limited { limit, retry_after: window }));
        }
    }
    Ok(None)
}

/// Before checking a code typed for `id`.
pub async fn before_check(state: &AppState, id: &Identifier, bucket: &str, ip: IpAddr) -> StoreResult<Option<Limited>> {
    let login = &state.config.login;
    let window = login.send_window_secs;
    let checks = [
        ("check_per_ip", format!("rl:check:ip:{}", source(ip)), u64::from(login.checks_per_ip)),
        ("check_per_identifier", format!("rl:check:id:{}", hashed(state, id)), u64::from(login.checks_per_identifier)),
        ("check_per_client", format!("rl:check:bucket:{bucket}"), u64::from(login.sends_per_client) * 5),
    ];
    for (limit, key, max) in checks {
        if over(state, &key, window, max).await? {
            return Ok(Some(Limited { limit, retry_after: window }));
        }
    }
    Ok(None)
}

/// Before storing a new interaction for a request from `ip`: unauthenticated, so counted per
/// source, and each one kept for the interaction lifetime.
pub async fn before_interaction(state: &AppState, ip: IpAddr) -> StoreResult<Option<Limited>> {
    let max = u64::from(state.config.login.sign_ins_per_ip_per_minute);
    if over(state, &format!("rl:ix:ip:{}", source(ip)), 60, max).await? {
        return Ok(Some(Limited { limit: "sign_ins_per_ip", retry_after: 60 }));
    }
    Ok(None)
}

/// SMS pumping defences before a text to `phone`; `Some(reason)` refuses it.
pub async fn sms_refusal(state: &AppState, phone: &Phone) -> StoreResult<Option<&'static str>> {
    let sms = &state.config.sms;
    if !sms.allowed_country_codes.contains(&phone.country_code()) {
        return Ok(Some("country_not_allowed"));
    }
    let number = hashed(state, &Identifier::Phone(phone.clone()));
    if over(state, &format!("rl:sms:number:{number}"), 3600, u64::from(sms.per_number_per_hour)).await? {
        return Ok(Some("number_velocity"));
    }
    let prefix: String = phone.as_str().chars().skip(1).take(usize::from(sms.prefix_digits)).collect();
    if over(state, &format!("rl:sms:prefix:{prefix}"), 3600, u64::from(sms.per_prefix_per_hour)).await? {
        return Ok(Some("prefix_velocity"));
    }
    let day = state.clock.now().div_euclid(86_400);
    if over(state, &format!("rl:sms:day:{day}"), 2 * 86_400, u64::from(sms.daily_cap)).await? {
        return Ok(Some("daily_cap"));
    }
    Ok(None)
}
