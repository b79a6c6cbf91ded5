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
        line: ui
            .f("account.session_line", &[("date", &date), ("methods", ui.t(crate::web::ui::sign_in_method(&session)))]),
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
