//! `SmsSender`: text messages through a vendor's REST API (Twilio, Vonage), a generic signed
//! JSON webhook, or the log (dev). Vendor errors come back as a short reason for the audit
//! trail and a clear message for the user; nothing here panics on what a vendor answers.

use std::time::Duration;

use serde_json::{Value, json};

use crate::config::{SmsConfig, SmsProvider};
use crate::model::Phone;

/// Why a text was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// The vendor answered and refused: its code and message.
    #[error("refused by the SMS provider: {0}")]
    Refused(String),
    #[error("SMS provider unreachable: {0}")]
    Unreachable(String),
    #[error("SMS is off")]
    Off,
}

pub struct SmsSender {
    config: SmsConfig,
    http: reqwest::Client,
}

impl SmsSender {
    pub fn new(config: &SmsConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        SmsSender { config: config.clone(), http }
    }

    pub fn describe(&self) -> String {
        let c = &self.config;
        if !c.enabled() {
            return "off".into();
        }
        let countries: Vec<String> = c.allowed_country_codes.iter().map(|cc| format!("+{cc}")).collect();
        format!("{:?} to {}", c.provider, countries.join(" ")).to_ascii_lowercase()
    }

    /// Sends `text` to `to`.
    pub async fn send(&self, to: &Phone, text: &str) -> Result<(), SmsError> {
        let c = &self.config;
        match c.provider {
            SmsProvider::Off => Err(SmsError::Off),
            SmsProvider::Log => {
                tracing::info!(target: "tessera::dev", "text message to {}: {text} (dev mode only)", to.as_str());
                Ok(())
            }
            SmsProvider::Webhook => {
                self.webhook(json!({ "to": to.as_str(), "from": c.from, "text": text }).to_string()).await
            }
            SmsProvider::Twilio => self.twilio(to, text).await,
            SmsProvider::Vonage => self.vonage(to, text).await,
        }
    }

    /// Whether `call` can reach a phone: Twilio's Calls API, the webhook, or the log (dev).
    /// Vonage's Voice API needs an application key pair, which Tessera does not hold.
    pub fn voice_capable(&self) -> bool {
        self.config.enabled()
            && matches!(self.config.provider, SmsProvider::Twilio | SmsProvider::Webhook | SmsProvider::Log)
    }

    /// Calls `to` and reads `text` out in `lang` (a BCP 47 tag such as `fr-FR`).
    pub async fn call(&self, to: &Phone, text: &str, lang: &str) -> Result<(), SmsError> {
        let c = &self.config;
        match c.provider {
            SmsProvider::Log => {
                tracing::info!(target: "tessera::dev", "voice call to {}: {text} (dev mode only)", to.as_str());
                Ok(())
            }
            SmsProvider::Webhook => {
                let body = json!({ "to": to.as_str(), "from": c.from, "text": text, "channel": "voice", "lang": lang });
                self.webhook(body.to_string()).await
            }
            SmsProvider::Twilio => self.twilio_call(to, text, lang).await,
            SmsProvider::Vonage | SmsProvider::Off => Err(SmsError::Off),
        }
    }

    /// Twilio Programmable Voice: `POST /2010-04-01/Accounts/{sid}/Calls.json`, form fields
    /// `To`, `From`, `Twiml` (`<Response><Say language="…">…</Say></Response>`), HTTP Basic.
    async fn twilio_call(&self, to: &Phone, text: &str, lang: &str) -> Result<(), SmsError> {
        let c = &self.config;
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Calls.json",
            c.twilio_base_url.trim_end_matches('/'),
            url::form_urlencoded::byte_serialize(c.twilio_account_sid.as_bytes()).collect::<String>()
        );
        let twiml = format!("<Response><Say language=\"{}\">{}</Say></Response>", xml_escape(lang), xml_escape(text));
        let response = self
            .http
            .post(url)
            .basic_auth(&c.twilio_account_sid, Some(&c.twilio_auth_token))
            .form(&[("To", to.as_str()), ("From", c.from.as_str()), ("Twiml", twiml.as_str())])
            .send()
            .await
            .map_err(|e| SmsError::Unreachable(e.to_string()))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(());
        }
        let code = body["code"].as_i64().map_or_else(|| status.as_u16().to_string(), |c| c.to_string());
        Err(SmsError::Refused(format!("twilio {code}: {}", body["message"].as_str().unwrap_or("no message"))))
    }

    /// POSTs a signed JSON body to the configured webhook.
    async fn webhook(&self, body: String) -> Result<(), SmsError> {
        let c = &self.config;
        let signature =
            crate::domain::audit::signature(&c.webhook_secret, crate::clock::Clock::System.now(), body.as_bytes());
        let response = self
            .http
            .post(&c.webhook_url)
            .header("content-type", "application/json")
            .header("tessera-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| SmsError::Unreachable(e.to_string()))?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(SmsError::Refused(format!("webhook answered {}", response.status().as_u16())))
    }

    /// Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{sid}/Messages.json`, form
    /// fields `To`, `From`, `Body`, HTTP Basic with the account SID and auth token. Errors are
    /// `{"code": 21211, "message": "...", "more_info": "...", "status": 400}`.
    async fn twilio(&self, to: &Phone, text: &str) -> Result<(), SmsError> {
        let c = &self.config;
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            c.twilio_base_url.trim_end_matches('/'),
            url::form_urlencoded::byte_serialize(c.twilio_account_sid.as_bytes()).collect::<String>()
        );
        let response = self
            .http
            .post(url)
            .basic_auth(&c.twilio_account_sid, Some(&c.twilio_auth_token))
            .form(&[("To", to.as_str()), ("From", c.from.as_str()), ("Body", text)])
            .send()
            .await
            .map_err(|e| SmsError::Unreachable(e.to_string()))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(());
        }
        let code = body["code"].as_i64().map_or_else(|| status.as_u16().to_string(), |c| c.to_string());
        let message = body["message"].as_str().unwrap_or("no message");
        Err(SmsError::Refused(format!("twilio {code}: {message}")))
    }

    /// Vonage SMS API: `POST /sms/json`, form fields `api_key`, `api_secret`, `from`, `to`
    /// (digits only), `text`. It answers 200 with one status per message part; a status other
    /// than `"0"` is an error with `error-text`.
    async fn vonage(&self, to: &Phone, text: &str) -> Result<(), SmsError> {
        let c = &self.config;
        let url = format!("{}/sms/json", c.vonage_base_url.trim_end_matches('/'));
        let to = to.as_str().trim_start_matches('+');
        let form = [
            ("api_key", c.vonage_api_key.as_str()),
            ("api_secret", c.vonage_api_secret.as_str()),
            ("from", c.from.as_str()),
            ("to", to),
            ("text", text),
        ];
        let response =
            self.http.post(url).form(&form).send().await.map_err(|e| SmsError::Unreachable(e.to_string()))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let messages = body["messages"].as_array().cloned().unwrap_or_default();
        if status.is_success() && !messages.is_empty() && messages.iter().all(|m| m["status"] == "0") {
            return Ok(());
        }
        let failed = messages.iter().find(|m| m["status"] != "0");
        let code = failed.and_then(|m| m["status"].as_str()).unwrap_or("?");
        let message = failed.and_then(|m| m["error-text"].as_str()).unwrap_or("no error text");
        Err(SmsError::Refused(format!("vonage {code}: {message} (HTTP {})", status.as_u16())))
    }
}

/// The sign-in text: the code, the brand, and the WebOTP line (`@host #code`) last, so
/// browsers that support it fill the code in.
pub fn code_text(t: crate::i18n::Tr<'_>, code: &str, brand: &str, expires_secs: u64, host: &str) -> String {
    let text = t.f("sms.code", &[("code", code), ("app", brand), ("minutes", &t.duration(expires_secs))]);
    format!("{text}\n\n@{host} #{code}")
}

/// The spoken code: each digit apart, said twice, with how long it works.
pub fn voice_text(t: crate::i18n::Tr<'_>, code: &str, brand: &str, expires_secs: u64) -> String {
    let digits = code.chars().map(String::from).collect::<Vec<_>>().join(", ");
    t.f("sms.voice", &[("app", brand), ("digits", &digits), ("minutes", &t.duration(expires_secs))])
}

/// A BCP 47 tag for a voice in the catalog's language (`fr` -> `fr-FR`).
pub fn voice_language(lang: &str) -> String {
    match lang {
        "en" => "en-US".into(),
        "de" | "es" | "fr" => format!("{lang}-{}", lang.to_ascii_uppercase()),
        other => other.into(),
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_code_text_ends_with_the_web_otp_line() {
        let locales = crate::i18n::Locales::load("en").unwrap();
        let text = super::code_text(locales.named("en"), "123456", "Tessera", 600, "login.example.com");
        assert!(text.starts_with("123456 is your Tessera sign-in code."), "{text}");
        let german = super::code_text(locales.named("de"), "123456", "Tessera", 600, "login.example.com");
        assert!(german.starts_with("123456") && german != text, "{german}");
        assert!(text.ends_with("\n@login.example.com #123456"));
        let short = super::code_text(locales.named("en"), "123456", "Acme", 90, "login.example.com");
        assert!(short.starts_with("123456 is your Acme sign-in code. It expires in 90 seconds."), "{short}");
        let spoken = super::voice_text(locales.named("en"), "1234", "Acme", 300);
        assert_eq!(spoken, "Your Acme code is 1, 2, 3, 4. Once more: 1, 2, 3, 4. It expires in 5 minutes.");
    }
}
