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
//! against the JWKS. State lives in Ephemeral; concurrent checks of one code succeed once.

use std::time::Duration;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::clock::UnixTime;
use crate::crypto;
use crate::domain::attempts::{self, Verdict};
use crate::domain::passwordless::{allowed, end_user_ip, identifier, may_check, may_send};
use crate::model::{Client, Identifier};
use crate::net::ClientAddr;
use crate::oauth::client_auth;
use crate::state::AppState;
use crate::web::oauth_error::OAuthError;
use crate::web::params::{AnyBody, Params};

#[derive(Serialize, Deserialize)]
struct Request {
    id: String,
    client_id: String,
    target: Identifier,
    client_ref: Option<String>,
    code_hash: [u8; 32],
    created_at: UnixTime,
    expires_at: UnixTime,
}

fn key(id: &str) -> String {
    format!("verify:{id}")
}

fn tries_key(id: &str) -> String {
    format!("verify-try:{id}")
}

/// How many checks were made, for `GET` (the counter itself is only incremented).
fn checks_key(id: &str) -> String {
    format!("verify-checks:{id}")
}

/// The final status, written once (`put_new`): the first ending wins.
fn end_key(id: &str) -> String {
    format!("verify-end:{id}")
}

fn live_key(state: &AppState, client_id: &str, target: &Identifier) -> String {
    let hash = crypto::keyed_hash(&state.secret, &[b"verify", client_id.as_bytes(), target.as_str().as_bytes()]);
    format!("verify-live:{}", crypto::b64url(&hash))
}

fn code_hash(state: &AppState, id: &str, code: &str) -> [u8; 32] {
    crypto::keyed_hash(&state.secret, &[b"verify-code", id.as_bytes(), code.as_bytes()])
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

async fn authenticated(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
) -> Result<std::sync::Arc<Client>, OAuthError> {
    params.reject_repeats()?;
    let client = client_auth::authenticate(state, headers, params).await?;
    allowed(&client)?;
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

pub async fn create(
    State(state): State<AppState>,
    Extension(peer): Extension<ClientAddr>,
    headers: HeaderMap,
    AnyBody(params): AnyBody,
) -> Result<Response, OAuthError> {
    let client = authenticated(&state, &headers, &params).await?;
    let (channel, value) = match (params.get("number"), params.get("email")) {
        (Some(number), None) => (params.get("channel").unwrap_or("sms"), number),
        (None, Some(email)) => (params.get("channel").unwrap_or("email"), email),
        _ => return Err(OAuthError::invalid_request("Give number or email, not both.")),
    };
    let target = match (channel, params.get("number").is_some()) {
        ("sms", true) => identifier(&state, "sms", value)?,
        ("email", false) => identifier(&state, "email", value)?,
        _ => return Err(OAuthError::invalid_request("channel must be sms for a number or email for an address.")),
    };
    let code_length = number_in(&params, "code_length", 6, 4..=10)? as u32;
    let pin_expiry = number_in(&params, "pin_expiry", 300, 60..=3600)?;
    if params.get("locale").is_some_and(|l| !l.to_ascii_lowercase().starts_with("en")) {
        return Err(OAuthError::invalid_request("locale: only English (en, en-us, en-gb) messages are available."));
    }
    let brand = params.get("brand").unwrap_or(&client.name).chars().take(64).collect::<String>();
    let client_ref = params.get("client_ref").map(|r| r.chars().take(128).collect::<String>());

    let live = live_key(&state, &client.id, &target);
    if let Some(existing) = state.ephemeral.get(&live).await? {
        let existing = String::from_utf8_lossy(&existing).to_string();
        if state.ephemeral.get(&end_key(&existing)).await?.is_none() {
            let body = json!({"request_id": existing, "status": "in_progress",
                              "error": "A verification of this target is already in progress; check or cancel it."});
            return Ok(answer(StatusCode::CONFLICT, body));
        }
    }
    may_send(&state, &target, &client, end_user_ip(&client, &headers, peer.ip)).await?;

    let id = crypto::random_token();
    let code = crypto::random_digits(code_length);
    let now = state.clock.now();
    let request = Request {
        id: id.clone(),
        client_id: client.id.clone(),
        target: target.clone(),
        client_ref,
        code_hash: code_hash(&state, &id, &code),
        created_at: now,
        expires_at: now + pin_expiry as i64,
    };
    // Kept an hour past expiry so its status can still be read.
    state.ephemeral.put_json(&key(&id), &request, pin_expiry + 3600).await?;
    state.ephemeral.put(&live, id.clone().into_bytes(), pin_expiry).await?;
    state.metrics.inc("tessera_codes_sent_total", &[("channel", target.kind())]);
    state.audit(
        "code_sent",
        None,
        Some(&client.id),
        Some(peer.ip),
        json!({"channel": target.kind(), "to": target.masked(), "via": "verify"}),
    );
    // Vonage Verify's `locale` (such as `de-de`) picks the message language.
    let lang = state.locales.negotiate(params.get("locale"), None).lang().to_string();
    let delivery = crate::domain::deliver::Delivery { to: target, code: Some(code), link: None, app_name: brand, lang };
    crate::domain::deliver::deliver_in_background(&state, delivery, Some(client.id.clone()));
    expire_later(&state, client.clone(), &id, pin_expiry);
    Ok(answer(StatusCode::OK, json!({"request_id": id, "status": "in_progress"})))
}

/// The request, if it exists and belongs to `client`.
async fn owned(state: &AppState, client: &Client, id: &str) -> Result<Option<Request>, OAuthError> {
    if id.len() > 64 {
        return Ok(None);
    }
    Ok(state.ephemeral.get_json::<Request>(&key(id)).await?.filter(|r| r.client_id == client.id))
}

fn not_found() -> Response {
    answer(StatusCode::NOT_FOUND, json!({"status": "not_found", "error": "No such verification request."}))
}

/// Ends the request with `status` unless it has ended already; returns the status it has now.
async fn end(state: &AppState, client: &Client, request: &Request, status: &str) -> Result<String, OAuthError> {
    if state.ephemeral.put_new(&end_key(&request.id), status.as_bytes().to_vec(), 3600 + 3600).await? {
        state.ephemeral.delete(&live_key(state, &request.client_id, &request.target)).await?;
        callback(state, client, request, status);
        return Ok(status.to_string());
    }
    let now = state.ephemeral.get(&end_key(&request.id)).await?.unwrap_or_default();
    Ok(String::from_utf8_lossy(&now).to_string())
}

/// The current status, marking an expired request as such.
async fn status_of(state: &AppState, client: &Client, request: &Request) -> Result<String, OAuthError> {
    if let Some(ended) = state.ephemeral.get(&end_key(&request.id)).await? {
        return Ok(String::from_utf8_lossy(&ended).to_string());
    }
    if state.clock.now() >= request.expires_at {
        return end(state, client, request, "expired").await;
    }
    Ok("in_progress".into())
}

fn ended(status: &str) -> Response {
    let (code, message) = match status {
        "completed" => (StatusCode::CONFLICT, "This request was already verified."),
        "expired" => (StatusCode::GONE, "The code has expired. Start a new verification."),
        "cancelled" => (StatusCode::GONE, "This request was cancelled."),
        _ => (StatusCode::GONE, "Too many wrong codes: this request has ended. Start a new verification."),
    };
    answer(code, json!({"status": status, "error": message}))
}

pub async fn check(
    State(state): State<AppState>,
    Extension(peer): Extension<ClientAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    AnyBody(params): AnyBody,
) -> Result<Response, OAuthError> {
    let client = authenticated(&state, &headers, &params).await?;
    let Some(request) = owned(&state, &client, &id).await? else { return Ok(not_found()) };
    let status = status_of(&state, &client, &request).await?;
    if status != "in_progress" {
        return Ok(ended(&status));
    }
    let code = params.required("code")?;
    // The same check limits as every other code: five tries per request alone would let many
    // requests for one target, or one source across many targets, guess on.
    may_check(&state, &request.target, &client, end_user_ip(&client, &headers, peer.ip)).await?;
    let matches = || crypto::constant_time_eq(&code_hash(&state, &id, code), &request.code_hash);
    let (attempts, verdict) = attempts::attempt(state.ephemeral.as_ref(), &tries_key(&id), 3600 * 2, matches).await?;
    state.ephemeral.put(&checks_key(&id), attempts.to_string().into_bytes(), 3600 * 2).await?;
    match verdict {
        Verdict::Right => {}
        Verdict::Wrong { left } => {
            let body = json!({"status": "wrong_code", "attempts_left": left, "error": "The code is not right."});
            return Ok(answer(StatusCode::BAD_REQUEST, body));
        }
        Verdict::Spent => return Ok(ended(&end(&state, &client, &request, "failed").await?)),
    }
    let status = end(&state, &client, &request, "completed").await?;
    if status != "completed" || !won(&state, &id).await? {
        return Ok(ended(&status));
    }
    state.audit(
        "identifier_verified",
        None,
        Some(&client.id),
        None,
        json!({"to": request.target.masked(), "via": "verify"}),
    );
    Ok(answer(StatusCode::OK, json!({"request_id": id, "status": "completed"})))
}

/// Of several correct checks, exactly one reports success.
async fn won(state: &AppState, id: &str) -> Result<bool, OAuthError> {
    Ok(state.ephemeral.put_new(&format!("verify-won:{id}"), vec![1], 7200).await?)
}

pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, OAuthError> {
    let client = authenticated(&state, &headers, &Params::default()).await?;
    let Some(request) = owned(&state, &client, &id).await? else { return Ok(not_found()) };
    let status = status_of(&state, &client, &request).await?;
    let checks = state
        .ephemeral
        .get(&checks_key(&id))
        .await?
        .map_or(0, |b| String::from_utf8_lossy(&b).parse::<u64>().unwrap_or(0));
    Ok(answer(
        StatusCode::OK,
        json!({"request_id": id, "status": status, "channel": if request.target.kind() == "phone" { "sms" } else { "email" },
               "to": request.target.masked(), "checks": checks, "client_ref": request.client_ref,
               "created_at": request.created_at, "expires_at": request.expires_at}),
    ))
}

pub async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, OAuthError> {
    let client = authenticated(&state, &headers, &Params::default()).await?;
    let Some(request) = owned(&state, &client, &id).await? else { return Ok(not_found()) };
    let status = status_of(&state, &client, &request).await?;
    if status != "in_progress" {
        return Ok(ended(&status));
    }
    let status = end(&state, &client, &request, "cancelled").await?;
    if status != "cancelled" {
        return Ok(ended(&status));
    }
    Ok(answer(StatusCode::OK, json!({"request_id": id, "status": "cancelled"})))
}

/// Marks the request expired when its code runs out, so the callback fires without a poll.
fn expire_later(state: &AppState, client: std::sync::Arc<Client>, id: &str, after: u64) {
    let (state, id) = (state.clone(), id.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(after)).await;
        if let Ok(Some(request)) = state.ephemeral.get_json::<Request>(&key(&id)).await {
            let _ = status_of(&state, &client, &request).await;
        }
    });
}

#[derive(Serialize)]
struct StatusClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    iat: UnixTime,
    exp: UnixTime,
    jti: String,
    request_id: &'a str,
    status: &'a str,
    client_ref: Option<&'a str>,
}

/// POSTs the final status to the client's callback URL, signed, retried three times.
fn callback(state: &AppState, client: &Client, request: &Request, status: &str) {
    let Some(url) = client.verify_callback_url.clone() else { return };
    let claims = StatusClaims {
        iss: state.issuer(),
        aud: &client.id,
        iat: state.clock.now(),
        // RFC 8725 §3.10: a receiver can refuse a replayed callback once it expires; five
        // minutes outlast the three deliveries below.
        exp: state.clock.now() + 300,
        jti: crypto::random_id(),
        request_id: &request.id,
        status,
        client_ref: request.client_ref.as_deref(),
    };
    let Ok(jwt) = crate::domain::jwt::sign(state.keys().active(client.signing_alg), "verify-status+jwt", &claims)
    else {
        return;
    };
    let request = match state.outbound.post(&url) {
        Ok(request) => request.header("content-type", "application/jwt"),
        Err(e) => return tracing::warn!(client_id = %client.id, error = %e, "verify status callback not sent"),
    };
    tokio::spawn(async move {
        let mut delay = Duration::from_millis(200);
        for _ in 0..3 {
            let Some(attempt) = request.try_clone() else { return };
            let sent = attempt.body(jwt.clone()).send().await;
            if sent.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(delay).await;
            delay *= 4;
        }
        tracing::warn!("verify status callback not delivered");
    });
}
