//! Sending a sign-in code or link by email or text message, off the request path.

use serde_json::json;

use crate::domain::Core;
use crate::domain::notify::OtpEmail;
use crate::model::Identifier;

/// A code and/or link to send, in the language of the page that asked for it.
pub struct Delivery {
    pub to: Identifier,
    pub code: Option<String>,
    pub link: Option<String>,
    pub app_name: String,
    /// A catalog's language tag.
    pub lang: String,
    /// The name a text message signs with (Vonage Verify's `brand`); `None`: the product name.
    pub brand: Option<String>,
    /// Seconds the code or link works, as the message says; `None`: `lifetimes.otp`.
    pub expires_secs: Option<u64>,
}

/// Sends off the request path, so the answer takes the same time for every identifier.
pub fn deliver_in_background(state: &Core, delivery: Delivery, client_id: Option<String>) {
    let state = state.clone();
    tokio::spawn(async move {
        let Delivery { to, code, link, app_name, lang, brand, expires_secs } = delivery;
        let tr = state.locales.named(&lang);
        let expires_secs = expires_secs.unwrap_or(state.config.lifetimes.otp);
        match &to {
            Identifier::Email(email) => {
                if state.dev_mode() && state.mailer.is_outbox() {
                    let what = code.as_deref().or(link.as_deref()).unwrap_or_default();
                    tracing::info!(target: "tessera::dev", "sign-in for {}: {what} (dev mode only)", email.as_str());
                }
                let mail = OtpEmail {
                    t: tr,
                    code: code.as_deref(),
                    link: link.as_deref(),
                    app_name: &app_name,
                    product_name: &state.config.login.product_name,
                    expires: tr.duration(expires_secs),
                    verify: false,
                };
                if let Err(e) = state.mailer.send_code(email, &mail).await {
                    tracing::error!(to = %email.masked(), error = %e, "sign-in email not delivered");
                }
            }
            Identifier::Phone(phone) => {
                let host = url::Url::parse(state.issuer()).ok().and_then(|u| u.host_str().map(str::to_owned));
                let code = code.unwrap_or_default();
                let text = crate::domain::notify::sms::code_text(
                    tr,
                    &code,
                    brand.as_deref().unwrap_or(&state.config.login.product_name),
                    expires_secs,
                    host.as_deref().unwrap_or("localhost"),
                );
                if let Err(e) = state.sms.send(phone, &text).await {
                    tracing::error!(to = %phone.masked(), error = %e, "sign-in text message not delivered");
                    let detail = json!({"to": phone.masked(), "error": e.to_string()});
                    state.audit("sms_failed", None, client_id.as_deref(), None, detail);
                }
            }
        }
    });
}
