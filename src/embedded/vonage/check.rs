//! `/verify/check/json`: a code checked under the same attempt rule and check limits as
//! Tessera's `/verify`, answered with Vonage's statuses ("0", "16" wrong, "17" too many).

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use super::track::{self, Checked as Record};
use super::{answer, caller, failure, missing, not_active};
use crate::domain::passwordless::{end_user_ip, may_check};
use crate::domain::verification::{self, Checked, Status};
use crate::net::ClientAddr;
use crate::state::AppState;
use crate::web::params::AnyBody;

pub async fn check(
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
    let Some(code) = params.get("code") else { return answer(missing("code")) };
    let internal = || failure("5", "Internal Error");
    let request = match verification::find(&state, &client, id).await {
        Ok(Some(request)) => request,
        Ok(None) => return not_active(id),
        Err(_) => return internal(),
    };
    match verification::status(&state, &client, &request).await {
        Ok(Status::InProgress) => {}
        Ok(_) => return not_active(id),
        Err(_) => return internal(),
    }
    if may_check(&state, &request.target, &client, end_user_ip(&client, &headers, peer.ip)).await.is_err() {
        return failure("1", "Throttled");
    }
    let Ok(checked) = verification::check(&state, &client, &request, code).await else { return internal() };
    // A request made through Tessera's own `/verify` has no Vonage track: nothing to record.
    let Ok(track) = track::load(&state, id).await else { return internal() };
    let mut event_id = String::new();
    if let Some(mut track) = track {
        let now = state.clock.now();
        let valid = checked == Checked::Completed;
        track.checks.push(Record { at: now, code: code.chars().take(16).collect(), valid });
        if matches!(checked, Checked::Completed | Checked::Ended(Status::Failed)) {
            track.finalized = Some(now);
        }
        event_id = track.events.last().map(|e| e.id.clone()).unwrap_or_default();
        if track::save(&state, id, &track).await.is_err() {
            return internal();
        }
    }
    match checked {
        Checked::Completed => answer(json!({
            "request_id": id,
            "event_id": event_id,
            "status": "0",
            "price": "0.00000000",
            "currency": "EUR",
            "estimated_price_messages_sent": "0.00000000",
        })),
        Checked::Wrong { .. } => answer(json!({"request_id": id, "status": "16",
                                               "error_text": "The code inserted does not match the expected value"})),
        Checked::Ended(Status::Failed) => answer(json!({"request_id": id, "status": "17",
            "error_text": "The wrong code was provided too many times. Request terminated"})),
        Checked::Ended(_) => not_active(id),
    }
}
