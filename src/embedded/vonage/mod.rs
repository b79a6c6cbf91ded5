//! Vonage Verify v1's JSON API, for applications written against it (`@vonage/verify` and the
//! older SDKs), mapped onto the same verifications as Tessera's own `/verify`:
//!
//! ```text
//! POST|GET /verify/json           number (+ country), brand, code_length, lg, pin_expiry,
//!                                 next_event_wait, workflow_id, sender_id -> {request_id, status}
//! POST|GET /verify/check/json     request_id, code -> status "0" | "16" wrong | "17" too many | "6"
//! GET|POST /verify/search/json    request_id -> the request, its checks and events
//! POST|GET /verify/control/json   request_id, cmd = cancel | trigger_next_event
//! ```
//!
//! Credentials are a passwordless client's id and secret as `api_key` and `api_secret`: HTTP
//! Basic (as `@vonage/verify` sends them) or parameters. Every answer is HTTP 200 with Vonage's
//! `status` string and `error_text`, as Vonage answers.

mod check;
mod control;
mod request;
mod search;
mod track;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::crypto;
use crate::domain::passwordless::allowed_verify;
use crate::model::Client;
use crate::state::AppState;
use crate::web::params::Params;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/verify/json", post(request::request).get(request::request))
        .route("/verify/check/json", post(check::check).get(check::check))
        .route("/verify/search/json", post(search::search).get(search::search))
        .route("/verify/control/json", post(control::control).get(control::control))
}

/// Vonage answers every call with 200 and says how it went in `status`.
fn answer(body: Value) -> Response {
    Json(body).into_response()
}

/// A Vonage error's body: its status code (as a string) and text.
fn error(status: &str, text: impl Into<String>) -> Value {
    json!({"status": status, "error_text": text.into()})
}

/// A Vonage error.
fn failure(status: &str, text: impl Into<String>) -> Response {
    answer(error(status, text))
}

/// Status 2, with the parameter's name as Vonage words it.
fn missing(name: &str) -> Value {
    error("2", format!("Your request is incomplete and missing the mandatory parameter `{name}`"))
}

/// Status 3.
fn invalid(name: &str) -> Value {
    error("3", format!("Invalid value for param: {name}"))
}

/// Status 6 for a request that is unknown or no longer in progress.
fn not_active(id: &str) -> Response {
    failure(
        "6",
        format!(
            "The Vonage platform was unable to process this message for the following reason: \
             Request '{id}' was not found or it has been verified already."
        ),
    )
}

/// `api_key:api_secret` from HTTP Basic, or the `api_key` and `api_secret` parameters.
fn credentials(headers: &HeaderMap, params: &Params) -> Option<(String, String)> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let encoded = crate::web::origin::credentials(value.to_str().ok()?, "Basic")?;
        let text = String::from_utf8(STANDARD.decode(encoded).ok()?).ok()?;
        let (key, secret) = text.split_once(':')?;
        return Some((key.to_string(), secret.to_string()));
    }
    Some((params.get("api_key")?.to_string(), params.get("api_secret")?.to_string()))
}

/// The passwordless client whose id and secret were presented; status 4 otherwise.
async fn caller(state: &AppState, headers: &HeaderMap, params: &Params, text: &str) -> Result<Arc<Client>, Response> {
    let bad = || failure("4", text);
    if params.reject_repeats().is_err() {
        return Err(failure("3", "Invalid value: a parameter was given twice"));
    }
    let (key, secret) = credentials(headers, params).ok_or_else(bad)?;
    let client = state.client(&key).await.map_err(|_| failure("5", "Internal Error"))?.ok_or_else(bad)?;
    let Some(expected) = client.secret_hash else { return Err(bad()) };
    if !crypto::constant_time_eq(&crypto::sha256(secret.as_bytes()), &expected) {
        return Err(bad());
    }
    allowed_verify(&client).map_err(|_| bad())?;
    Ok(client)
}

/// A moment as Vonage writes it: `2020-01-01 12:00:00` (UTC).
fn vonage_date(t: crate::clock::UnixTime) -> String {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp(t) else { return String::new() };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_written_as_vonage_writes_them() {
        assert_eq!(super::vonage_date(1_577_880_000), "2020-01-01 12:00:00");
    }
}
