//! `[sms]`: sign-in codes by text message, the provider that sends them, and the controls
//! against SMS pumping.

use serde::{Deserialize, Serialize};

/// Sign-in codes by text message, and the controls against SMS pumping.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsConfig {
    /// `off`, `log` (dev only: the message goes to the log), `webhook`, `twilio` or `vonage`.
    pub provider: SmsProvider,
    /// Sender: a number in E.164 form, or an alphanumeric sender id where the vendor allows it.
    pub from: String,
    /// Country calling codes SMS may go to (1, 44, 49 ...). Empty: SMS is off.
    pub allowed_country_codes: Vec<u16>,
    /// ISO 3166 region for numbers typed without a country code (`US`); empty: +CC required.
    pub default_region: String,
    pub webhook_url: String,
    /// Signs webhook requests (`Tessera-Signature`, as audit webhooks); at least 32 characters.
    pub webhook_secret: String,
    pub twilio_account_sid: String,
    pub twilio_auth_token: String,
    pub twilio_base_url: String,
    pub vonage_api_key: String,
    pub vonage_api_secret: String,
    pub vonage_base_url: String,
    /// Texts per number per hour.
    pub per_number_per_hour: u32,
    /// Texts per number prefix (the first `prefix_digits` digits, country code included) per hour.
    pub per_prefix_per_hour: u32,
    pub prefix_digits: u8,
    /// Texts per day for the whole deployment.
    pub daily_cap: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsProvider {
    Off,
    Log,
    Webhook,
    Twilio,
    Vonage,
}

impl Default for SmsConfig {
    fn default() -> Self {
        SmsConfig {
            provider: SmsProvider::Off,
            from: String::new(),
            allowed_country_codes: Vec::new(),
            default_region: String::new(),
            webhook_url: String::new(),
            webhook_secret: String::new(),
            twilio_account_sid: String::new(),
            twilio_auth_token: String::new(),
            twilio_base_url: "https://api.twilio.com".into(),
            vonage_api_key: String::new(),
            vonage_api_secret: String::new(),
            vonage_base_url: "https://rest.nexmo.com".into(),
            per_number_per_hour: 3,
            per_prefix_per_hour: 30,
            prefix_digits: 6,
            daily_cap: 1000,
        }
    }
}

impl SmsConfig {
    /// SMS sign-in is offered: a provider and at least one allowed country.
    pub fn enabled(&self) -> bool {
        self.provider != SmsProvider::Off && !self.allowed_country_codes.is_empty()
    }
}
