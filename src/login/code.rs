//! One-time-code login by email or text message, and the email's magic link.
//!
//! ```text
//! GET  /login/{id}         identify page: passkeys, email, "use a phone number" when SMS is on
//! POST /login/{id}/email   limits -> code and/or link -> mail sent in the background -> 303 code page
//! GET  /login/{id}/phone   phone form;  POST: E.164 -> country and pumping checks -> limits -> text
//! GET  /login/{id}/code    code form, the same for known and unknown identifiers
//! POST /login/{id}/code    limits -> attempt counted -> constant-time check -> single use -> finish
//! POST /login/{id}/resend  a new code to the same address or number, after a cool-down
//! ```

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde_json::json;

use super::limits::{self, Limited};
use super::otp::{self, Check};
use super::{finish, frame, link, load, load_for_post, save};
use crate::http::PageError;
use crate::i18n::AcceptLanguage;
use crate::interaction::Interaction;
use crate::model::{Email, Identifier, Phone};
use crate::net::ClientAddr;
use crate::notify::OtpEmail;
use crate::oauth::discovery::ACR_OTP;
use crate::oauth::params::Params;
use crate::session;
use crate::state::AppState;
use crate::ui::Ui;

/// Method labels in metrics and audit events.
const EMAIL_CODE: &str = "email_code";
const SMS_CODE: &str = "sms_code";

fn method_of(ix: &Interaction) -> &'static str {
    if ix.phone.is_some() { SMS_CODE } else { EMAIL_CODE }
}

#[derive(Template)]
#[template(path = "login/identify.html")]
struct IdentifyPage<'a> {
    ui: Ui<'a>,
    id: &'a str,
    csrf: &'a str,
    email: &'a str,
    continue_as: Option<String>,
    error: Option<&'static str>,
    /// Catalog keys: what the form sends (code, link or both).
    email_hint: &'static str,
    email_submit: &'static str,
    email_code: bool,
    /// An application is waiting: the page offers to go back to it.
    can_cancel: bool,
    passkeys: bool,
    sms: bool,
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
    error: Option<&'static str>,
    notice: Option<&'static str>,
    /// A link was sent too: the number to compare on its approval page.
    link_match: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "login/phone.html")]
struct PhonePage<'a> {
    ui: Ui<'a>,
    id: &'a str,
    csrf: &'a str,
    phone: &'a str,
    error: Option<&'static str>,
}

#[derive(serde::Deserialize)]
pub struct Notice {
    e: Option<String>,
    n: Option<String>,
}

/// Messages the pages can show, as catalog keys chosen by a fixed name: nothing from the URL
/// is echoed.
fn message(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "email" => "messages.email",
        "format" => "messages.format",
        "wrong" => "messages.wrong",
        "locked" => "messages.locked",
        "expired" => "messages.expired",
        "noaccount" => "messages.noaccount",
        "phone" => "messages.phone",
        "phone_invalid" => "messages.phone_invalid",
        "sms_refused" => "messages.sms_refused",
        _ => return None,
    })
}

fn notice_text(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "sent" => Some("messages.sent"),
        _ => None,
    }
}

fn html<T: Template>(page: T) -> Response {
    match page.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => PageError::unavailable(e),
    }
}

pub async fn identify_page(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let ix = load(&state, &jar, &id).await?;
    let mut continue_as = None;
    if !ix.reauthenticate
        && let Some(current) = session::current(&state, &jar).await?
        && let Some(user) = state.directory.user(&current.user_id).await?
    {
        continue_as = user.email.map(|e| e.as_str().to_string());
    }
    let prefill = ix.email.as_ref().map(|e| e.as_str().to_string()).or_else(|| ix.login_hint().map(str::to_owned));
    let sends = ix.email_sends.unwrap_or(state.config.login.email_sends);
    let (email_hint, email_submit) = match (sends.code(), sends.link()) {
        (true, true) => ("identify.email_hint_both", "identify.email_submit"),
        (false, true) => ("identify.email_hint_link", "identify.email_submit_link"),
        _ => ("identify.email_hint", "identify.email_submit"),
    };
    Ok(html(IdentifyPage {
        ui: frame(&state, &ix, &accept).await?,
        id: &ix.id,
        csrf: &ix.csrf,
        email: prefill.as_deref().unwrap_or(""),
        continue_as,
        error: message(notice.e.as_deref()),
        email_hint,
        email_submit,
        email_code: state.config.login.email_code,
        can_cancel: matches!(ix.purpose, crate::interaction::Purpose::Authorize(_)),
        passkeys: state.webauthn.is_some(),
        sms: state.config.sms.enabled(),
    }))
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
    ix.phone = None;
    ix.email = Some(email.clone());
    send(&state, ix, Identifier::Email(email), &client, &accept).await
}

pub async fn phone_page(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let ix = load(&state, &jar, &id).await?;
    if !state.config.sms.enabled() {
        return Ok(Redirect::to(&ix.login_path()).into_response());
    }
    Ok(html(PhonePage {
        ui: frame(&state, &ix, &accept).await?,
        id: &ix.id,
        csrf: &ix.csrf,
        phone: ix.phone.as_ref().map_or("", |p| p.as_str()),
        error: message(notice.e.as_deref()),
    }))
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
    let phone = match Phone::parse(form.get("phone").unwrap_or(""), region) {
        Ok(phone) => phone,
        Err(_) if form.get("phone").unwrap_or("").trim().is_empty() => {
            return Ok(Redirect::to(&format!("/login/{id}/phone?e=phone")).into_response());
        }
        Err(_) => return Ok(Redirect::to(&format!("/login/{id}/phone?e=phone_invalid")).into_response()),
    };
    ix.email = None;
    ix.phone = Some(phone.clone());
    send(&state, ix, Identifier::Phone(phone), &client, &accept).await
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
    let ix = load_for_post(&state, &jar, &id, &form).await?;
    let Some(identifier) = ix.sent_to() else { return Ok(Redirect::to(&ix.login_path()).into_response()) };
    let response = send(&state, ix, identifier, &client, &accept).await?;
    if response.status() == StatusCode::SEE_OTHER {
        return Ok(Redirect::to(&format!("/login/{id}/code?n=sent")).into_response());
    }
    Ok(response)
}

/// The one way codes and links go out: limits, the SMS defences, a new challenge (replacing
/// any live one), the interaction saved, and delivery in the background. The answer is the same
/// whether or not the identifier belongs to someone.
async fn send(
    state: &AppState,
    mut ix: Interaction,
    identifier: Identifier,
    client: &ClientAddr,
    accept: &AcceptLanguage,
) -> Result<Response, PageError> {
    let method = method_of(&ix);
    let refused = |limit: &'static str| {
        state.metrics.inc("tessera_rate_limited_total", &[("limit", limit)]);
        let detail = json!({"limit": limit, "to": identifier.masked()});
        state.audit("rate_limited", None, ix.client_id(), Some(client.ip), detail);
    };
    if let Some(Limited { limit, retry_after }) =
        limits::before_send(state, &identifier, &ix.limit_bucket(), client.ip).await?
    {
        refused(limit);
        return Ok(too_many(limit, retry_after));
    }
    if let Identifier::Phone(phone) = &identifier
        && let Some(reason) = limits::sms_refusal(state, phone).await?
    {
        state.metrics.inc("tessera_rate_limited_total", &[("limit", reason)]);
        let detail = json!({"reason": reason, "to": phone.masked()});
        state.audit("sms_refused", None, ix.client_id(), Some(client.ip), detail);
        let status =
            if reason == "country_not_allowed" { StatusCode::BAD_REQUEST } else { StatusCode::TOO_MANY_REQUESTS };
        let mut response = Redirect::to(&format!("/login/{}/phone?e=sms_refused", ix.id)).into_response();
        if status == StatusCode::TOO_MANY_REQUESTS {
            response = too_many(reason, 3600);
        }
        return Ok(response);
    }
    state.metrics.inc("tessera_logins_started_total", &[("method", method)]);
    let known = state.directory.user_by_identifier(&identifier).await?;
    let deliver = known.is_some() || state.config.login.signup;
    let (challenge_id, code) = otp::start(state, &identifier, &ix.id).await?;
    ix.challenge_id = Some(challenge_id);
    let sends = ix.email_sends.unwrap_or(state.config.login.email_sends);
    let link = match &identifier {
        Identifier::Email(email) if sends.link() => Some(link::create(state, &mut ix, email, client).await?),
        _ => None,
    };
    save(state, &ix).await?;
    if deliver {
        let channel = identifier.kind();
        state.metrics.inc("tessera_codes_sent_total", &[("channel", channel)]);
        let detail = json!({"channel": channel, "to": identifier.masked(), "link": link.is_some()});
        state.audit("code_sent", known.as_ref().map(|u| &u.id), ix.client_id(), Some(client.ip), detail);
        let code = (identifier.kind() == "phone" || sends.code()).then_some(code);
        let lang = state.locales.negotiate(ix.ui_locales(), accept.0.as_deref()).lang().to_string();
        let delivery = Delivery { to: identifier, code, link, app_name: ix.client_name.clone(), lang };
        deliver_in_background(state, delivery, ix.client_id().map(str::to_owned));
    }
    let next = if ix.phone.is_none() && !sends.code() { "wait" } else { "code" };
    Ok(Redirect::to(&format!("/login/{}/{next}", ix.id)).into_response())
}

/// A code and/or link to send, in the language of the page that asked for it.
pub struct Delivery {
    pub to: Identifier,
    pub code: Option<String>,
    pub link: Option<String>,
    pub app_name: String,
    /// A catalog's language tag.
    pub lang: String,
}

/// Sends off the request path, so the answer takes the same time for every identifier.
pub fn deliver_in_background(state: &AppState, delivery: Delivery, client_id: Option<String>) {
    let state = state.clone();
    tokio::spawn(async move {
        let Delivery { to, code, link, app_name, lang } = delivery;
        let tr = state.locales.named(&lang);
        let minutes = state.config.lifetimes.otp / 60;
        match &to {
            Identifier::Email(email) => {
                if state.dev_mode() && state.mailer.is_outbox() {
                    let what = code.as_deref().or(link.as_deref()).unwrap_or_default();
                    tracing::info!(target: "tessera::dev", "sign-in for {}: {what} (dev mode only)", email.as_str());
                }
                let mail = OtpEmail {
                    t: tr,
                    code: code.as_deref(),
                    link: link.as_deref(),
                    app_name: &app_name,
                    product_name: &state.config.login.product_name,
                    minutes,
                    verify: false,
                };
                if let Err(e) = state.mailer.send_code(email, &mail).await {
                    tracing::error!(to = %email.masked(), error = %e, "sign-in email not delivered");
                }
            }
            Identifier::Phone(phone) => {
                let host = url::Url::parse(state.issuer()).ok().and_then(|u| u.host_str().map(str::to_owned));
                let code = code.unwrap_or_default();
                let text = crate::notify::sms::code_text(
                    tr,
                    &code,
                    &state.config.login.product_name,
                    minutes,
                    host.as_deref().unwrap_or("localhost"),
                );
                if let Err(e) = state.sms.send(phone, &text).await {
                    tracing::error!(to = %phone.masked(), error = %e, "sign-in text message not delivered");
                    let detail = json!({"to": phone.masked(), "error": e.to_string()});
                    state.audit("sms_failed", None, client_id.as_deref(), None, detail);
                }
            }
        }
    });
}

fn too_many(limit: &str, retry_after: u64) -> Response {
    let message = if limit == "resend_cooldown" { "error.cooldown" } else { "error.limited" };
    let mut response = PageError::new(StatusCode::TOO_MANY_REQUESTS, "error.wait_title", message).into_response();
    if let Ok(v) = retry_after.to_string().parse() {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    response
}

pub async fn code_page(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let ix = load(&state, &jar, &id).await?;
    let (to, by_phone) = match ix.sent_to() {
        Some(Identifier::Phone(phone)) => (phone.masked(), true),
        Some(Identifier::Email(email)) => (email.as_str().to_string(), false),
        None => return Ok(Redirect::to(&ix.login_path()).into_response()),
    };
    let link_sent = ix.link_match.is_some() && !by_phone;
    let sent = match (by_phone, link_sent) {
        (true, _) => "code.sent_phone",
        (false, true) => "code.sent_email_link",
        (false, false) => "code.sent_email",
    };
    Ok(html(CodePage {
        ui: frame(&state, &ix, &accept).await?,
        id: &ix.id,
        csrf: &ix.csrf,
        to,
        by_phone,
        sent,
        minutes: (state.config.lifetimes.otp / 60).to_string(),
        error: message(notice.e.as_deref()),
        notice: notice_text(notice.n.as_deref()),
        link_match: ix.link_match.as_deref().filter(|_| !by_phone),
    }))
}

pub async fn verify_code(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    jar: CookieJar,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(&body);
    let ix = load_for_post(&state, &jar, &id, &form).await?;
    let Some(challenge_id) = ix.challenge_id.clone() else {
        return Ok(Redirect::to(&ix.login_path()).into_response());
    };
    let method = method_of(&ix);
    let Some(sent_to) = ix.sent_to() else { return Ok(Redirect::to(&ix.login_path()).into_response()) };
    if let Some(Limited { limit, retry_after }) =
        limits::before_check(&state, &sent_to, &ix.limit_bucket(), client.ip).await?
    {
        state.metrics.inc("tessera_rate_limited_total", &[("limit", limit)]);
        state.audit(
            "rate_limited",
            None,
            ix.client_id(),
            Some(client.ip),
            json!({"limit": limit, "to": sent_to.masked()}),
        );
        return Ok(too_many(limit, retry_after));
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

/// Finds (or, with sign-up on, creates) the owner of a proven identifier and finishes.
pub async fn sign_in(
    state: &AppState,
    jar: CookieJar,
    ix: Interaction,
    identifier: Identifier,
    method: &'static str,
    client: &ClientAddr,
) -> Result<Response, PageError> {
    let now = state.clock.now();
    let user = match state.directory.user_by_identifier(&identifier).await? {
        Some(user) => user,
        None if state.config.login.signup => state.directory.create_user_with_identifier(&identifier, now).await?,
        None => return Ok(Redirect::to(&format!("/login/{}?e=noaccount", ix.id)).into_response()),
    };
    let proof = finish::Proof { user: &user, method, amr: vec!["otp".into()], acr: ACR_OTP };
    finish::finish(state, jar, ix, client, proof).await
}
