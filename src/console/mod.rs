//! `/console`: the operator console. Its pages are Tessera's own use of its sessions: a browser
//! without a session, or with one weaker than `[console] acr`, is sent to sign in (a sign-in
//! whose purpose is the console); a signed-in user who is not an operator gets a refusal page.
//! Every change goes through the same domain calls as the management API (`domain::admin` for
//! users, `domain::registry` for clients and bridges), with the operator as the actor, and every
//! form carries the session's CSRF token and must come from Tessera's own origin.
//!
//! ```text
//! GET /console/…  -> no session / too weak -> Interaction(Console{acr}) -> /login/{id} -> /console
//!                 -> not an operator       -> 403 refusal page (audited)
//!                 -> operator              -> the page
//! POST /console/… -> cross-site            -> 403
//!                 -> CSRF token wrong      -> 403 (form expired)
//!                 -> operator              -> domain::admin::… -> 303 back to the page
//! ```

mod api_keys;
mod bridge_form;
mod bridges;
mod charts;
mod client_form;
mod clients;
mod events;
mod form;
mod overview;
mod settings;
mod signing_keys;
mod user_access;
mod user_page;
mod users;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use serde_json::json;

use crate::crypto;
use crate::domain::admin::{self, Actor};
use crate::domain::claims::AcrDemand;
use crate::domain::interaction::{self, Interaction, Purpose};
use crate::domain::session;
use crate::model::{Session, User};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::origin;
use crate::web::params::Params;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(overview::page))
        .route("/console/events", get(events::page))
        .route("/console/events/export", get(events::export))
        .route("/console/settings", get(settings::page))
        .route("/console/users", get(users::list))
        .route("/console/users/{id}", get(user_page::detail))
        .route("/console/users/{id}/end-sessions", post(users::end_sessions))
        .route("/console/users/{id}/deactivate", post(users::deactivate))
        .route("/console/users/{id}/activate", post(users::activate))
        .route("/console/users/{id}/passkeys/remove", post(users::remove_passkey))
        .route("/console/users/{id}/delete", post(users::delete))
        .route("/console/clients", get(clients::list).post(clients::create))
        .route("/console/clients/{id}", get(clients::detail).post(clients::save))
        .route("/console/clients/{id}/secret", post(clients::rotate))
        .route("/console/clients/{id}/delete", post(clients::delete))
        .route("/console/bridges", get(bridges::list).post(bridges::create))
        .route("/console/bridges/{id}", get(bridges::detail).post(bridges::save))
        .route("/console/bridges/{id}/delete", post(bridges::delete))
        .route("/console/users/{id}/magic-link", post(user_access::magic_link))
        .route("/console/users/{id}/passkey-ticket", post(user_access::passkey_ticket))
        .route("/console/users/{id}/identities/unlink", post(user_access::unlink))
        .route("/console/api-keys", get(api_keys::page).post(api_keys::create))
        .route("/console/api-keys/revoke", post(api_keys::revoke))
        .route("/console/keys", get(signing_keys::page))
        .route("/console/keys/rotate", post(signing_keys::rotate))
        .route("/console/keys/retire", post(signing_keys::retire))
}

/// An operator, signed in strongly enough, making this request.
pub struct Operator {
    pub session: Session,
    pub user: User,
    /// The CSRF token every console form carries.
    pub csrf: String,
}

impl Operator {
    /// The operator as the actor of an administrative change.
    pub fn actor(&self) -> Actor<'_> {
        Actor::Operator(&self.user.id)
    }

    /// Checks a posted form's CSRF token; a form without it, or with another session's, is refused.
    pub fn check(&self, form: &Params) -> Result<(), PageError> {
        let token = form.get("csrf").unwrap_or("");
        if !crypto::constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            return Err(PageError::form_expired());
        }
        Ok(())
    }
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if parts.method != Method::GET && origin::cross_site(&state.config, &parts.headers) {
            return Err(origin::cross_site_refused().into_response());
        }
        let jar = CookieJar::from_headers(&parts.headers);
        let ip = parts.extensions.get::<crate::net::ClientAddr>().map(|c| c.ip);
        gate(state, jar, ip).await.map_err(|e| e.unwrap_or_else(IntoResponse::into_response))
    }
}

/// The console's demand on the session's `acr`.
fn demand(state: &AppState) -> AcrDemand {
    AcrDemand { values: vec![state.config.console.acr.clone()], essential: true }
}

/// The operator of this browser's session, or the answer instead: a sign-in, or a refusal.
async fn gate(
    state: &AppState,
    jar: CookieJar,
    ip: Option<std::net::IpAddr>,
) -> Result<Operator, Result<Response, PageError>> {
    if !state.config.console.enabled {
        return Err(Err(PageError::new(StatusCode::NOT_FOUND, "error.not_found_title", "error.not_found_message")));
    }
    let current = session::current(state, &jar).await.map_err(|e| Err(e.into()))?;
    let Some(session) = current.filter(|s| demand(state).met_by(&s.acr)) else {
        return Err(sign_in(state, jar, ip).await);
    };
    session::seen(state, &session).await.map_err(|e| Err(e.into()))?;
    let user = state.directory.user(&session.user_id).await.map_err(|e| Err(e.into()))?;
    let Some(user) = user.filter(|u| admin::is_operator(&state.config, u)) else {
        state.audit("console_refused", Some(&session.user_id), None, ip, json!({}));
        return Err(Err(PageError::new(StatusCode::FORBIDDEN, "console.refused_title", "console.refused_message")));
    };
    Ok(Operator { csrf: session::csrf(state, &session), session, user })
}

/// Starts a sign-in for the console, demanding its `acr`; it comes back to `/console`.
async fn sign_in(state: &AppState, jar: CookieJar, ip: Option<std::net::IpAddr>) -> Result<Response, PageError> {
    if let Some(ip) = ip
        && crate::domain::limits::before_interaction(state, ip).await?.is_some()
    {
        return Err(PageError::limited());
    }
    let (jar, browser) = session::browser_id(state, jar);
    let name = state.config.login.product_name.clone();
    let purpose = Purpose::Console { acr: state.config.console.acr.clone() };
    let ix = Interaction::new(purpose, name, browser, true, state.clock.now());
    state.ephemeral.put_json(&interaction::key(&ix.id), &ix, state.config.lifetimes.interaction).await?;
    Ok((jar, Redirect::to(&ix.login_path())).into_response())
}

/// A page asking the operator to confirm a change that cannot be undone: its button posts the
/// same form again with `confirm=1`; the other way leads back.
#[derive(askama::Template)]
#[template(path = "console/confirm.html")]
struct Confirm<'a> {
    ui: crate::web::ui::Ui<'a>,
    nav: &'static str,
    operator: String,
    csrf: String,
    /// Catalog keys of the title and the button.
    title: &'static str,
    button: &'static str,
    question: String,
    action: String,
    fields: Vec<(&'static str, String)>,
    back: String,
}

/// Renders a console page.
fn html(page: impl askama::Template) -> Result<Response, PageError> {
    Ok(axum::response::Html(page.render().map_err(PageError::rendering)?).into_response())
}
