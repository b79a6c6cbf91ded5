//! Configuration: a TOML file plus `TESSERA_*` environment overrides, checked into a typed `Config`.
//!
//! Loading is `defaults <- file <- environment -> validate`. Any invalid value stops the start
//! with a message that names the key.

pub mod apis;
mod apps;
mod bridges;
mod clients;
mod console;
mod email;
mod env;
mod login;
mod oauth;
mod operations;
mod server;
mod sms;
pub mod theme;
mod ui;
mod upstreams;
mod urls;
mod validate;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use apis::{ApiConfig, check as check_api};
pub use apps::{AppConfig, check as check_app, check_app_id, check_key, check_relying_party};
pub use bridges::{AuthressKey, BridgeConfig, check as check_bridge};
pub use clients::ClientConfig;
pub use clients::validate_client as check_client;
pub use console::ConsoleConfig;
pub use email::{EmailConfig, EmailTransport, SmtpConfig, SmtpSecurity};
pub use login::{Lifetimes, LoginConfig, PasskeyConfig};
pub use oauth::OAuthConfig;
pub use operations::{
    AuditConfig, DirectoryConfig, EphemeralConfig, MetricsConfig, OutboundConfig, ProxyConfig, WebhookConfig,
};
pub use server::ServerConfig;
pub use sms::{SmsConfig, SmsProvider};
pub use ui::UiConfig;
pub use upstreams::{UpstreamConfig, check as check_upstream};
pub use urls::{check_redirect_uri, check_server_url};
pub use validate::ConfigError;

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
    pub console: ConsoleConfig,
    pub sms: SmsConfig,
    pub passkeys: PasskeyConfig,
    pub lifetimes: Lifetimes,
    pub oauth: OAuthConfig,
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
    /// The APIs access tokens can be issued for (`audience`, RFC 8707 `resource`).
    pub apis: Vec<ApiConfig>,
    /// Applications with embedded passkeys (Passwordless.dev-compatible).
    pub apps: Vec<AppConfig>,
    /// Other identity providers offered on the sign-in page ("Continue with …").
    pub upstreams: Vec<UpstreamConfig>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Dev,
    Production,
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
            oauth: OAuthConfig::default(),
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
            apis: Vec::new(),
            apps: Vec::new(),
            upstreams: Vec::new(),
            ui: UiConfig::default(),
            console: ConsoleConfig::default(),
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
