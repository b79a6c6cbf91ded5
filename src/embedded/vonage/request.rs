//! `/verify/json`: Vonage's verify request, onto the same start as Tessera's `/verify`.

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::track::{self, Event, Step, Track};
use super::{answer, caller, error, failure, invalid, missing};
use crate::domain::passwordless::{end_user_ip, identifier};
use crate::domain::verification::Order;
use crate::embedded::verify::{Sent, send};
use crate::model::{Identifier, Phone};
use crate::net::ClientAddr;
use crate::state::AppState;
use crate::web::oauth_error::ErrorCode;
use crate::web::params::{AnyBody, Params};

/// The checked request, or the Vonage error that refuses it.
struct Asked {
    order: Order,
    brand: String,
    sender_id: String,
    workflow: u8,
}

fn number_in(params: &Params, name: &str, default: u64, range: std::ops::RangeInclusive<u64>) -> Result<u64, Value> {
    match params.get(name) {
        None => Ok(default),
        Some(text) => text.parse().ok().filter(|n| range.contains(n)).ok_or_else(|| invalid(name)),
    }
}

/// `number` in E.164 without the `+`, or in the national format of `country`.
fn phone(number: &str, country: Option<&str>) -> Option<Phone> {
    let digits = number.trim().trim_start_matches('+');
    let international = || Phone::parse(&format!("+{digits}"), None).ok();
    match country {
        Some(region) => Phone::parse(number, Some(region)).ok().or_else(international),
        None => international(),
    }
}

fn target(state: &AppState, params: &Params) -> Result<Identifier, Value> {
    let number = params.get("number").ok_or_else(|| missing("number"))?;
    let country = params.get("country");
    if country.is_some_and(|c| c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic())) {
        return Err(invalid("country"));
    }
    let phone = phone(number, country).ok_or_else(|| invalid("number"))?;
    identifier(state, "sms", phone.as_str())
        .map_err(|_| error("15", "The destination number is not in a supported network"))
}

fn asked(state: &AppState, params: &Params) -> Result<Asked, Value> {
    let target = target(state, params)?;
    let brand = params.get("brand").ok_or_else(|| missing("brand"))?;
    if brand.is_empty() || brand.chars().count() > 18 {
        return Err(invalid("brand"));
    }
    let sender_id = params.get("sender_id").unwrap_or("VERIFY");
    if sender_id.is_empty() || sender_id.chars().count() > 11 {
        return Err(invalid("sender_id"));
    }
    let code_length = number_in(params, "code_length", 4, 4..=6).and_then(|n| match n {
        4 | 6 => Ok(n as u32),
        _ => Err(invalid("code_length")),
    })?;
    let wait = number_in(params, "next_event_wait", 300, 60..=900)?;
    let mut pin_expiry = number_in(params, "pin_expiry", 300, 60..=3600)?;
    // Vonage: with both given, pin_expiry must be a multiple of next_event_wait, or it becomes
    // next_event_wait.
    if params.get("next_event_wait").is_some() && params.get("pin_expiry").is_some() && pin_expiry % wait != 0 {
        pin_expiry = wait;
    }
    let workflow = number_in(params, "workflow_id", 1, 1..=7)? as u8;
    if track::workflow(workflow).and_then(|steps| steps.first()) != Some(&Step::Sms) {
        return Err(error("3", "Invalid value for param: workflow_id (its first event is a voice call)"));
    }
    let order = Order { target, code_length, pin_expiry, client_ref: None };
    Ok(Asked { order, brand: brand.to_string(), sender_id: sender_id.to_string(), workflow })
}

pub async fn request(
    State(state): State<AppState>,
    Extension(peer): Extension<ClientAddr>,
    headers: HeaderMap,
    AnyBody(params): AnyBody,
) -> Response {
    let client = match caller(&state, &headers, &params, "Invalid credentials were provided").await {
        Ok(client) => client,
        Err(refused) => return refused,
    };
    let asked = match asked(&state, &params) {
        Ok(asked) => asked,
        Err(refused) => return answer(refused),
    };
    let number = asked.order.target.as_str().trim_start_matches('+').to_string();
    let ip = end_user_ip(&client, &headers, peer.ip);
    let lg = params.get("lg").map(str::to_owned);
    let sent = send(&state, &client, asked.order, asked.brand.clone(), lg.as_deref(), ip).await;
    let id = match sent {
        Ok(Sent::Started(id)) => id,
        Ok(Sent::InProgress(existing)) => {
            return answer(json!({"request_id": existing, "status": "10",
                                 "error_text": "Concurrent verifications to the same number are not allowed"}));
        }
        Err(e) if e.code == ErrorCode::TooManyAttempts => return failure("1", "Throttled"),
        Err(e) if e.code == ErrorCode::InvalidRequest => {
            return failure("15", "The destination number is not in a supported network");
        }
        Err(_) => return failure("5", "Internal Error"),
    };
    let now = state.clock.now();
    let track = Track {
        number,
        sender_id: asked.sender_id,
        brand: asked.brand,
        lg,
        workflow: asked.workflow,
        events: vec![Event { id: track::event_id(), at: now, kind: "sms".into() }],
        checks: Vec::new(),
        finalized: None,
    };
    if track::save(&state, &id, &track).await.is_err() {
        return failure("5", "Internal Error");
    }
    answer(json!({"request_id": id, "status": "0"}))
}

#[cfg(test)]
mod tests {
    use super::phone;

    #[test]
    fn numbers_come_without_a_plus_or_in_the_national_format_of_country() {
        assert_eq!(phone("447911123456", None).unwrap().as_str(), "+447911123456");
        assert_eq!(phone("07911 123456", Some("GB")).unwrap().as_str(), "+447911123456");
        assert_eq!(phone("447911123456", Some("GB")).unwrap().as_str(), "+447911123456");
        assert!(phone("12", None).is_none());
    }
}
