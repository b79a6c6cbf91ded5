//! AppState: everything a handler may use, built once at start and shared by reference.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, RwLock};

use crate::clock::Clock;
use crate::config::{ClientConfig, Config, Mode};
use crate::crypto;
use crate::keys::KeyRing;
use crate::model::{AuthMethod, Client};
use crate::notify::Mailer;
use crate::oauth::discovery::{self, CachedJson};
use crate::store::{Directory, Ephemeral, StoreResult};

pub const DEMO_CLIENT_ID: &str = "tessera-demo";

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub config: Config,
    pub clock: Clock,
    pub directory: Arc<dyn Directory>,
    pub ephemeral: Arc<dyn Ephemeral>,
    /// The signing keys as of the last reload (`reload_keys`, every minute while serving).
    keys: RwLock<Arc<Keys>>,
    pub mailer: Mailer,
    pub sms: crate::notify::SmsSender,
    /// Keys OTP hashes; shared by every replica.
    pub secret: Vec<u8>,
    /// Clients declared in the configuration file (and the demo client), by id.
    static_clients: HashMap<String, Arc<Client>>,
    /// The discovery document, serialised once.
    pub discovery: CachedJson,
    pub http: reqwest::Client,
    /// For URLs a client registration names; refuses `outbound.deny`.
    pub outbound: crate::outbound::Outbound,
    /// JWK Sets fetched from clients' `jwks_uri`.
    pub client_keys: crate::oauth::jwks_cache::KeyCache,
    pub metrics: Arc<crate::metrics::Metrics>,
    audit: crate::audit::Audit,
    /// The WebAuthn relying party; `None` when passkeys are off or the issuer is an IP address.
    pub webauthn: Option<webauthn_rs::prelude::Webauthn>,
    /// Reverse proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<crate::net::Cidr>,
    /// Every language's messages.
    pub locales: crate::i18n::Locales,
    /// The theme stylesheet and logo, read at start.
    pub theme: crate::config::theme::Theme,
    /// Counter behind request ids, starting at a random point.
    request_ids: std::sync::atomic::AtomicU64,
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The parts `AppState::new` assembles; opening stores and keys is the caller's job.
pub struct Parts {
    pub config: Config,
    pub clock: Clock,
    pub directory: Arc<dyn Directory>,
    pub ephemeral: Arc<dyn Ephemeral>,
    pub keys: KeyRing,
    pub mailer: Mailer,
    pub secret: Vec<u8>,
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    pub fn new(p: Parts) -> Self {
        let mut static_clients: HashMap<String, Arc<Client>> =
            p.config.clients.iter().map(|c| (c.id.clone(), Arc::new(client_from_config(c)))).collect();
        if p.config.demo {
            let demo = demo_client(p.config.base_url());
            static_clients.insert(demo.id.clone(), Arc::new(demo));
        }
        let discovery = CachedJson::new(discovery::document(&p.config));
        // `validate` has checked every entry.
        let trusted_proxies = p.config.proxy.trusted.iter().filter_map(|c| c.parse().ok()).collect();
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let outbound = crate::outbound::Outbound::new(crate::outbound::DenyList::new(&p.config.outbound.deny));
        let webauthn = crate::passkeys::relying_party(&p.config);
        let sms = crate::notify::SmsSender::new(&p.config.sms);
        let audit = crate::audit::Audit::start(
            p.directory.clone(),
            http.clone(),
            p.config.audit.clone(),
            p.metrics.clone(),
            p.clock.clone(),
        );
        // `validate` has checked the default language, the stylesheet and the logo.
        let locales = crate::i18n::Locales::load(&p.config.ui.default_locale)
            .or_else(|_| crate::i18n::Locales::load(crate::i18n::BASE))
            .expect("the English catalog is embedded");
        let theme = crate::config::theme::Theme::load(&p.config);
        AppState(Arc::new(Inner {
            locales,
            theme,
            config: p.config,
            clock: p.clock,
            directory: p.directory,
            ephemeral: p.ephemeral,
            keys: RwLock::new(Arc::new(Keys::new(p.keys))),
            sms,
            mailer: p.mailer,
            secret: p.secret,
            static_clients,
            discovery,
            http,
            outbound,
            audit,
            webauthn,
            client_keys: Default::default(),
            metrics: p.metrics,
            trusted_proxies,
            request_ids: std::sync::atomic::AtomicU64::new(crypto::random_u64()),
        }))
    }

    /// The signing keys and JWKS as they stand.
    pub fn keys(&self) -> Arc<Keys> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Rereads the keys folder and recomputes which key signs and which are published, so a
    /// `tessera keys rotate|retire` run against the shared folder takes effect on every replica.
    pub fn reload_keys(&self) -> Result<(), crate::keys::KeyError> {
        let tail = publish_tail(&self.config);
        let (ring, _) = KeyRing::load_dir(&self.config.keys_dir, false, self.clock.now(), tail)?;
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(Keys::new(ring));
        Ok(())
    }

    /// Records an audit event (stored and delivered in the background).
    pub fn audit(
        &self,
        kind: &str,
        user_id: Option<&crate::model::UserId>,
        client_id: Option<&str>,
        ip: Option<std::net::IpAddr>,
        detail: serde_json::Value,
    ) {
        self.audit.record(crate::model::AuditEvent {
            id: crypto::random_id(),
            at: self.clock.now(),
            kind: kind.into(),
            user_id: user_id.map(|u| u.0.clone()),
            client_id: client_id.map(str::to_owned),
            ip: ip.map(|ip| ip.to_string()),
            detail,
        });
    }

    /// Waits until every audit event recorded so far is stored and delivered (or given up).
    pub async fn flush_audit(&self) {
        self.audit.flush().await;
    }

    /// Finds a client: configuration first, then the directory.
    pub async fn client(&self, id: &str) -> StoreResult<Option<Arc<Client>>> {
        if let Some(c) = self.static_clients.get(id) {
            return Ok(Some(c.clone()));
        }
        Ok(self.directory.client(id).await?.map(Arc::new))
    }

    /// Finds a bridge: configuration first, then the directory.
    pub async fn bridge(&self, id: &str) -> StoreResult<Option<crate::config::BridgeConfig>> {
        if let Some(b) = self.config.bridges.iter().find(|b| b.id == id) {
            return Ok(Some(b.clone()));
        }
        self.directory.bridge(id).await
    }

    /// The page frame in the language of `ui_locales`, else `Accept-Language`, else the default.
    pub fn ui<'a>(
        &'a self,
        ui_locales: Option<&str>,
        accept: &crate::i18n::AcceptLanguage,
        client: Option<&Client>,
    ) -> crate::ui::Ui<'a> {
        crate::ui::Ui::new(self, self.locales.negotiate(ui_locales, accept.0.as_deref()), client)
    }

    /// A request id: unique in this process, and unlikely to repeat across replicas.
    pub fn next_request_id(&self) -> String {
        format!("{:016x}", self.request_ids.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }

    pub fn is_static_client(&self, id: &str) -> bool {
        self.static_clients.contains_key(id)
    }

    pub fn issuer(&self) -> &str {
        self.config.issuer()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url())
    }

    pub fn dev_mode(&self) -> bool {
        self.config.mode == Mode::Dev
    }
}

/// The key ring with its JWKS response.
pub struct Keys {
    pub ring: KeyRing,
    pub jwks: CachedJson,
}

impl Keys {
    fn new(ring: KeyRing) -> Self {
        let jwks = CachedJson::new(ring.jwks_json().to_vec());
        Keys { ring, jwks }
    }
}

impl Deref for Keys {
    type Target = KeyRing;

    fn deref(&self) -> &KeyRing {
        &self.ring
    }
}

/// How long a key stays in the JWKS (and verifies) after it stops signing: the longest
/// lifetime of anything it signs — tokens, passkey tickets, minted links and bridge assertions
/// (each at most an hour) — plus five minutes for clock skew and relying-party caches.
pub fn publish_tail(config: &Config) -> i64 {
    let l = &config.lifetimes;
    l.access_token.max(l.id_token).max(3600) as i64 + 300
}

pub fn client_from_config(c: &ClientConfig) -> Client {
    Client {
        id: c.id.clone(),
        name: c.name.clone().unwrap_or_else(|| c.id.clone()),
        secret_hash: c.secret.as_ref().map(|s| crypto::sha256(s.as_bytes())),
        redirect_uris: c.redirect_uris.clone(),
        post_logout_redirect_uris: c.post_logout_redirect_uris.clone(),
        // `validate` has already checked both strings.
        auth_method: c.token_endpoint_auth_method.parse().unwrap_or(AuthMethod::ClientSecretBasic),
        signing_alg: c.id_token_signed_response_alg.parse().unwrap_or(crate::model::SigningAlg::RS256),
        jwks_uri: c.jwks_uri.clone(),
        jwks: c.jwks.clone(),
        backchannel_logout_uri: c.backchannel_logout_uri.clone(),
        backchannel_logout_session_required: c.backchannel_logout_session_required,
        client_credentials_scopes: c.client_credentials_scopes.clone(),
        email_sends: c.email_sends.as_deref().and_then(|s| s.parse().ok()),
        cross_device_links: c.cross_device_links,
        passwordless: c.passwordless,
        verify_callback_url: c.verify_callback_url.clone(),
        logo_uri: c.logo_uri.clone(),
        primary_color: c.primary_color.clone(),
        third_party: c.third_party,
    }
}

fn demo_client(issuer: &str) -> Client {
    Client {
        id: DEMO_CLIENT_ID.into(),
        name: "Tessera demo".into(),
        secret_hash: None,
        redirect_uris: vec![format!("{issuer}/demo/callback")],
        post_logout_redirect_uris: vec![format!("{issuer}/demo")],
        auth_method: AuthMethod::None,
        signing_alg: crate::model::SigningAlg::ES256,
        jwks_uri: None,
        jwks: None,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: false,
        client_credentials_scopes: Vec::new(),
        email_sends: None,
        cross_device_links: None,
        passwordless: false,
        verify_callback_url: None,
        logo_uri: None,
        primary_color: None,
        third_party: false,
    }
}
