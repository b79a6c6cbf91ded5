//! `/verify/control/json`: `cancel` (Vonage's rules: not in the first 30 seconds, nor once the
//! code was sent again) and `trigger_next_event` (the workflow's next event with a new code: a
//! text message, or a call reading the code out where the provider can call — Twilio's Calls
//! API or the signed webhook).

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use super::track::{self, Event, Step, Track};
use super::{answer, caller, failure, invalid, missing, not_active};
use crate::domain::deliver::{Delivery, deliver_in_background};
use crate::domain::passwordless::{end_user_ip, may_send};
use crate::domain::verification::{self, Request, Status};
use crate::model::Client;
use crate::net::ClientAddr;
use crate::state::AppState;
use crate::web::params::AnyBody;

/// Vonage refuses to cancel a request younger than this, in seconds.
const CANCEL_AFTER: i64 = 30;

pub async fn control(
    State(state): State<AppState>,
    Extension(peer): Extension<ClientAddr>,
    headers: HeaderMap,
    AnyBody(params): AnyBody,
) -> Response {
    let client = match caller(&state, &headers, &params, "Bad credentials").await {
        Ok(client) => client,
        Err(refused) => return refused,
    };
    let Some(id) = params.get("request_id") else { return answer(missing("request_id")) };
    let Some(cmd) = params.get("cmd") else { return answer(missing("cmd")) };
    if cmd != "cancel" && cmd != "trigger_next_event" {
        return answer(invalid("cmd"));
    }
    let internal = || failure("5", "Internal Error");
    let (request, track) = match (verification::find(&state, &client, id).await, track::load(&state, id).await) {
        (Ok(Some(request)), Ok(Some(track))) => (request, track),
        (Ok(_), Ok(_)) => return not_active(id),
        _ => return internal(),
    };
    match verification::status(&state, &client, &request).await {
        Ok(Status::InProgress) => {}
        Ok(_) => return not_active(id),
        Err(_) => return internal(),
    }
    if cmd == "cancel" {
        return cancel(&state, &client, &request, track).await;
    }
    let ip = end_user_ip(&client, &headers, peer.ip);
    next_event(&state, &client, &request, track, ip).await
}

async fn cancel(state: &AppState, client: &Client, request: &Request, mut track: Track) -> Response {
    let id = &request.id;
    if state.clock.now() - request.created_at < CANCEL_AFTER {
        return failure("19", format!("Verification request ['{id}'] can't be cancelled within the first 30 seconds."));
    }
    if track.events.len() >= 2 {
        return failure(
            "19",
            format!(
                "Verification request  ['{id}'] can't be cancelled now. Too many attempts to re-deliver have \
                 already been made."
            ),
        );
    }
    match verification::end(state, client, request, Status::Cancelled).await {
        Ok(Status::Cancelled) => {}
        Ok(_) => return not_active(id),
        Err(_) => return failure("5", "Internal Error"),
    }
    track.finalized = Some(state.clock.now());
    if track::save(state, id, &track).await.is_err() {
        return failure("5", "Internal Error");
    }
    answer(json!({"status": "0", "command": "cancel"}))
}

async fn next_event(
    state: &AppState,
    client: &Client,
    request: &Request,
    mut track: Track,
    ip: std::net::IpAddr,
) -> Response {
    let id = &request.id;
    let steps = track::workflow(track.workflow).unwrap_or(&[]);
    let step = match steps.get(track.events.len()) {
        None => return failure("19", format!("No more events are left to execute for the request ['{id}']")),
        Some(Step::Tts) if !state.sms.voice_capable() => {
            return failure("19", "The next event is a voice call, and no voice-capable provider is configured.");
        }
        Some(step) => *step,
    };
    if may_send(state, &request.target, client, ip).await.is_err() {
        return failure("1", "Throttled");
    }
    let Ok(code) = verification::renew(state, request).await else { return failure("5", "Internal Error") };
    let now = state.clock.now();
    let expires_secs = u64::try_from(request.expires_at - now).unwrap_or(0).max(1);
    let lang = state.locales.negotiate(track.lg.as_deref(), None).lang().to_string();
    match step {
        Step::Sms => {
            let delivery = Delivery {
                to: request.target.clone(),
                code: Some(code),
                link: None,
                app_name: track.brand.clone(),
                lang,
                brand: Some(track.brand.clone()),
                expires_secs: Some(expires_secs),
            };
            deliver_in_background(state, delivery, Some(client.id.clone()));
        }
        Step::Tts => call_in_background(state, client, request, &code, &track.brand, &lang, expires_secs),
    }
    let kind = if step == Step::Tts { "tts" } else { "sms" };
    track.events.push(Event { id: track::event_id(), at: now, kind: kind.into() });
    if track::save(state, id, &track).await.is_err() {
        return failure("5", "Internal Error");
    }
    answer(json!({"status": "0", "command": "trigger_next_event"}))
}

/// Calls the number and reads the code out, off the request path; a failure is audited as a
/// failed text message is.
fn call_in_background(
    state: &AppState,
    client: &Client,
    request: &Request,
    code: &str,
    brand: &str,
    lang: &str,
    expires_secs: u64,
) {
    let crate::model::Identifier::Phone(phone) = request.target.clone() else { return };
    let text = crate::domain::notify::sms::voice_text(state.locales.named(lang), code, brand, expires_secs);
    let voice = crate::domain::notify::sms::voice_language(lang);
    let (state, client_id) = (state.clone(), client.id.clone());
    tokio::spawn(async move {
        if let Err(e) = state.sms.call(&phone, &text, &voice).await {
            tracing::error!(to = %phone.masked(), error = %e, "verification call not placed");
            let detail = json!({"to": phone.masked(), "error": e.to_string(), "channel": "voice"});
            state.audit("sms_failed", None, Some(&client_id), None, detail);
        }
    });
}
