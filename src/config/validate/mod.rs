//! Semantic checks on a parsed `Config`; each failure names the key and says what is wrong.

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;

use url::Url;

use super::clients::validate_client;
use super::urls::{check_server_url, is_loopback};
use crate::config::{Config, EmailTransport, Mode};

/// A configuration value that cannot be used, with the key it came from.
#[derive(Debug)]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(key: &str, message: impl Into<String>) -> Self {
        ConfigError { key: key.to_string(), message: message.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: `{}`: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let issuer = Url::parse(&self.issuer).map_err(|e| ConfigError::new("issuer", format!("not a URL: {e}")))?;
        // OIDC Discovery §3: https, no query or fragment.
        if issuer.query().is_some() || issuer.fragment().is_some() {
            return Err(ConfigError::new("issuer", "must not have a query or fragment"));
        }
        match issuer.scheme() {
            "https" => {}
            "http" if self.mode == Mode::Dev || is_loopback(&issuer) => {}
            _ => {
                return Err(ConfigError::new("issuer", "must use https (http only in dev mode)"));
            }
        }
        self.listen
            .parse::<SocketAddr>()
            .map_err(|_| ConfigError::new("listen", "must be an address like 127.0.0.1:8080"))?;
        self.validate_stores()?;
        self.validate_email()?;
        self.validate_lifetimes()?;
        self.validate_operations()?;
        self.validate_passkeys()?;
        self.validate_ui()?;
        self.validate_registrations()?;
        Ok(())
    }

    fn validate_stores(&self) -> Result<(), ConfigError> {
        let directory = &self.directory.url;
        if !["sqlite:", "postgres://", "postgresql://"].iter().any(|p| directory.starts_with(p)) {
            return Err(ConfigError::new("directory.url", "supported: sqlite://PATH or postgres://USER@HOST/DB"));
        }
        let ephemeral = &self.ephemeral;
        if !ephemeral.cluster_nodes.is_empty() {
            if let Some(bad) =
                ephemeral.cluster_nodes.iter().find(|n| !n.starts_with("redis://") && !n.starts_with("rediss://"))
            {
                return Err(ConfigError::new("ephemeral.cluster_nodes", format!("{bad:?} is not a redis:// URL")));
            }
        } else if ephemeral.url != "memory://"
            && !ephemeral.url.starts_with("redis://")
            && !ephemeral.url.starts_with("rediss://")
        {
            return Err(ConfigError::new("ephemeral.url", "supported: memory://, redis://HOST:PORT/DB, rediss://..."));
        }
        Ok(())
    }

    /// Bridges and clients: unique ids, each valid, and no bridge audience that is a client id.
    fn validate_registrations(&self) -> Result<(), ConfigError> {
        let mut bridges = HashSet::new();
        for (i, bridge) in self.bridges.iter().enumerate() {
            let key = format!("bridges[{i}]");
            if !bridges.insert(bridge.id.as_str()) {
                return Err(ConfigError::new(&key, format!("duplicate bridge id {:?}", bridge.id)));
            }
            crate::config::check_bridge(bridge)
                .map_err(|(field, why)| ConfigError::new(&format!("{key}.{field}"), why))?;
            if self.clients.iter().any(|c| c.id == bridge.audience) {
                return Err(ConfigError::new(
                    &format!("{key}.audience"),
                    "must not be a client id: an assertion is not an ID token",
                ));
            }
        }
        let mut apis = HashSet::new();
        for (i, api) in self.apis.iter().enumerate() {
            let key = format!("apis[{i}]");
            if !apis.insert(api.identifier.as_str()) {
                return Err(ConfigError::new(&key, format!("duplicate API identifier {:?}", api.identifier)));
            }
            crate::config::check_api(api).map_err(|(field, why)| ConfigError::new(&format!("{key}.{field}"), why))?;
        }
        super::apps::check_all(&self.apps)?;
        super::upstreams::check_all(&self.upstreams, self.mode == Mode::Dev)?;
        let mut seen = HashSet::new();
        for (i, client) in self.clients.iter().enumerate() {
            let key = format!("clients[{i}]");
            if !seen.insert(client.id.as_str()) {
                return Err(ConfigError::new(&key, format!("duplicate client id {:?}", client.id)));
            }
            validate_client(client).map_err(|(field, why)| ConfigError::new(&format!("{key}.{field}"), why))?;
        }
        Ok(())
    }

    fn validate_email(&self) -> Result<(), ConfigError> {
        self.email
            .from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| ConfigError::new("email.from", format!("not a mailbox: {e}")))?;
        let smtp = &self.email.smtp;
        if self.email.transport == EmailTransport::Smtp && smtp.host.trim().is_empty() {
            return Err(ConfigError::new("email.smtp.host", "required when email.transport = \"smtp\""));
        }
        if smtp.username.is_some() != smtp.password.is_some() {
            return Err(ConfigError::new("email.smtp.username", "set username and password together"));
        }
        if smtp.timeout_secs == 0 || smtp.timeout_secs > 120 {
            return Err(ConfigError::new("email.smtp.timeout_secs", "must be 1..=120"));
        }
        Ok(())
    }

    fn validate_lifetimes(&self) -> Result<(), ConfigError> {
        let l = &self.lifetimes;
        let checks = [
            ("lifetimes.authorization_code", l.authorization_code, 1, 600),
            ("lifetimes.access_token", l.access_token, 30, 86_400),
            ("lifetimes.id_token", l.id_token, 30, 86_400),
            ("lifetimes.refresh_token", l.refresh_token, 60, 365 * 86_400),
            ("lifetimes.session", l.session, 60, 365 * 86_400),
            ("lifetimes.interaction", l.interaction, 60, 3_600),
            ("lifetimes.otp", l.otp, 60, 3_600),
            ("lifetimes.magic_link", l.magic_link, 60, 3_600),
            ("login.resend_cooldown_secs", self.login.resend_cooldown_secs, 0, 3_600),
            ("login.send_window_secs", self.login.send_window_secs, 1, 86_400),
            // RFC 9126 §2.2: "between 5 and 600 seconds" is the range the RFC suggests.
            ("oauth.pushed_request_lifetime_secs", self.oauth.pushed_request_lifetime_secs, 5, 600),
        ];
        for (key, value, min, max) in checks {
            if !(min..=max).contains(&value) {
                return Err(ConfigError::new(key, format!("must be between {min} and {max} seconds")));
            }
        }
        let counts = [
            ("login.sends_per_window", self.login.sends_per_window),
            ("login.sends_per_client", self.login.sends_per_client),
            ("login.checks_per_ip", self.login.checks_per_ip),
            ("login.checks_per_identifier", self.login.checks_per_identifier),
            ("login.sign_ins_per_ip_per_minute", self.login.sign_ins_per_ip_per_minute),
            ("sms.per_number_per_hour", self.sms.per_number_per_hour),
            ("sms.per_prefix_per_hour", self.sms.per_prefix_per_hour),
            ("sms.daily_cap", self.sms.daily_cap),
        ];
        if let Some((key, _)) = counts.iter().find(|(_, n)| *n == 0) {
            return Err(ConfigError::new(key, "must be at least 1"));
        }
        self.validate_sms()?;
        Ok(())
    }
}

impl Config {
    fn validate_sms(&self) -> Result<(), ConfigError> {
        use crate::config::SmsProvider;
        let s = &self.sms;
        if !(3..=10).contains(&s.prefix_digits) {
            return Err(ConfigError::new("sms.prefix_digits", "must be between 3 and 10"));
        }
        if !s.default_region.is_empty() && s.default_region.parse::<phonenumber::country::Id>().is_err() {
            return Err(ConfigError::new("sms.default_region", "must be an ISO 3166 region code such as US or GB"));
        }
        if let Some(bad) = s.allowed_country_codes.iter().find(|c| **c == 0 || **c > 999) {
            return Err(ConfigError::new("sms.allowed_country_codes", format!("{bad} is not a country calling code")));
        }
        let required = |key: &str, value: &str| {
            if value.trim().is_empty() {
                Err(ConfigError::new(key, format!("required when sms.provider = {:?}", s.provider)))
            } else {
                Ok(())
            }
        };
        let url = |key: &str, value: &str| check_server_url(value).map_err(|e| ConfigError::new(key, e));
        match s.provider {
            SmsProvider::Off => {}
            SmsProvider::Log if self.mode == Mode::Production => {
                return Err(ConfigError::new("sms.provider", "log writes codes to the log; not in production"));
            }
            SmsProvider::Log => {}
            SmsProvider::Webhook => {
                url("sms.webhook_url", &s.webhook_url)?;
                if s.webhook_secret.len() < 32 {
                    return Err(ConfigError::new("sms.webhook_secret", "must be at least 32 characters"));
                }
            }
            SmsProvider::Twilio => {
                required("sms.twilio_account_sid", &s.twilio_account_sid)?;
                required("sms.twilio_auth_token", &s.twilio_auth_token)?;
                required("sms.from", &s.from)?;
                url("sms.twilio_base_url", &s.twilio_base_url)?;
            }
            SmsProvider::Vonage => {
                required("sms.vonage_api_key", &s.vonage_api_key)?;
                required("sms.vonage_api_secret", &s.vonage_api_secret)?;
                required("sms.from", &s.from)?;
                url("sms.vonage_base_url", &s.vonage_base_url)?;
            }
        }
        Ok(())
    }

    fn validate_ui(&self) -> Result<(), ConfigError> {
        crate::i18n::Locales::load(&self.ui.default_locale).map_err(|e| ConfigError::new("ui.default_locale", e))?;
        if let Some(color) = &self.ui.primary_color {
            crate::config::theme::check_color(color).map_err(|e| ConfigError::new("ui.primary_color", e))?;
        }
        if let Some(logo) = self.ui.logo.as_deref().filter(|l| l.contains("://")) {
            check_server_url(logo).map_err(|e| ConfigError::new("ui.logo", e))?;
        }
        crate::config::theme::site_logo(self).map_err(|e| ConfigError::new("ui.logo", e))?;
        crate::config::theme::site_css(self).map_err(|e| ConfigError::new("ui.custom_css", e))?;
        self.console.check().map_err(|(field, why)| ConfigError::new(&format!("console.{field}"), why))?;
        if self.console.acr != crate::model::ACR_OTP && !self.passkeys.enabled {
            return Err(ConfigError::new("console.acr", "asks for a passkey, but passkeys.enabled is false"));
        }
        Ok(())
    }

    fn validate_passkeys(&self) -> Result<(), ConfigError> {
        let p = &self.passkeys;
        if !self.login.email_code && self.webauthn_rp().is_none() {
            return Err(ConfigError::new(
                "login.email_code",
                "no sign-in method is left: keep email codes on, or enable passkeys with a domain-name issuer",
            ));
        }
        let issuer_host =
            Url::parse(&self.issuer).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
        if !p.rp_id.is_empty() && issuer_host != p.rp_id && !issuer_host.ends_with(&format!(".{}", p.rp_id)) {
            return Err(ConfigError::new(
                "passkeys.rp_id",
                format!("must be the issuer's host {issuer_host:?} or a parent domain of it"),
            ));
        }
        for (i, origin) in p.origins.iter().enumerate() {
            let key = format!("passkeys.origins[{i}]");
            let url = Url::parse(origin).map_err(|e| ConfigError::new(&key, format!("not a URL: {e}")))?;
            if url.path() != "/" || url.query().is_some() || url.fragment().is_some() || url.domain().is_none() {
                return Err(ConfigError::new(
                    &key,
                    "must be an origin like https://login.example.com (scheme, domain, optional port)",
                ));
            }
            let host = url.host_str().unwrap_or_default();
            let rp_id = if p.rp_id.is_empty() { issuer_host.as_str() } else { p.rp_id.as_str() };
            if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
                return Err(ConfigError::new(&key, format!("{host} is not within the relying-party id {rp_id}")));
            }
        }
        Ok(())
    }

    fn validate_operations(&self) -> Result<(), ConfigError> {
        if !self.metrics.listen.is_empty() && self.metrics.listen.parse::<SocketAddr>().is_err() {
            return Err(ConfigError::new("metrics.listen", "must be empty or an address like 0.0.0.0:9090"));
        }
        for (i, net) in self.proxy.trusted.iter().enumerate() {
            net.parse::<crate::net::Cidr>().map_err(|e| ConfigError::new(&format!("proxy.trusted[{i}]"), e))?;
        }
        self.server.check().map_err(|(name, why)| ConfigError::new(name, why))?;
        for (i, net) in self.outbound.deny.iter().enumerate() {
            net.parse::<crate::net::Cidr>().map_err(|e| ConfigError::new(&format!("outbound.deny[{i}]"), e))?;
        }
        let checks = [
            ("key_rotation_lead_secs", self.key_rotation_lead_secs, 0, 90 * 86_400),
            ("shutdown_grace_secs", self.shutdown_grace_secs, 1, 3_600),
            ("audit.retention_days", self.audit.retention_days, 1, 3_650),
            ("audit.retry_base_ms", self.audit.retry_base_ms, 1, 600_000),
            ("audit.max_attempts", u64::from(self.audit.max_attempts), 1, 20),
        ];
        for (key, value, min, max) in checks {
            if !(min..=max).contains(&value) {
                return Err(ConfigError::new(key, format!("must be between {min} and {max}")));
            }
        }
        for (i, hook) in self.audit.webhooks.iter().enumerate() {
            check_server_url(&hook.url).map_err(|e| ConfigError::new(&format!("audit.webhooks[{i}].url"), e))?;
            if hook.secret.len() < 32 {
                return Err(ConfigError::new(&format!("audit.webhooks[{i}].secret"), "must be at least 32 characters"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
