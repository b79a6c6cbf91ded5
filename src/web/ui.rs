//! The frame of every page: its language, the product, the application the user is signing in
//! to (name and logo), and the theme stylesheets.

use crate::config::Config;
use crate::i18n::Tr;
use crate::model::{Client, Session};

/// What a template needs besides its own fields. Templates read text as `ui.t("key")`. It
/// copies what it shows of the client, so it outlives a client looked up for one page.
pub struct Ui<'a> {
    pub tr: Tr<'a>,
    pub product: &'a str,
    /// The application's name; empty on pages of Tessera's own (account, sign-out).
    pub app: String,
    pub logo: Option<String>,
    /// A client with its own colour: its stylesheet is `/theme/{id}.css`.
    pub client_theme: Option<String>,
}

impl<'a> Ui<'a> {
    pub fn new(config: &'a Config, tr: Tr<'a>, client: Option<&Client>) -> Self {
        let product_logo =
            config.ui.logo.as_deref().map(|l| if crate::config::theme::is_url(l) { l } else { "/assets/logo" });
        Ui {
            tr,
            product: &config.login.product_name,
            app: client.map(|c| c.name.clone()).unwrap_or_default(),
            logo: client.and_then(|c| c.logo_uri.as_deref()).or(product_logo).map(str::to_owned),
            client_theme: client.filter(|c| c.primary_color.is_some()).map(|c| c.id.clone()),
        }
    }

    /// The same frame naming an application the caller knows only by name.
    pub fn named(mut self, app: &str) -> Self {
        if self.app.is_empty() {
            self.app = app.to_string();
        }
        self
    }

    pub fn lang(&self) -> &'a str {
        self.tr.lang()
    }

    pub fn t(&self, key: &str) -> &'a str {
        self.tr.t(key)
    }

    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.tr.f(key, args)
    }

    /// HTML with escaped arguments, for `|safe`.
    pub fn h(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.tr.h(key, args)
    }

    /// The browser a `User-Agent` names, in this language: "Firefox unter Windows".
    pub fn device(&self, user_agent: &str) -> String {
        crate::device::Device::parse(user_agent).name(self.t("device.on"), self.t("device.unknown"))
    }
}

/// The catalog key describing `scope` to the user; `None` for a scope Tessera does not know.
pub fn scope_label(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "openid" => "consent.scope_openid",
        "profile" => "consent.scope_profile",
        "email" => "consent.scope_email",
        "phone" => "consent.scope_phone",
        "offline_access" => "consent.scope_offline_access",
        _ => return None,
    })
}

/// Every `passkey.*` message, as JSON for the page's script (which shows them by code).
pub const PASSKEY_MESSAGES: [&str; 17] = [
    "no_passkey_used",
    "saved",
    "already",
    "not_created",
    "failed",
    "expired",
    "unavailable",
    "busy",
    "unreadable",
    "not_verified",
    "not_registered",
    "duplicate",
    "no_account",
    "account_cannot",
    "ticket_invalid",
    "ticket_used",
    "bad_request",
];

impl Ui<'_> {
    pub fn passkey_messages(&self) -> String {
        let messages: serde_json::Map<String, serde_json::Value> =
            PASSKEY_MESSAGES.iter().map(|k| (k.to_string(), self.t(&format!("passkey.{k}")).into())).collect();
        // Inside <script>: no "<" may close the element.
        serde_json::Value::Object(messages).to_string().replace('<', "\\u003c")
    }
}

/// The catalog key saying in words how a session signed in: by the method `login::finish`
/// recorded, else (sessions older than that record) by what its `amr` shows.
pub fn sign_in_method(session: &Session) -> &'static str {
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
        assert_eq!(sign_in_method(&session("email_code", &["otp"])), "account.method_email_code");
        assert_eq!(sign_in_method(&session("sms_code", &["otp"])), "account.method_sms_code");
        assert_eq!(sign_in_method(&session("email_link", &["otp"])), "account.method_email_link");
        assert_eq!(sign_in_method(&session("magic_link", &["otp"])), "account.method_link");
        assert_eq!(sign_in_method(&session("passkey", &["swk", "user"])), "account.method_passkey_synced");
        assert_eq!(sign_in_method(&session("passkey", &["hwk", "user", "mfa"])), "account.method_passkey_device");
        assert_eq!(
            sign_in_method(&session("", &["otp"])),
            "account.method_code",
            "a session from before methods were kept"
        );
        assert_eq!(sign_in_method(&session("", &[])), "account.method_other");
    }
}
