//! Verify a phone number or an email address, in the shape of Vonage Verify, for applications
//! that only need proof that someone holds an address or number (no sign-in):
//!
//! ```text
//! POST   /verify                     number | email, brand, code_length, locale, channel,
//!                                    pin_expiry, client_ref  -> {request_id, status}
//! POST   /verify/{request_id}/check  {code} -> completed | wrong_code (attempts left) |
//!                                    failed (too many wrong codes) | expired | not_found
//! GET    /verify/{request_id}        status and checks
//! DELETE /verify/{request_id}        cancel
//! ```
//!
//! Every call is client-authenticated and sees only that client's requests. A second request
//! to a target with one in progress answers 409 with the existing id instead of sending again.
//! The final status (completed, failed, expired, cancelled) is POSTed to the client's
//! `verify_callback_url` as a JWT signed by Tessera (`typ: verify-status+jwt`), checkable
//! against the JWKS. The rules are `domain::verification`; this file reads and answers.

use std::sync::Arc;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::domain::passwordless::{allowed_verify, end_user_ip, identifier, may_check, may_send};
use crate::domain::verification::{self, Checked, Order, Status};
use crate::model::{Client, Identifier};
use crate::net::ClientAddr;
use crate::oauth::client_auth;
use crate::state::AppState;
use crate::web::oauth_error::OAuthError;
use crate::web::params::{AnyBody, Params};

fn answer(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

async fn authenticated(state: &AppState, headers: &HeaderMap, params: &Params) -> Result<Arc<Client>, OAuthError> {
    params.reject_repeats()?;
    let client = client_auth::authenticate(state, headers, params).await?;
    allowed_verify(&client)?;
    Ok(client)
}

fn number_in(
    params: &Params,
    name: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, OAuthError> {
    match params.get(name) {
        None => Ok(default),
        Some(text) => text.parse::<u64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
            OAuthError::invalid_request(format!("{name} must be between {} and {}.", range.start(), range.end()))
        }),
    }
}

/// `number` with channel `sms`, or `email` with channel `email`.
fn target(state: &AppState, params: &Params) -> Result<Identifier, OAuthError> {
    let (channel, value) = match (params.get("number"), params.get("email")) {
        (Some(number), None) => (params.get("channel").unwrap_or("sms"), number),
        (None, Some(email)) => (params.get("channel").unwrap_or("email"), email),
        _ => return Err(OAuthError::invalid_request("Give number or email, not both.")),
    };
    match (channel, params.get("number").is_some()) {
        ("sms", true) => identifier(state, "sms", value),
        ("email", false) => identifier(state, "email", value),
        _ => Err(OAuthError::invalid_request("channel must be sms for a number or email for an address.")),
    }
}

/// What the client asks for, checked.
fn order(state: &AppState, params: &Params) -> Result<Order, OAuthError> {
    let target = target(state, params)?;
    let code_length = number_in(params, "code_length", 6, 4..=10)? as u32;
    let pin_expiry = number_in(params, "pin_expiry", 300, 60..=3600)?;
    let client_ref = params.get("client_ref").map(|r| r.chars().take(128).collect::<String>());
    Ok(Order { target, code_length, pin_expiry, client_ref })
}

pub async fn create(
    State(state): State<AppState>,
    Extension(peer): Extension<ClientAddr>,
    headers: HeaderMap,
    AnyBody(params): AnyBody,
) -> Result<Response, OAuthError> {
    let client = authenticated(&state, &headers, &params).await?;
    let order = order(&state, &params)?;
    let brand = params.get("brand").unwrap_or(&client.name).chars().take(64).collect::<String>();
    let ip = end_user_ip(&client, &headers, peer.ip);
    Ok(match send(&state, &client, order, brand, params.get("locale"), ip).await? {
        Sent::Started(id) => answer(StatusCode::OK, json!({"request_id": id, "status": "in_progress"})),
        Sent::InProgress(existing) => answer(
            StatusCode::CONFLICT,
            json!({"request_id": existing, "status": "in_progress",
                   "error": "A verification of this target is already in progress; check or cancel it."}),
        ),
    })
}

/// What a request to verify came to.
pub(super) enum Sent {
    /// A code is on its way for this new request.
    Started(String),
    /// This client already verifies the target: the request in progress.
    InProgress(String),
}

/// Starts a verification of `order.target` and sends its code, in `locale`'s language (any
/// tag Tessera has a catalog for, such as Vonage's `de-de`, else the default), signed with
/// `brand`, saying how long it works.
pub(super) async fn send(
    state: &AppState,
    client: &Arc<Client>,
    order: Order,
    brand: String,
    locale: Option<&str>,
    ip: std::net::IpAddr,
) -> Result<Sent, OAuthError> {
    if let Some(existing) = verification::in_progress(state, client, &order.target).await? {
        return Ok(Sent::InProgress(existing));
    }
    may_send(state, &order.target, client, ip).await?;
    let expires_secs = Some(order.pin_expiry);
    let (request, code) = verification::start(state, client.clone(), order).await?;
    let target = request.target.clone();
    state.metrics.inc("tessera_codes_sent_total", &[("channel", target.kind())]);
    let detail = json!({"channel": target.kind(), "to": target.masked(), "via": "verify"});
    state.audit("code_sent", None, Some(&client.id), Some(ip), detail);
    let lang = state.locales.negotiate(locale.map(|l| l.replace('_', "-")).as_deref(), None).lang().to_string();
    let delivery = crate::domain::deliver::Delivery {
        to: target,
        code: Some(code),
        link: None,
        app_name: brand.clone(),
        lang,
        brand: Some(brand),
        expires_secs,
    };
    crate::domain::deliver::deliver_in_background(state, delivery, Some(client.id.clone()));
    Ok(Sent::Started(request.id))
}

fn not_found() -> Response {
    answer(StatusCode::NOT_FOUND, json!({"status": "not_found", "error": "No such verification request."}))
}

fn ended(status: Status) -> Response {
    let (code, message) = match status {
        Status::Completed => (StatusCode::CONFLICT, "This request was already verified."),
        Status::Expired => (StatusCode::GONE, "The code has expired. Start a new verification."),
        Status::Cancelled => (StatusCode::GONE, "This request was cancelled."),
        Status::Failed | Status::InProgress => {
            (StatusCode::GONE, "Too many wrong codes: this request has ended. Start a new verification.")
        }
    };
    answer(code, json!({"status": status.as_str(), "error": message}))
}

/// The calling client's verification `id` with its status, if it has one by that id.
async fn found(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
    id: &str,
) -> Result<Option<(Arc<Client>, verification::Request, Status)>, OAuthError> {
    let client = authenticated(state, headers, params).await?;
    let Some(request) = verification::find(state, &client, id).await? else { return Ok(None) };
    let status = verification::status(state, &client, &request).await?;
    Ok(Some((client, request, status)))
}

pub async fn check(
    State(state): State<AppState>,
    Extension(peer): Extension<ClientAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    AnyBody(params): AnyBody,
) -> Result<Response, OAuthError> {
    let Some((client, request, status)) = found(&state, &headers, &params, &id).await? else {
        return Ok(not_found());
    };
    if status != Status::InProgress {
        return Ok(ended(status));
    }
    let code = params.required("code")?;
    // The same check limits as every other code: five tries per request alone would let many
    // requests for one target, or one source across many targets, guess on.
    may_check(&state, &request.target, &client, end_user_ip(&client, &headers, peer.ip)).await?;
    Ok(match verification::check(&state, &client, &request, code).await? {
        Checked::Completed => answer(StatusCode::OK, json!({"request_id": id, "status": "completed"})),
        Checked::Wrong { left } => answer(
            StatusCode::BAD_REQUEST,
            json!({"status": "wrong_code", "attempts_left": left, "error": "The code is not right."}),
        ),
        Checked::Ended(status) => ended(status),
    })
}

pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, OAuthError> {
    let Some((_, request, status)) = found(&state, &headers, &Params::default(), &id).await? else {
        return Ok(not_found());
    };
    let checks = verification::checks(&state, &id).await?;
    let channel = if request.target.kind() == "phone" { "sms" } else { "email" };
    Ok(answer(
        StatusCode::OK,
        json!({"request_id": id, "status": status.as_str(), "channel": channel,
               "to": request.target.masked(), "checks": checks, "client_ref": request.client_ref,
               "created_at": request.created_at, "expires_at": request.expires_at}),
    ))
}

pub async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, OAuthError> {
    let Some((client, request, status)) = found(&state, &headers, &Params::default(), &id).await? else {
        return Ok(not_found());
    };
    if status != Status::InProgress {
        return Ok(ended(status));
    }
    match verification::end(&state, &client, &request, Status::Cancelled).await? {
        Status::Cancelled => Ok(answer(StatusCode::OK, json!({"request_id": id, "status": "cancelled"}))),
        other => Ok(ended(other)),
    }
}
