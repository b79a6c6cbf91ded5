//! AppState: the domain's `Core` and what only the web layer uses (theme, trusted proxies,
//! request ids, the discovery document), shared by every handler.

use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use crate::config::theme::Theme;
use crate::domain::{Core, Parts};
use crate::i18n::AcceptLanguage;
use crate::model::Client;
use crate::web::cached::CachedJson;
use crate::web::ui::Ui;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub core: Core,
    /// The discovery document, serialised on first use.
    pub discovery: OnceLock<CachedJson>,
    /// Reverse proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<crate::net::Cidr>,
    /// The theme stylesheet and logo, read at start.
    pub theme: Theme,
    /// Counter behind request ids, starting at a random point.
    request_ids: std::sync::atomic::AtomicU64,
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Deref for Inner {
    type Target = Core;

    fn deref(&self) -> &Core {
        &self.core
    }
}

impl AppState {
    pub fn new(parts: Parts) -> Self {
        let core = Core::new(parts);
        core.metrics.set("tessera_sms_daily_cap", &[], f64::from(core.config.sms.daily_cap));
        // `validate` has checked every entry, the stylesheet and the logo.
        let trusted_proxies = core.config.proxy.trusted.iter().filter_map(|c| c.parse().ok()).collect();
        let theme = Theme::load(&core.config);
        AppState(Arc::new(Inner {
            core,
            discovery: OnceLock::new(),
            trusted_proxies,
            theme,
            request_ids: std::sync::atomic::AtomicU64::new(crate::crypto::random_u64()),
        }))
    }

    /// The page frame in the language of `ui_locales`, else `Accept-Language`, else the default.
    pub fn ui<'a>(&'a self, ui_locales: Option<&str>, accept: &AcceptLanguage, client: Option<&Client>) -> Ui<'a> {
        Ui::new(&self.config, self.locales.negotiate(ui_locales, accept.0.as_deref()), client)
    }

    /// A request id: unique in this process, and unlikely to repeat across replicas.
    pub fn next_request_id(&self) -> String {
        format!("{:016x}", self.request_ids.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}
