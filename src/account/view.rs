//! What the account page shows of sessions and passkeys, in the reader's language: browsers by
//! name, sign-in methods in words, dates with the month's name, last use as time ago.

use crate::clock::UnixTime;
use crate::dates;
use crate::model::{Session, StoredPasskey};
use crate::web::ui::Ui;

pub struct SessionRow {
    pub id: String,
    /// "Chrome on Linux".
    pub device: String,
    /// "Signed in 12 March 2026, 14:05 UTC · Email code".
    pub line: String,
    /// "Active now" for this browser, else "Last active 5 minutes ago".
    pub active: String,
    pub current: bool,
}

pub struct PasskeyRow {
    pub cred_id: String,
    pub name: String,
    /// "passkey on this device · added 12 March 2026, 14:05 UTC · last used never".
    pub line: String,
}

pub fn session_row(ui: &Ui<'_>, session: Session, current: &Session, now: UnixTime) -> SessionRow {
    let this = session.id == current.id;
    let date = dates::date(ui.tr, session.auth_time);
    let active = if this {
        ui.t("account.active_now").to_string()
    } else {
        ui.f("account.last_active", &[("ago", &dates::ago(ui.tr, session.last_seen, now))])
    };
    SessionRow {
        device: ui.device(&session.user_agent),
        line: ui.f("account.session_line", &[("date", &date), ("methods", ui.t(method(&session)))]),
        active,
        current: this,
        id: session.id,
    }
}

pub fn passkey_row(ui: &Ui<'_>, passkey: StoredPasskey) -> PasskeyRow {
    let kind = ui.t(if passkey.backup_eligible { "account.synced" } else { "account.device_bound" });
    let added = dates::date(ui.tr, passkey.created_at);
    let used = passkey.last_used_at.map_or_else(|| ui.t("account.never").to_string(), |t| dates::date(ui.tr, t));
    PasskeyRow {
        line: ui.f("account.passkey_line", &[("kind", kind), ("added", &added), ("used", &used)]),
        cred_id: passkey.cred_id,
        name: passkey.name,
    }
}

/// The catalog key saying in words how a session signed in: by the method `login::finish`
/// recorded, else (sessions older than that record) by what its `amr` shows.
pub fn method(session: &Session) -> &'static str {
    let has = |value: &str| session.amr.iter().any(|a| a == value);
    match session.method.as_str() {
        "email_code" => "account.method_email_code",
        "sms_code" => "account.method_sms_code",
        "email_link" => "account.method_email_link",
        "magic_link" | "passwordless_link" => "account.method_link",
        // RFC 8176: `swk` a software-protected key (a synced passkey), `hwk` a hardware one.
        _ if has("swk") => "account.method_passkey_synced",
        _ if has("hwk") => "account.method_passkey_device",
        _ if has("otp") => "account.method_code",
        _ => "account.method_other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UserId;

    fn session(method: &str, amr: &[&str]) -> Session {
        Session {
            id: "s".into(),
            user_id: UserId("u".into()),
            auth_time: 0,
            amr: amr.iter().map(|a| a.to_string()).collect(),
            acr: String::new(),
            expires_at: 1,
            method: method.into(),
            user_agent: String::new(),
            last_seen: 0,
        }
    }

    #[test]
    fn sign_in_methods_are_said_in_words_not_amr_values() {
        assert_eq!(method(&session("email_code", &["otp"])), "account.method_email_code");
        assert_eq!(method(&session("sms_code", &["otp"])), "account.method_sms_code");
        assert_eq!(method(&session("email_link", &["otp"])), "account.method_email_link");
        assert_eq!(method(&session("magic_link", &["otp"])), "account.method_link");
        assert_eq!(method(&session("passkey", &["swk", "user"])), "account.method_passkey_synced");
        assert_eq!(method(&session("passkey", &["hwk", "user", "mfa"])), "account.method_passkey_device");
        assert_eq!(method(&session("", &["otp"])), "account.method_code", "a session from before methods were kept");
        assert_eq!(method(&session("", &[])), "account.method_other");
    }
}
