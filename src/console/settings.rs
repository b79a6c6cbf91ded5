//! The console's settings: the effective configuration (file, environment and defaults, as
//! validated at start), read-only and without its secrets.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::Value;

use super::{Operator, html};
use crate::config::Config;
use crate::i18n::AcceptLanguage;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::ui::Ui;

/// Fields that hold secrets, wherever they appear: their values are never shown.
const SECRETS: [&str; 8] = [
    "secret",
    "password",
    "registration_tokens",
    "access_key",
    "webhook_secret",
    "twilio_auth_token",
    "vonage_api_key",
    "vonage_api_secret",
];
const HIDDEN: &str = "(hidden)";

/// The configuration as JSON, with every secret field's value replaced (when it has one), any
/// password in a URL masked, and unset options left out.
pub fn shown(config: &Config) -> Value {
    let mut value = serde_json::to_value(config).unwrap_or(Value::Null);
    hide(&mut value);
    value
}

fn hide(value: &mut Value) {
    match value {
        Value::Object(members) => {
            // TOML has no null: an unset option is left out.
            members.retain(|_, member| !member.is_null());
            for (name, member) in members.iter_mut() {
                let set = member.as_str() != Some("") && member.as_array().is_none_or(|a| !a.is_empty());
                if SECRETS.contains(&name.as_str()) {
                    if set {
                        *member = Value::String(HIDDEN.into());
                    }
                } else {
                    hide(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(hide),
        Value::String(text) if text.contains("://") => *text = crate::config::redacted(text),
        _ => {}
    }
}

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage<'a> {
    ui: Ui<'a>,
    nav: &'static str,
    operator: String,
    toml: String,
}

pub async fn page(State(state): State<AppState>, op: Operator, accept: AcceptLanguage) -> Result<Response, PageError> {
    let shown = shown(&state.config);
    let toml =
        toml::to_string_pretty(&shown).unwrap_or_else(|_| serde_json::to_string_pretty(&shown).unwrap_or_default());
    let page = SettingsPage {
        ui: state.ui(None, &accept, None),
        nav: "settings",
        operator: super::users::name(&op.user),
        toml,
    };
    html(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hidden_wherever_they_are_and_the_rest_is_shown() {
        let toml = r#"
            [directory]
            url = "postgres://app:s3cret@db/tessera"
            [email.smtp]
            host = "mail.example.com"
            username = "mailer"
            password = "mail-pass"
            [sms]
            webhook_secret = "hook-secret-0123456789-0123456789"
            [oauth]
            registration_tokens = ["reg-token"]
            [[clients]]
            id = "web"
            secret = "client-secret-0123456789"
            redirect_uris = ["https://app.example.com/cb"]
        "#;
        let config = Config::from_toml(toml, []).unwrap();
        let text = shown(&config).to_string();
        for secret in ["s3cret", "mail-pass", "hook-secret", "reg-token", "client-secret"] {
            assert!(!text.contains(secret), "{secret} is shown: {text}");
        }
        let shown = shown(&config);
        assert_eq!(shown["directory"]["url"], "postgres://app:***@db/tessera");
        assert_eq!(shown["email"]["smtp"]["host"], "mail.example.com", "what is not secret is shown");
        assert_eq!(shown["clients"][0]["secret"], HIDDEN);
        assert_eq!(shown["sms"]["twilio_auth_token"], "", "an unset secret says it is unset");
    }
}
