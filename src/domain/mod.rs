//! The domain: sign-in, sessions, consent, codes and tokens, free of pages and routes. Services
//! take the `Core` (stores, clock, keys, configuration, senders) or only the values they need;
//! pure rules take plain arguments.

pub mod admin;
pub mod attempts;
pub mod audience;
pub mod audit;
pub mod authenticate;
pub mod backchannel;
pub mod claims;
pub mod client_jwt;
pub mod clients;
pub mod code;
pub mod consent;
pub mod deliver;
pub mod device_grant;
pub mod dpop;
pub mod embedded_passkeys;
pub mod imports;
pub mod interaction;
pub mod jwks_cache;
pub mod jwt;
pub mod keys;
pub mod limits;
pub mod links;
pub mod notify;
pub mod otp;
pub mod passkeys;
pub mod passwordless;
pub mod registration;
pub mod registry;
pub mod request_object;
pub mod session;
pub mod signout;
pub mod single_use;
pub mod subjects;
pub mod tokens;
pub mod upstream;
pub mod verification;

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, RwLock};

use crate::clock::Clock;
use crate::config::{ApiConfig, BridgeConfig, Config, Mode, UpstreamConfig};
use crate::crypto;
use crate::i18n::Locales;
use crate::metrics::Metrics;
use crate::model::{AuditEvent, Client, UserId};
use crate::store::{Directory, Ephemeral, StoreResult};
use keys::{KeyError, KeyRing, Keys};
use notify::{Mailer, SmsSender};

/// What the domain's services share, built once at start: cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct Core(Arc<Services>);

pub struct Services {
    pub config: Config,
    pub clock: Clock,
    pub directory: Arc<dyn Directory>,
    pub ephemeral: Arc<dyn Ephemeral>,
    /// The signing keys as of the last reload (`reload_keys`, every minute while serving).
    keys: RwLock<Arc<Keys>>,
    pub mailer: Mailer,
    pub sms: SmsSender,
    /// Keys OTP hashes; shared by every replica.
    pub secret: Vec<u8>,
    /// Clients declared in the configuration file (and the demo client), by id.
    static_clients: HashMap<String, Arc<Client>>,
    pub http: reqwest::Client,
    /// For URLs a client registration names; refuses `outbound.deny`.
    pub outbound: crate::outbound::Outbound,
    /// JWK Sets fetched from clients' `jwks_uri`.
    pub client_keys: jwks_cache::KeyCache,
    pub metrics: Arc<Metrics>,
    audit: audit::Audit,
    /// The WebAuthn relying party; `None` when passkeys are off or the issuer is an IP address.
    pub webauthn: Option<webauthn_rs::prelude::Webauthn>,
    /// Every language's messages (pages, emails and texts).
    pub locales: Locales,
    /// Metadata and keys of upstream identity providers, as discovered.
    pub upstream_metadata: upstream::Discovered,
}

impl Deref for Core {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The parts `Core::new` assembles; opening stores and keys is the caller's job.
pub struct Parts {
    pub config: Config,
    pub clock: Clock,
    pub directory: Arc<dyn Directory>,
    pub ephemeral: Arc<dyn Ephemeral>,
    pub keys: KeyRing,
    pub mailer: Mailer,
    pub secret: Vec<u8>,
    pub metrics: Arc<Metrics>,
}

impl Core {
    pub fn new(p: Parts) -> Self {
        let mut static_clients: HashMap<String, Arc<Client>> =
            p.config.clients.iter().map(|c| (c.id.clone(), Arc::new(clients::from_config(c)))).collect();
        if p.config.demo {
            let demo = clients::demo(p.config.base_url());
            static_clients.insert(demo.id.clone(), Arc::new(demo));
        }
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let outbound = crate::outbound::Outbound::new(crate::outbound::DenyList::new(&p.config.outbound.deny));
        let audit = audit::Audit::start(
            p.directory.clone(),
            http.clone(),
            p.config.audit.clone(),
            p.metrics.clone(),
            p.clock.clone(),
        );
        // `validate` has checked the default language.
        let locales = Locales::load(&p.config.ui.default_locale)
            .or_else(|_| Locales::load(crate::i18n::BASE))
            .expect("the English catalog is embedded");
        Core(Arc::new(Services {
            webauthn: passkeys::relying_party(&p.config),
            sms: SmsSender::new(&p.config.sms),
            locales,
            config: p.config,
            clock: p.clock,
            directory: p.directory,
            ephemeral: p.ephemeral,
            keys: RwLock::new(Arc::new(Keys::new(p.keys))),
            mailer: p.mailer,
            secret: p.secret,
            static_clients,
            http,
            outbound,
            client_keys: Default::default(),
            metrics: p.metrics,
            audit,
            upstream_metadata: Default::default(),
        }))
    }
}

impl Services {
    /// The signing keys and JWKS as they stand.
    pub fn keys(&self) -> Arc<Keys> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Rereads the keys folder and recomputes which key signs and which are published, so a
    /// `tessera keys rotate|retire` run against the shared folder takes effect on every replica.
    pub fn reload_keys(&self) -> Result<(), KeyError> {
        let tail = keys::publish_tail(&self.config);
        let (ring, _) = KeyRing::load_dir(&self.config.keys_dir, false, self.clock.now(), tail)?;
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(Keys::new(ring));
        Ok(())
    }

    /// Records an audit event (stored and delivered in the background).
    pub fn audit(
        &self,
        kind: &str,
        user_id: Option<&UserId>,
        client_id: Option<&str>,
        ip: Option<std::net::IpAddr>,
        detail: serde_json::Value,
    ) {
        self.audit.record(AuditEvent {
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
    pub async fn bridge(&self, id: &str) -> StoreResult<Option<BridgeConfig>> {
        if let Some(b) = self.config.bridges.iter().find(|b| b.id == id) {
            return Ok(Some(b.clone()));
        }
        self.directory.bridge(id).await
    }

    /// Finds an API by its identifier: configuration first, then the directory.
    pub async fn api(&self, identifier: &str) -> StoreResult<Option<ApiConfig>> {
        if let Some(a) = self.config.apis.iter().find(|a| a.identifier == identifier) {
            return Ok(Some(a.clone()));
        }
        self.directory.api(identifier).await
    }

    /// Finds an upstream provider: configuration first, then the directory. The directory is
    /// read on every call (no copy is kept in process), so a removal holds on every replica at
    /// once.
    pub async fn upstream(&self, id: &str) -> StoreResult<Option<UpstreamConfig>> {
        if let Some(u) = self.config.upstreams.iter().find(|u| u.id == id) {
            return Ok(Some(u.clone()));
        }
        self.directory.upstream(id).await
    }

    /// Every upstream provider: the configuration file's, then the directory's (one the file
    /// declares under the same id hides a stored one, as `upstream` finds the file's first).
    pub async fn upstreams(&self) -> StoreResult<Vec<UpstreamConfig>> {
        let mut all = self.config.upstreams.clone();
        let stored = self.directory.upstreams().await?;
        all.extend(stored.into_iter().filter(|s| !self.config.upstreams.iter().any(|c| c.id == s.id)));
        Ok(all)
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
