//! One-time-code login by email or text message: the pages that ask for the address or number
//! and for the code, and the check of the code. Sending lives in `send`.
//!
//! ```text
//! GET  /login/{id}         identify page: passkeys, email, "use a phone number" when SMS is on
//! GET  /login/{id}/phone   phone form
//! GET  /login/{id}/code    code form, the same for known and unknown identifiers
//! POST /login/{id}/code    limits -> attempt counted -> constant-time check -> single use -> finish
//! ```

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde_json::json;

use crate::domain::authenticate::{Claimant, Method};
use crate::domain::interaction::Interaction;
use crate::domain::limits::{self, Limited};
use crate::domain::otp::{self, Check};
use crate::domain::session;
use crate::i18n::AcceptLanguage;
use crate::login::notice::{self, Shown};
use crate::login::{finish, frame, link, load, load_for_post};
use crate::model::Identifier;
use crate::net::ClientAddr;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::Ui;

/// Method labels in metrics and audit events.
pub(super) const EMAIL_CODE: &str = "email_code";
pub(super) const SMS_CODE: &str = "sms_code";

pub(super) fn method_of(ix: &Interaction) -> &'static str {
    if ix.by_phone() { SMS_CODE } else { EMAIL_CODE }
}

#[derive(Template)]
#[template(path = "login/identify.html")]
struct IdentifyPage<'a> {
    ui: Ui<'a>,
    id: &'a str,
    csrf: &'a str,
    email: &'a str,
    continue_as: Option<String>,
    error: Option<String>,
    /// Catalog keys: what the form sends (code, link or both).
    email_hint: &'static str,
    email_submit: &'static str,
    email_code: bool,
    /// An application is waiting: the page offers to go back to it.
    can_cancel: bool,
    passkeys: bool,
    sms: bool,
    /// The application demands a passkey (`acr`): the other methods are not offered.
    passkey_only: bool,
    /// "Continue with …" buttons, the one this browser used last first.
    upstreams: Vec<UpstreamButton<'a>>,
    /// This browser signed in with an upstream last: its buttons come before the address form.
    upstream_first: bool,
}

/// One upstream provider's button on the identify page.
struct UpstreamButton<'a> {
    id: &'a str,
    name: &'a str,
    /// The file under `/assets/upstream/` with its mark.
    mark: &'static str,
    last: bool,
}

/// The buttons of the upstreams (configured and registered), the one `last` names first.
fn upstream_buttons<'a>(upstreams: &'a [crate::config::UpstreamConfig], last: Option<&str>) -> Vec<UpstreamButton<'a>> {
    let mut buttons: Vec<UpstreamButton> = upstreams
        .iter()
        .map(|u| UpstreamButton {
            id: &u.id,
            name: u.display_name(),
            mark: match u.kind.as_str() {
                "google" => "google",
                "github" => "github",
                "microsoft" => "microsoft",
                _ => "oidc",
            },
            last: last == Some(u.id.as_str()),
        })
        .collect();
    buttons.sort_by_key(|b| !b.last);
    buttons
}

#[derive(Template)]
#[template(path = "login/code.html")]
struct CodePage<'a> {
    ui: Ui<'a>,
    id: &'a str,
    csrf: &'a str,
    /// The address or the (masked) number the code went to.
    to: String,
    by_phone: bool,
    /// Catalog key of the sentence saying what was sent.
    sent: &'static str,
    minutes: String,
    link_minutes: String,
    error: Option<String>,
    notice: Option<&'static str>,
    /// A link was sent too: the number to pick on its approval page.
    link_match: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "login/phone.html")]
struct PhonePage<'a> {
    ui: Ui<'a>,
    id: &'a str,
    csrf: &'a str,
    phone: &'a str,
    error: Option<String>,
}

fn html<T: Template>(page: T) -> Response {
    match page.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => PageError::unavailable(e),
    }
}

/// A page shown again after a refusal by a rate limit: `429` with `Retry-After`, and the same
/// working form with the wait named under it.
pub(super) fn limited(page: Response, limited: &Limited) -> Response {
    let mut response = (StatusCode::TOO_MANY_REQUESTS, page).into_response();
    if let Ok(v) = limited.retry_after.to_string().parse() {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    response
}

pub async fn identify_page(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    Query(query): Query<notice::Query>,
) -> Result<Response, PageError> {
    let ix = load(&state, &jar, &id).await?;
    identify(&state, &jar, &ix, &accept, query.error()).await
}

/// The identify page of `ix`, with `error` under the address field.
pub(super) async fn identify(
    state: &AppState,
    jar: &CookieJar,
    ix: &Interaction,
    accept: &AcceptLanguage,
    error: Option<Shown>,
) -> Result<Response, PageError> {
    let mut continue_as = None;
    if !ix.reauthenticate
        && let Some(current) = session::current(state, jar).await?
        && let Some(user) = state.directory.user(&current.user_id).await?
    {
        continue_as = user.email.map(|e| e.as_str().to_string());
    }
    let prefill = ix.email().map(|e| e.as_str().to_string()).or_else(|| ix.login_hint().map(str::to_owned));
    let sends = ix.email_sends.unwrap_or(state.config.login.email_sends);
    let (email_hint, email_submit) = match (sends.code(), sends.link()) {
        (true, true) => ("identify.email_hint_both", "identify.email_submit"),
        (false, true) => ("identify.email_hint_link", "identify.email_submit_link"),
        _ => ("identify.email_hint", "identify.email_submit"),
    };
    let ui = frame(state, ix, accept).await?;
    let passkeys = state.webauthn.is_some();
    let passkey_only = passkeys && ix.acr_demand().is_some_and(|d| d.needs_passkey());
    let last = session::last_upstream(state, jar);
    let offered = if passkey_only { Vec::new() } else { state.upstreams().await? };
    let upstreams = upstream_buttons(&offered, last.as_deref());
    Ok(html(IdentifyPage {
        upstream_first: upstreams.first().is_some_and(|b| b.last),
        upstreams,
        error: error.map(|e| e.text(&ui)),
        ui,
        id: &ix.id,
        csrf: &ix.csrf,
        email: prefill.as_deref().unwrap_or(""),
        continue_as,
        email_hint,
        email_submit,
        email_code: state.config.login.email_code && !passkey_only,
        can_cancel: matches!(ix.purpose, crate::domain::interaction::Purpose::Authorize(_)),
        passkeys,
        sms: state.config.sms.enabled() && !passkey_only,
        passkey_only,
    }))
}

pub async fn phone_page(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    Query(query): Query<notice::Query>,
) -> Result<Response, PageError> {
    let ix = load(&state, &jar, &id).await?;
    if !state.config.sms.enabled() {
        return Ok(Redirect::to(&ix.login_path()).into_response());
    }
    phone(&state, &ix, &accept, query.error()).await
}

/// The phone page of `ix`, with `error` under the number field.
pub(super) async fn phone(
    state: &AppState,
    ix: &Interaction,
    accept: &AcceptLanguage,
    error: Option<Shown>,
) -> Result<Response, PageError> {
    let ui = frame(state, ix, accept).await?;
    Ok(html(PhonePage {
        error: error.map(|e| e.text(&ui)),
        ui,
        id: &ix.id,
        csrf: &ix.csrf,
        phone: ix.phone().map_or("", |p| p.as_str()),
    }))
}

pub async fn code_page(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    Query(query): Query<notice::Query>,
) -> Result<Response, PageError> {
    let ix = load(&state, &jar, &id).await?;
    if link::decided(&state, &ix).await? {
        // A link opened elsewhere approved or refused this sign-in: the wait page acts on it.
        return Ok(Redirect::to(&format!("/login/{id}/wait")).into_response());
    }
    code(&state, &ix, &accept, query.error(), query.notice()).await
}

/// The code page of `ix`, with `error` under the code field.
pub(super) async fn code(
    state: &AppState,
    ix: &Interaction,
    accept: &AcceptLanguage,
    error: Option<Shown>,
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    let (to, by_phone) = match ix.sent_to() {
        Some(Identifier::Phone(phone)) => (phone.masked(), true),
        Some(Identifier::Email(email)) => (email.as_str().to_string(), false),
        None => return Ok(Redirect::to(&ix.login_path()).into_response()),
    };
    let link_match = ix.link_match().filter(|_| !by_phone);
    let sent = match (by_phone, link_match.is_some()) {
        (true, _) => "code.sent_phone",
        (false, true) => "code.sent_email_link",
        (false, false) => "code.sent_email",
    };
    let ui = frame(state, ix, accept).await?;
    let minutes = |secs: u64| ui.tr.plural("dates.minutes", secs / 60);
    let (minutes, link_minutes) = (minutes(state.config.lifetimes.otp), minutes(state.config.lifetimes.magic_link));
    Ok(html(CodePage {
        error: error.map(|e| e.text(&ui)),
        minutes,
        link_minutes,
        ui,
        id: &ix.id,
        csrf: &ix.csrf,
        to,
        by_phone,
        sent,
        notice,
        link_match,
    }))
}

pub async fn verify_code(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(&body);
    let ix = load_for_post(&state, &jar, &id, &form).await?;
    let Some(challenge_id) = ix.challenge().map(str::to_owned) else {
        return Ok(Redirect::to(&ix.login_path()).into_response());
    };
    let method = method_of(&ix);
    let Some(sent_to) = ix.sent_to() else { return Ok(Redirect::to(&ix.login_path()).into_response()) };
    if let Some(refusal) = limits::before_check(&state, &sent_to, &ix.limit_bucket(), client.ip).await? {
        state.metrics.inc("tessera_rate_limited_total", &[("limit", refusal.limit)]);
        let detail = json!({"limit": refusal.limit, "to": sent_to.masked()});
        state.audit("rate_limited", None, ix.client_id(), Some(client.ip), detail);
        let page = code(&state, &ix, &accept, Some(Shown::limited(&refusal)), None).await?;
        return Ok(limited(page, &refusal));
    }
    let Some(code) = otp::normalize(form.get("code").unwrap_or("")) else {
        return Ok(Redirect::to(&format!("/login/{id}/code?e=format")).into_response());
    };
    let failed = |reason: &'static str| {
        state.metrics.inc("tessera_logins_failed_total", &[("method", method), ("reason", reason)]);
        let detail = json!({"method": method, "reason": reason, "to": sent_to.masked()});
        state.audit("sign_in_failed", None, ix.client_id(), Some(client.ip), detail);
    };
    let identifier = match otp::check(&state, &challenge_id, &code).await? {
        Check::Accepted(identifier) => identifier,
        Check::Wrong { .. } => {
            failed("wrong_code");
            return Ok(Redirect::to(&format!("/login/{id}/code?e=wrong")).into_response());
        }
        Check::Locked => {
            failed("too_many_attempts");
            return Ok(Redirect::to(&format!("/login/{id}?e=locked")).into_response());
        }
        Check::Expired => {
            failed("expired");
            return Ok(Redirect::to(&format!("/login/{id}?e=expired")).into_response());
        }
    };
    sign_in(&state, jar, ix, identifier, method, &client).await
}

/// Finishes with the owner of a proven identifier (created if new and sign-up is on).
pub async fn sign_in(
    state: &AppState,
    jar: CookieJar,
    ix: Interaction,
    identifier: Identifier,
    method: &'static str,
    client: &ClientAddr,
) -> Result<Response, PageError> {
    let proof = finish::Proof { claimant: Claimant::Owner(&identifier), method: Method::otp(method) };
    finish::finish(state, jar, ix, client, proof).await
}
