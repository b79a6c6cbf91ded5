//! Tessera: an OpenID Connect provider for passwordless login.
//!
//! Module map (dependencies point down):
//!
//! - `http` — router assembly and the middleware around every request
//! - `oauth` (protocol endpoints) · `login` (sign-in screens) · `account` (the user's page)
//!   · `demo` (built-in relying party)
//! - `session` (SSO cookie) · `keys` + `jwt` (signing) · `notify` (email)
//! - `interaction` (the record `oauth` and `login` share) · `store` (Directory, Ephemeral) · `model`
//! - `config`, `state`, `clock`, `crypto`

pub mod account;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod http;
pub mod interaction;
pub mod jwt;
pub mod keys;
pub mod login;
pub mod model;
pub mod notify;
pub mod oauth;
pub mod session;
pub mod state;
pub mod store;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;

use crate::clock::Clock;
use crate::config::{Config, Mode};
use crate::keys::KeyRing;
use crate::model::SigningAlg;
use crate::notify::Mailer;
use crate::state::{AppState, Parts};

/// The whole HTTP application for `state`.
pub fn app(state: AppState) -> Router {
    http::router(state)
}

/// Why Tessera could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("signing keys: {0}")]
    Keys(#[from] keys::KeyError),
    #[error("{0}")]
    Store(#[from] store::StoreError),
    #[error("{0}")]
    Mail(#[from] notify::MailError),
}

/// What was done at start, for the startup log.
pub struct Started {
    pub state: AppState,
    pub generated_keys: Vec<SigningAlg>,
}

/// Opens the stores, loads (in dev: creates) keys, and assembles the state.
pub async fn build(config: Config, clock: Clock) -> Result<Started, StartError> {
    let dev = config.mode == Mode::Dev;
    let (keys, generated_keys) = KeyRing::load_dir(&config.keys_dir, dev)?;
    let secret = keys::load_secret(&config.keys_dir, dev)?;
    let directory = store::open_directory(&config.directory.url).await?;
    let ephemeral = store::open_ephemeral(&config.ephemeral, clock.clone()).await?;
    let mailer = Mailer::new(&config.email)?;
    let state = AppState::new(Parts { config, clock, directory, ephemeral, keys, mailer, secret });
    Ok(Started { state, generated_keys })
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown).await
}
