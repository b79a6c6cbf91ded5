//! `/verify/search/json`: a request as Vonage describes it — number, dates, the codes checked,
//! the events sent and its status (`IN PROGRESS`, `SUCCESS`, `FAILED`, `EXPIRED`, `CANCELLED`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use super::track;
use super::{answer, caller, failure, missing, vonage_date};
use crate::domain::verification::{self, Status};
use crate::state::AppState;
use crate::web::params::AnyBody;

fn vonage_status(status: Status) -> &'static str {
    match status {
        Status::InProgress => "IN PROGRESS",
        Status::Completed => "SUCCESS",
        Status::Failed => "FAILED",
        Status::Expired => "EXPIRED",
        Status::Cancelled => "CANCELLED",
    }
}

pub async fn search(State(state): State<AppState>, headers: HeaderMap, AnyBody(params): AnyBody) -> Response {
    let client = match caller(&state, &headers, &params, "Bad credentials").await {
        Ok(client) => client,
        Err(refused) => return refused,
    };
    let Some(id) = params.get("request_id") else { return answer(missing("request_id")) };
    let none = || failure("101", "No response found");
    let internal = || failure("5", "Internal Error");
    let (request, track) = match (verification::find(&state, &client, id).await, track::load(&state, id).await) {
        (Ok(Some(request)), Ok(Some(track))) => (request, track),
        (Ok(_), Ok(_)) => return none(),
        _ => return internal(),
    };
    let Ok(status) = verification::status(&state, &client, &request).await else { return internal() };
    let finalized = match status {
        Status::InProgress => None,
        Status::Expired => Some(request.expires_at),
        _ => track.finalized.or(track.checks.last().map(|c| c.at)),
    };
    let checks: Vec<_> = track
        .checks
        .iter()
        .map(|c| {
            json!({"date_received": vonage_date(c.at), "code": c.code,
                        "status": if c.valid { "VALID" } else { "INVALID" }, "ip_address": ""})
        })
        .collect();
    let events: Vec<_> = track.events.iter().map(|e| json!({"id": e.id, "type": e.kind})).collect();
    answer(json!({
        "request_id": id,
        "account_id": client.id,
        "number": track.number,
        "sender_id": track.sender_id,
        "date_submitted": vonage_date(request.created_at),
        "date_finalized": finalized.map(vonage_date).unwrap_or_default(),
        "checks": checks,
        "first_event_date": track.events.first().map(|e| vonage_date(e.at)).unwrap_or_default(),
        "last_event_date": track.events.last().map(|e| vonage_date(e.at)).unwrap_or_default(),
        "price": "0.00000000",
        "currency": "EUR",
        "status": vonage_status(status),
        "estimated_price_messages_sent": "0.00000000",
        "events": events,
    }))
}
