//! Sending one-time codes and links from the login pages: limits, the SMS defences, a new
//! challenge (replacing any live one), and delivery off the request path.
//!
//! ```text
//! POST /login/{id}/email   limits -> code and/or link -> mail sent in the background -> 303 code page
//! POST /login/{id}/phone   E.164 -> country and pumping checks -> limits -> text
//! POST /login/{id}/resend  a new code to the same address or number, after a cool-down
//! ```
//!
//! A refusal by a limit shows the same page again with the wait named under the form (`429`
//! with `Retry-After`), never a page without a way on.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde_json::json;

use crate::domain::interaction::Interaction;
use crate::domain::limits::{self, Limited};
use crate::domain::otp;
use crate::i18n::AcceptLanguage;
use crate::login::code::{self, method_of};
use crate::login::link;
use crate::login::notice::Shown;
use crate::login::{load_for_post, save};
use crate::model::{Email, Identifier, Phone};
use crate::net::ClientAddr;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;

/// What became of a request to send.
enum Outcome {
    /// Sent (or, for an unknown identifier, not, with the same answer): the page to go to.
    Sent(String),
    /// Refused by a rate limit.
    Limited(Limited),
    /// A text message to this number is refused for good (its country is not allowed).
    NotAllowed,
}

pub async fn send_email(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(&body);
    let mut ix = load_for_post(&state, &jar, &id, &form).await?;
    if !state.config.login.email_code {
        return Err(PageError::new(StatusCode::NOT_FOUND, "error.off_title", "error.email_off"));
    }
    let Ok(email) = form.get("email").unwrap_or("").parse::<Email>() else {
        return Ok(Redirect::to(&format!("/login/{id}?e=email")).into_response());
    };
    ix.passkey_capable = form.get("passkey_capable") == Some("1");
    ix.prove(Identifier::Email(email.clone()));
    match send(&state, &mut ix, Identifier::Email(email), &client, &accept).await? {
        Outcome::Sent(next) => Ok(Redirect::to(&next).into_response()),
        Outcome::Limited(refusal) => {
            let page = code::identify(&state, &jar, &ix, &accept, Some(Shown::limited(&refusal))).await?;
            Ok(code::limited(page, &refusal))
        }
        Outcome::NotAllowed => Ok(Redirect::to(&ix.login_path()).into_response()),
    }
}

pub async fn send_sms(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(&body);
    let mut ix = load_for_post(&state, &jar, &id, &form).await?;
    if !state.config.sms.enabled() {
        return Err(PageError::new(StatusCode::NOT_FOUND, "error.off_title", "error.sms_off"));
    }
    let region = Some(state.config.sms.default_region.as_str()).filter(|r| !r.is_empty());
    let typed = form.get("phone").unwrap_or("");
    let phone = match Phone::parse(typed, region) {
        Ok(phone) => phone,
        Err(_) if typed.trim().is_empty() => {
            return Ok(Redirect::to(&format!("/login/{id}/phone?e=phone")).into_response());
        }
        Err(_) => return Ok(Redirect::to(&format!("/login/{id}/phone?e=phone_invalid")).into_response()),
    };
    ix.prove(Identifier::Phone(phone.clone()));
    match send(&state, &mut ix, Identifier::Phone(phone), &client, &accept).await? {
        Outcome::Sent(next) => Ok(Redirect::to(&next).into_response()),
        Outcome::Limited(refusal) => {
            let page = code::phone(&state, &ix, &accept, Some(Shown::limited(&refusal))).await?;
            Ok(code::limited(page, &refusal))
        }
        Outcome::NotAllowed => Ok(Redirect::to(&format!("/login/{id}/phone?e=sms_refused")).into_response()),
    }
}

/// `POST /login/{id}/resend`: a new code (and link) to the identifier of this login.
pub async fn resend(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(&body);
    let mut ix = load_for_post(&state, &jar, &id, &form).await?;
    let Some(identifier) = ix.sent_to() else { return Ok(Redirect::to(&ix.login_path()).into_response()) };
    match send(&state, &mut ix, identifier, &client, &accept).await? {
        Outcome::Sent(_) => Ok(Redirect::to(&format!("/login/{id}/code?n=sent")).into_response()),
        Outcome::Limited(refusal) => {
            let page = code::code(&state, &ix, &accept, Some(Shown::limited(&refusal)), None).await?;
            Ok(code::limited(page, &refusal))
        }
        Outcome::NotAllowed => Ok(Redirect::to(&format!("/login/{id}/phone?e=sms_refused")).into_response()),
    }
}

/// Counts and audits a refusal by a limit.
fn refused(state: &AppState, ix: &Interaction, asker: &ClientAddr, event: &str, detail: serde_json::Value) {
    let limit = detail["limit"].as_str().or(detail["reason"].as_str()).unwrap_or_default();
    state.metrics.inc("tessera_rate_limited_total", &[("limit", limit)]);
    state.audit(event, None, ix.client_id(), Some(asker.ip), detail);
}

/// The one way codes and links go out: limits, the SMS defences, a new challenge (replacing
/// any live one), the interaction saved, and delivery in the background. The answer is the same
/// whether or not the identifier belongs to someone.
async fn send(
    state: &AppState,
    ix: &mut Interaction,
    identifier: Identifier,
    asker: &ClientAddr,
    accept: &AcceptLanguage,
) -> Result<Outcome, PageError> {
    let ip = asker.ip;
    if let Some(refusal) = limits::before_send(state, &identifier, &ix.limit_bucket(), ip).await? {
        refused(state, ix, asker, "rate_limited", json!({"limit": refusal.limit, "to": identifier.masked()}));
        return Ok(Outcome::Limited(refusal));
    }
    if let Identifier::Phone(phone) = &identifier
        && let Some(reason) = limits::sms_refusal(state, phone).await?
    {
        refused(state, ix, asker, "sms_refused", json!({"reason": reason, "to": phone.masked()}));
        if reason == "country_not_allowed" {
            return Ok(Outcome::NotAllowed);
        }
        return Ok(Outcome::Limited(Limited { limit: reason, retry_after: 3600 }));
    }
    state.metrics.inc("tessera_logins_started_total", &[("method", method_of(ix))]);
    let known = state.directory.user_by_identifier(&identifier).await?;
    let (challenge_id, code) = otp::start(state, &identifier, &format!("ix:{}", ix.id)).await?;
    let sends = ix.email_sends.unwrap_or(state.config.login.email_sends);
    let link = match &identifier {
        Identifier::Email(email) if sends.link() => Some(link::create(state, ix, email, asker).await?),
        _ => None,
    };
    ix.sent(challenge_id, link.as_ref().map(|_| link::new_match()));
    save(state, ix).await?;
    if known.is_some() || state.config.login.signup {
        let channel = identifier.kind();
        state.metrics.inc("tessera_codes_sent_total", &[("channel", channel)]);
        let detail = json!({"channel": channel, "to": identifier.masked(), "link": link.is_some()});
        state.audit("code_sent", known.as_ref().map(|u| &u.id), ix.client_id(), Some(ip), detail);
        let code = (identifier.kind() == "phone" || sends.code()).then_some(code);
        let lang = state.locales.negotiate(ix.ui_locales(), accept.0.as_deref()).lang().to_string();
        let delivery = crate::domain::deliver::Delivery {
            to: identifier,
            code,
            link,
            app_name: ix.client_name.clone(),
            lang,
            brand: None,
            expires_secs: None,
        };
        crate::domain::deliver::deliver_in_background(state, delivery, ix.client_id().map(str::to_owned));
    }
    let next = if !ix.by_phone() && !sends.code() { "wait" } else { "code" };
    Ok(Outcome::Sent(format!("/login/{}/{next}", ix.id)))
}
