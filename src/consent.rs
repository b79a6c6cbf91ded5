//! The consent page (OIDC Core §3.1.2.4): the application, the account and the scopes in plain
//! language, Allow or Deny. The rule for when it is shown is `domain::consent`.
//!
//! ```text
//! /authorize or /authorize/resume --consent needed--> 303 /consent/{id}
//! GET  /consent/{id}   the application, the account, the scopes; Allow or Deny
//! POST /consent/{id}   allow: remember, code, redirect_uri?code · deny: redirect_uri?error=access_denied
//! ```

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use serde_json::json;

use crate::crypto;
use crate::domain::code;
use crate::domain::interaction::{self, AuthRequest, Interaction, Purpose, Stage};
use crate::domain::session;
use crate::i18n::AcceptLanguage;
use crate::model::{Consent, Session};
use crate::oauth::response::AuthorizationResponse;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::oauth_error::ErrorCode;
use crate::web::params::Params;
use crate::web::ui::Ui;

pub fn routes() -> Router<AppState> {
    Router::new().route("/consent/{id}", get(page).post(decide))
}

struct Scope {
    name: String,
    label: &'static str,
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    ui: Ui<'a>,
    id: &'a str,
    csrf: &'a str,
    account: String,
    scopes: Vec<Scope>,
}

/// The interaction, its request and the session, if this browser may answer it.
async fn load(
    state: &AppState,
    jar: &CookieJar,
    ix: Option<Interaction>,
) -> Result<(Interaction, AuthRequest, Session), PageError> {
    // Only an interaction the gate made for consent: never a sign-in that has just finished.
    let ix = ix.filter(|ix| matches!(ix.stage, Stage::Consent { .. })).ok_or_else(PageError::expired)?;
    let bound = session::browser_hash(state, jar).is_some_and(|h| crypto::constant_time_eq(&h, &ix.browser));
    let current = session::current(state, jar).await?;
    let session = current.filter(|s| bound && ix.session_id() == Some(s.id.as_str()));
    let session = session.ok_or_else(PageError::expired)?;
    let Purpose::Authorize(request) = &ix.purpose else { return Err(PageError::expired()) };
    let request = (**request).clone();
    Ok((ix, request, session))
}

async fn page(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (ix, request, session) = load(&state, &jar, state.ephemeral.get_json(&interaction::key(&id)).await?).await?;
    let client = state.client(&request.client_id).await?.ok_or_else(PageError::expired)?;
    let user = state.directory.user(&session.user_id).await?.ok_or_else(PageError::expired)?;
    let ui = state.ui(request.ui_locales.as_deref(), &accept, Some(&client));
    let scopes = request
        .scope
        .iter()
        .filter_map(|s| crate::web::ui::scope_label(s).map(|label| Scope { name: s.clone(), label }))
        .collect();
    let account = user.identifier().map(|i| i.as_str().to_string()).unwrap_or_default();
    let page = ConsentPage { ui, id: &ix.id, csrf: &ix.csrf, account, scopes };
    Ok(Html(page.render().map_err(PageError::rendering)?).into_response())
}

/// The catalog key describing a scope to the user.
async fn decide(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(id): Path<String>,
    form: Params,
) -> Result<Response, PageError> {
    let key = interaction::key(&id);
    let (ix, request, session) = load(&state, &jar, state.ephemeral.get_json(&key).await?).await?;
    let token = form.get("csrf").unwrap_or("");
    if form.is_repeated("csrf") || !crypto::constant_time_eq(token.as_bytes(), ix.csrf.as_bytes()) {
        return Err(PageError::form_expired());
    }
    // Single use, and only after every check: of two posts, one finds the interaction.
    if state.ephemeral.take(&key).await?.is_none() {
        return Err(PageError::expired());
    }
    let client_id = request.client_id.as_str();
    if form.get("decision") != Some("allow") {
        state.audit("consent_denied", Some(&session.user_id), Some(client_id), None, json!({}));
        let denied = "The user denied access.";
        return Ok(AuthorizationResponse::refused(&state, &request, ErrorCode::AccessDenied, denied).into_response());
    }
    let earlier = state.directory.consent(&session.user_id, client_id).await?;
    let mut scopes = earlier.map(|c| c.scopes).unwrap_or_default();
    scopes.extend(request.scope.iter().filter(|s| !scopes.contains(s)).cloned().collect::<Vec<_>>());
    let consent = Consent { client_id: client_id.to_string(), scopes, granted_at: state.clock.now() };
    state.directory.grant_consent(&session.user_id, &consent).await?;
    state.audit("consent_granted", Some(&session.user_id), Some(client_id), None, json!({"scopes": request.scope}));
    let code = code::issue(&state, &request, &session, None).await?;
    Ok(AuthorizationResponse::success(&state, &request, code).into_response())
}
