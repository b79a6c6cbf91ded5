//! The calls an application's page makes with its public key (`ApiKey`), as
//! `@passwordlessdev/passwordless-client` makes them: register begin and complete, sign-in begin
//! and complete (by user id, by alias, discoverable, autofill). Each answers the application's
//! origins only (`cors`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde_json::{Value, json};

use super::{Problem, body, caller, cors, header_text};
use crate::domain::embedded_passkeys::credential::member;
use crate::domain::embedded_passkeys::origin::Claimed;
use crate::domain::embedded_passkeys::sign_in::Who;
use crate::domain::embedded_passkeys::{apps, register, sign_in};
use crate::model::EmbeddedApp;
use crate::net::ClientAddr;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    let options =
        |State(state): State<AppState>, headers: HeaderMap| async move { cors::preflight(&state, &headers).await };
    Router::new()
        .route("/register/begin", post(register_begin).options(options))
        .route("/register/complete", post(register_complete).options(options))
        .route("/signin/begin", post(signin_begin).options(options))
        .route("/signin/complete", post(signin_complete).options(options))
}

fn text<'a>(request: &'a Value, name: &str) -> Option<&'a str> {
    member(request, name).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn claimed(request: &Value) -> Claimed<'_> {
    Claimed { rp_id: text(request, "RPID"), origin: text(request, "Origin") }
}

/// Authenticates the page, runs `step`, and lets the page read the answer (or the problem).
async fn answer<F, Fut>(state: &AppState, headers: &HeaderMap, step: F) -> Response
where
    F: FnOnce(EmbeddedApp) -> Fut,
    Fut: Future<Output = Result<Value, Problem>>,
{
    let app = match apps::by_public_key(state, header_text(headers, "apikey")).await {
        Ok(app) => app,
        // No application yet: the page may read why when its origin is one some application lists.
        Err(e) => return cors::allow_listed(state, headers, Problem(e).into_response()).await,
    };
    let response = match step(app.clone()).await {
        Ok(value) => Json(value).into_response(),
        Err(problem) => problem.into_response(),
    };
    cors::allow(Some(&app), headers, response)
}

async fn register_begin(
    State(state): State<AppState>,
    Extension(peer): Extension<ClientAddr>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let (state, headers, bytes, peer) = (&state, &headers, &bytes, &peer);
    answer(state, headers, move |app| async move {
        let request: Value = body(bytes)?;
        let token = text(&request, "token").unwrap_or("");
        let (session, data) = register::begin(state, &app, caller(headers, peer), token, claimed(&request)).await?;
        Ok(json!({"session": session, "data": data}))
    })
    .await
}

async fn register_complete(
    State(state): State<AppState>,
    Extension(peer): Extension<ClientAddr>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let (state, headers, bytes, peer) = (&state, &headers, &bytes, &peer);
    answer(state, headers, move |app| async move {
        let request: Value = body(bytes)?;
        let who = caller(headers, peer);
        crate::domain::embedded_passkeys::origin::check(&app, who, claimed(&request))?;
        let session = text(&request, "session").unwrap_or("");
        let credential = member(&request, "response").cloned().unwrap_or(Value::Null);
        let nickname = text(&request, "nickname");
        let token = register::complete(state, &app, who, session, &credential, nickname).await?;
        Ok(json!({"token": token}))
    })
    .await
}

async fn signin_begin(
    State(state): State<AppState>,
    Extension(peer): Extension<ClientAddr>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let (state, headers, bytes, peer) = (&state, &headers, &bytes, &peer);
    answer(state, headers, move |app| async move {
        let request: Value = body(bytes)?;
        let who = match (text(&request, "userId"), text(&request, "alias")) {
            (Some(user_id), _) => Who::UserId(user_id),
            (None, Some(alias)) => Who::Alias(alias),
            (None, None) => Who::Anyone,
        };
        let (session, data) = sign_in::begin(state, &app, caller(headers, peer), who, claimed(&request)).await?;
        Ok(json!({"session": session, "data": data}))
    })
    .await
}

async fn signin_complete(
    State(state): State<AppState>,
    Extension(peer): Extension<ClientAddr>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    let (state, headers, bytes, peer) = (&state, &headers, &bytes, &peer);
    answer(state, headers, move |app| async move {
        let request: Value = body(bytes)?;
        let who = caller(headers, peer);
        crate::domain::embedded_passkeys::origin::check(&app, who, claimed(&request))?;
        let session = text(&request, "session").unwrap_or("");
        let credential = member(&request, "response").cloned().unwrap_or(Value::Null);
        let token = sign_in::complete(state, &app, who, session, &credential).await?;
        Ok(json!({"token": token}))
    })
    .await
}
