//! The protocol engine: discovery, JWKS, authorization, token, userinfo, revocation,
//! introspection and logout endpoints, each in its own file, with errors named as in the RFCs.

pub mod authorize;
pub mod bearer;
pub mod checks;
pub mod client_auth;
pub mod decision;
pub mod device_authorization;
pub mod discovery;
pub mod dpop;
pub mod grants;
pub mod introspect;
pub mod logout;
pub mod par;
pub mod pkce;
pub mod registration;
pub mod request;
pub mod response;
pub mod revoke;
pub mod sources;
pub mod token;
pub mod upstream_hint;
pub mod userinfo;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery::openid_configuration))
        .route("/jwks", get(discovery::jwks))
        .route("/authorize", get(authorize::authorize).post(authorize::authorize))
        .route("/par", post(par::push))
        .route("/device_authorization", post(device_authorization::start))
        .route("/register", post(registration::register))
        .route("/register/{client_id}", get(registration::read).put(registration::update).delete(registration::delete))
        .route("/token", post(token::token))
        // The paths Auth0's SDKs use, so they work against Tessera with a base-URL change.
        .route("/oauth/token", post(token::token))
        .route("/.well-known/jwks.json", get(discovery::jwks))
        .route("/userinfo", get(userinfo::get).post(userinfo::post))
        .route("/revoke", post(revoke::revoke))
        .route("/oauth/revoke", post(revoke::revoke_auth0))
        .route("/introspect", post(introspect::introspect))
        .route("/logout", get(logout::end_session).post(logout::end_session))
        .route("/logout/confirm", post(logout::confirm))
        .route("/signed-out", get(logout::signed_out))
}
