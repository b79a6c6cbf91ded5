//! APIs and pages for applications that sign users in without redirects: one-time codes and
//! links in the shape of Auth0's passwordless API (its token grant is `oauth::grants`),
//! verification in the shape of Vonage Verify (Tessera's `/verify`, and Vonage's own v1 JSON
//! API in `vonage`), passkey registration by ticket, and passkeys on the application's own pages
//! in the shape of Passwordless.dev.

pub mod passkey_tickets;
pub mod passwordless;
pub mod passwordless_dev;
pub mod verify;
pub mod vonage;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/passwordless/start", post(passwordless::start))
        .route("/passwordless/link/{token}", get(passwordless::link_page).post(passwordless::link_open))
        .route("/verify", post(verify::create))
        .route("/verify/{id}", get(verify::get).delete(verify::cancel))
        .route("/verify/{id}/check", post(verify::check))
        .merge(vonage::routes())
        .merge(passkey_tickets::routes())
        .merge(passwordless_dev::routes())
}
