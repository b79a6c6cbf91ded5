//! The protocol engine: discovery, JWKS, authorization, token and userinfo endpoints, each in
//! its own file, with errors named as in the RFCs.

pub mod authorize;
pub mod client_auth;
pub mod code;
pub mod decision;
pub mod discovery;
pub mod error;
pub mod grants;
pub mod params;
pub mod pkce;
pub mod request;
pub mod token;
pub mod tokens;
pub mod userinfo;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/jwks", get(discovery::jwks))
        .route(
            "/authorize",
            get(authorize::authorize).post(authorize::authorize),
        )
        .route("/authorize/resume/{id}", get(authorize::resume))
        .route("/token", post(token::token))
        .route("/userinfo", get(userinfo::get).post(userinfo::post))
}
