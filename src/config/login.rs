//! `[login]`, `[lifetimes]` and `[passkeys]`: how people sign in and how long what they get lasts.

use serde::{Deserialize, Serialize};

use crate::model::EmailSends;

/// WebAuthn passkeys.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasskeyConfig {
    /// Offer passkeys. They need an issuer whose host is a domain name, not an IP address.
    pub enabled: bool,
    /// The WebAuthn relying-party id; empty: the issuer's host. May be a parent domain of it.
    pub rp_id: String,
    /// Origins (scheme, host, port) allowed to run ceremonies, matched exactly; empty: the
    /// issuer's origin.
    pub origins: Vec<String>,
    /// After a sign-in by another method, offer once (per browser) to add a passkey.
    pub offer_after_login: bool,
}

impl Default for PasskeyConfig {
    fn default() -> Self {
        PasskeyConfig { enabled: true, rp_id: String::new(), origins: Vec::new(), offer_after_login: true }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoginConfig {
    /// Sign-in by a one-time code sent by email.
    pub email_code: bool,
    /// What the sign-in email carries: `code`, `link`, or `both`. Clients may override it.
    pub email_sends: EmailSends,
    /// Whether a magic link opened in another browser signs the user in there. When not, it
    /// asks to approve the sign-in for the browser that asked, which then continues. Clients
    /// may override it.
    pub cross_device_links: bool,
    /// Sends allowed per client in one window (all identifiers together).
    pub sends_per_client: u32,
    /// Code checks allowed per IP address, and per identifier, in one window.
    pub checks_per_ip: u32,
    pub checks_per_identifier: u32,
    /// Sign-ins (interactions) started per IP address per minute; each is kept for
    /// `lifetimes.interaction`, so this bounds what one source can make Tessera hold.
    pub sign_ins_per_ip_per_minute: u32,
    /// Seconds before another code can be sent to the same address or number.
    pub resend_cooldown_secs: u64,
    /// Whether an unknown email address may sign up by proving it owns the address.
    pub signup: bool,
    /// Product name shown on pages and in emails.
    pub product_name: String,
    /// Code sends allowed per address (and, times ten, per IP) in one window.
    pub sends_per_window: u32,
    pub send_window_secs: u64,
}

/// Lifetimes in seconds.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Lifetimes {
    pub authorization_code: u64,
    pub access_token: u64,
    pub id_token: u64,
    pub refresh_token: u64,
    pub session: u64,
    pub interaction: u64,
    pub otp: u64,
    pub magic_link: u64,
}

impl Default for LoginConfig {
    fn default() -> Self {
        LoginConfig {
            email_code: true,
            email_sends: EmailSends::Both,
            cross_device_links: false,
            sends_per_client: 1000,
            checks_per_ip: 50,
            checks_per_identifier: 15,
            sign_ins_per_ip_per_minute: 30,
            resend_cooldown_secs: 30,
            signup: true,
            product_name: "Tessera".into(),
            sends_per_window: 5,
            send_window_secs: 900,
        }
    }
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            authorization_code: 60,
            access_token: 600,
            id_token: 3600,
            refresh_token: 30 * 24 * 3600,
            session: 14 * 24 * 3600,
            interaction: 600,
            otp: 600,
            magic_link: 900,
        }
    }
}
