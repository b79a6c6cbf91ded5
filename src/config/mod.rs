//! Configuration: a TOML file plus `TESSERA_*` environment overrides, checked into a typed `Config`.
//!
//! Loading is `defaults <- file <- environment -> validate`. Any invalid value stops the start
//! with a message that names the key.

mod bridges;
mod clients;
mod env;
mod server;
pub mod theme;
mod ui;
mod validate;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::EmailSends;

pub use bridges::{AuthressKey, BridgeConfig, check as check_bridge};
pub use clients::ClientConfig;
pub use server::ServerConfig;
pub use ui::UiConfig;
pub use validate::{ConfigError, check_redirect_uri, validate_client as check_client};

/// Everything Tessera reads at start.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `dev` prints one-time codes to the console when mail goes to the outbox; `production` never does.
    pub mode: Mode,
    /// The issuer identifier (OIDC Core §2): scheme, host, optional port and path, no query.
    pub issuer: String,
    /// Socket address the HTTP server binds.
    pub listen: String,
    /// Folder of signing keys (PEM, PKCS#8) and the server secret.
    pub keys_dir: PathBuf,
    pub directory: DirectoryConfig,
    pub ephemeral: EphemeralConfig,
    pub email: EmailConfig,
    pub login: LoginConfig,
    pub ui: UiConfig,
    pub sms: SmsConfig,
    pub passkeys: PasskeyConfig,
    pub lifetimes: Lifetimes,
    /// Serve the built-in demo relying party at `/demo`.
    pub demo: bool,
    /// How long a key made by `tessera keys rotate` is published before it signs.
    pub key_rotation_lead_secs: u64,
    /// After SIGTERM: how long in-flight requests and queued audit deliveries may take.
    pub shutdown_grace_secs: u64,
    pub server: ServerConfig,
    pub metrics: MetricsConfig,
    pub proxy: ProxyConfig,
    pub outbound: OutboundConfig,
    pub audit: AuditConfig,
    pub clients: Vec<ClientConfig>,
    /// Bridge mode: brokers that hand users to Tessera and take back a signed assertion.
    pub bridges: Vec<BridgeConfig>,
}

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

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Serve `/metrics` on this address only; empty serves it on the main listener.
    pub listen: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProxyConfig {
    /// Networks (CIDR) of the reverse proxies whose `X-Forwarded-For`/`-Proto` are believed.
    pub trusted: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboundConfig {
    /// Networks (CIDR) that URLs a client registration names (`jwks_uri`,
    /// `backchannel_logout_uri`, `verify_callback_url`) may not reach, checked after DNS
    /// resolution. The default refuses only what is never a client's server: "this network",
    /// link-local and the cloud metadata addresses.
    pub deny: Vec<String>,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        let deny = ["0.0.0.0/8", "169.254.0.0/16", "100.100.100.200/32", "::/128", "fe80::/10", "fd00:ec2::254/128"];
        OutboundConfig { deny: deny.map(str::to_owned).to_vec() }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Stored audit events older than this are deleted.
    pub retention_days: u64,
    /// First retry delay of a failed webhook delivery; each next one doubles.
    pub retry_base_ms: u64,
    /// Delivery attempts per event and webhook before it goes to the dead-letter log.
    pub max_attempts: u32,
    pub webhooks: Vec<WebhookConfig>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: String,
    /// Keys the `Tessera-Signature` HMAC; at least 32 characters.
    pub secret: String,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig { retention_days: 90, retry_base_ms: 1000, max_attempts: 6, webhooks: Vec::new() }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Dev,
    Production,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectoryConfig {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub url: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EphemeralConfig {
    /// `memory://` keeps expiring state inside this process; `redis://` or `rediss://` shares it.
    pub url: String,
    /// Redis Cluster seed nodes (`redis://host:port`); when set, `url` is not used.
    pub cluster_nodes: Vec<String>,
    /// Prepended to every Redis key, so several deployments can share one Redis.
    pub prefix: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    /// `outbox` writes `.eml` files; `smtp` sends through the server below.
    pub transport: EmailTransport,
    pub from: String,
    pub outbox_dir: PathBuf,
    pub smtp: SmtpConfig,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTransport {
    Outbox,
    Smtp,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// `none` (plain, for loopback relays only), `starttls` or `tls`.
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    pub timeout_secs: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    None,
    Starttls,
    Tls,
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

impl Default for Config {
    fn default() -> Self {
        Config {
            mode: Mode::Dev,
            issuer: "http://localhost:8080".into(),
            listen: "127.0.0.1:8080".into(),
            keys_dir: "keys".into(),
            directory: DirectoryConfig::default(),
            ephemeral: EphemeralConfig::default(),
            email: EmailConfig::default(),
            login: LoginConfig::default(),
            sms: SmsConfig::default(),
            passkeys: PasskeyConfig::default(),
            lifetimes: Lifetimes::default(),
            demo: true,
            key_rotation_lead_secs: 24 * 3600,
            shutdown_grace_secs: 30,
            server: ServerConfig::default(),
            metrics: MetricsConfig::default(),
            proxy: ProxyConfig::default(),
            outbound: OutboundConfig::default(),
            audit: AuditConfig::default(),
            clients: Vec::new(),
            bridges: Vec::new(),
            ui: UiConfig::default(),
        }
    }
}

impl Default for DirectoryConfig {
    fn default() -> Self {
        DirectoryConfig { url: "sqlite://data/tessera.db".into() }
    }
}

impl Default for EphemeralConfig {
    fn default() -> Self {
        EphemeralConfig { url: "memory://".into(), cluster_nodes: Vec::new(), prefix: "tessera:".into() }
    }
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            transport: EmailTransport::Outbox,
            from: "Tessera <no-reply@localhost>".into(),
            outbox_dir: "data/outbox".into(),
            smtp: SmtpConfig::default(),
        }
    }
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: String::new(),
            port: 587,
            security: SmtpSecurity::Starttls,
            username: None,
            password: None,
            timeout_secs: 10,
        }
    }
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

impl Config {
    /// Reads the file (if any), applies `TESSERA_*` variables from `vars`, and validates.
    pub fn load(path: Option<&Path>, vars: impl IntoIterator<Item = (String, String)>) -> Result<Config, ConfigError> {
        let text = match path {
            Some(p) => std::fs::read_to_string(p)
                .map_err(|e| ConfigError::new("--config", format!("cannot read {}: {e}", p.display())))?,
            None => String::new(),
        };
        Self::from_toml(&text, vars)
    }

    pub fn from_toml(text: &str, vars: impl IntoIterator<Item = (String, String)>) -> Result<Config, ConfigError> {
        let mut tree: toml::Table = toml::from_str(text).map_err(|e| ConfigError::new("file", e.to_string()))?;
        env::overlay(&mut tree, vars)?;
        let config: Config = toml::Value::Table(tree)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::new("file", e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// The issuer identifier (OIDC Core §2), exactly as configured: `iss` in every token.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The issuer without a trailing slash: the prefix of every endpoint URL. The issuer
    /// identifier itself (`iss`) is kept exactly as configured, so an issuer written with a
    /// trailing slash (as some brokers' SDKs expect) stays one.
    pub fn base_url(&self) -> &str {
        self.issuer.trim_end_matches('/')
    }

    /// The WebAuthn relying-party id and allowed origins, or `None` when passkeys are off or the
    /// issuer is an IP address (WebAuthn needs a domain name).
    pub fn webauthn_rp(&self) -> Option<(String, Vec<url::Url>)> {
        if !self.passkeys.enabled {
            return None;
        }
        let issuer = url::Url::parse(&self.issuer).ok()?;
        let rp_id =
            if self.passkeys.rp_id.is_empty() { issuer.domain()?.to_string() } else { self.passkeys.rp_id.clone() };
        let origins = if self.passkeys.origins.is_empty() {
            vec![url::Url::parse(&issuer.origin().ascii_serialization()).ok()?]
        } else {
            self.passkeys.origins.iter().filter_map(|o| url::Url::parse(o).ok()).collect()
        };
        Some((rp_id, origins))
    }

    /// Cookies get `Secure` and the `__Host-` prefix whenever the issuer is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.issuer.starts_with("https://")
    }
}

/// A URL fit for logs: any password replaced by `***`.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod redaction {
    #[test]
    fn passwords_in_store_urls_never_reach_logs() {
        assert_eq!(super::redacted("postgres://app:s3cret@db/tessera"), "postgres://app:***@db/tessera");
        assert_eq!(super::redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }
}
