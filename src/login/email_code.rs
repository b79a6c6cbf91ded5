//! Email one-time-code login.
//!
//! ```text
//! GET  /login/{id}        email form (prefilled from login_hint; "Continue as" when allowed)
//! POST /login/{id}/email  rate limit -> code (HMAC stored) -> mail sent in the background -> 303 code page
//! GET  /login/{id}/code   code form; the page is the same for known and unknown addresses
//! POST /login/{id}/code   attempt counted -> constant-time check -> single use -> finish
//! ```

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use std::net::IpAddr;

use super::otp::{self, Check};
use super::{finish, load, load_for_post, save};
use serde_json::json;

use crate::crypto;
use crate::http::PageError;
use crate::model::Email;
use crate::net::ClientAddr;
use crate::notify::OtpEmail;
use crate::oauth::discovery::ACR_OTP;
use crate::oauth::params::Params;
use crate::session;
use crate::state::AppState;

/// The method label of this login in metrics and audit events.
const METHOD: &str = "email_code";

#[derive(Template)]
#[template(path = "login/identify.html")]
struct IdentifyPage<'a> {
    product_name: &'a str,
    client_name: &'a str,
    id: &'a str,
    csrf: &'a str,
    email: &'a str,
    continue_as: Option<String>,
    error: Option<&'static str>,
    email_code: bool,
    passkeys: bool,
}

#[derive(Template)]
#[template(path = "login/code.html")]
struct CodePage<'a> {
    product_name: &'a str,
    client_name: &'a str,
    id: &'a str,
    csrf: &'a str,
    email: &'a str,
    minutes: u64,
    error: Option<&'static str>,
}

#[derive(serde::Deserialize)]
pub struct Notice {
    e: Option<String>,
}

/// Messages the pages can show, chosen by a fixed key so nothing from the URL is echoed.
fn message(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "email" => "Enter a valid email address, like name@example.com.",
        "format" => "Enter the 6-digit code from the email.",
        "wrong" => "That code is not right. Check the most recent email and try again.",
        "locked" => "Too many wrong codes. Enter your email address to get a new code.",
        "expired" => {
            "That code has expired or was replaced by a newer one. Enter your email address to get a new code."
        }
        "noaccount" => "This address cannot sign in here. Use another address or contact the administrator.",
        _ => return None,
    })
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
    Ok(html(IdentifyPage {
        product_name: &state.config.login.product_name,
        client_name: &ix.client_name,
        id: &ix.id,
        csrf: &ix.csrf,
        email: prefill.as_deref().unwrap_or(""),
        continue_as,
        error: message(notice.e.as_deref()),
        email_code: state.config.login.email_code,
        passkeys: state.webauthn.is_some(),
    }))
}

pub async fn send_code(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    jar: CookieJar,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(&body);
    let mut ix = load_for_post(&state, &jar, &id, &form).await?;
    if !state.config.login.email_code {
        return Err(PageError::new(
            StatusCode::NOT_FOUND,
            "Not available",
            "Sign-in by email code is turned off here.",
        ));
    }
    let Ok(email) = form.get("email").unwrap_or("").parse::<Email>() else {
        return Ok(Redirect::to(&format!("/login/{id}?e=email")).into_response());
    };
    if let Some(retry_after) = over_send_limit(&state, &email, client.ip).await? {
        state.metrics.inc("tessera_rate_limited_total", &[("limit", "email_send")]);
        let detail = json!({"limit": "email_send", "email": email.masked()});
        state.audit("rate_limited", None, ix.client_id(), Some(client.ip), detail);
        return Ok(too_many(retry_after));
    }
    state.metrics.inc("tessera_logins_started_total", &[("method", METHOD)]);
    let known = state.directory.user_by_email(&email).await?;
    let deliver = known.is_some() || state.config.login.signup;
    let (challenge_id, code) = otp::start(&state, &email).await?;
    ix.email = Some(email.clone());
    ix.passkey_capable = form.get("passkey_capable") == Some("1");
    ix.challenge_id = Some(challenge_id);
    save(&state, &ix).await?;
    if deliver {
        state.metrics.inc("tessera_codes_sent_total", &[("channel", "email")]);
        let detail = json!({"channel": "email", "to": email.masked()});
        state.audit("code_sent", known.as_ref().map(|u| &u.id), ix.client_id(), Some(client.ip), detail);
        deliver_in_background(&state, email, code, ix.client_name.clone());
    }
    Ok(Redirect::to(&format!("/login/{id}/code")).into_response())
}

/// Sends the mail off the request path, so the answer takes the same time for every address.
fn deliver_in_background(state: &AppState, email: Email, code: String, app_name: String) {
    let state = state.clone();
    tokio::spawn(async move {
        if state.dev_mode() && state.mailer.is_outbox() {
            tracing::info!(target: "tessera::dev", "sign-in code for {}: {code} (dev mode only)", email.as_str());
        }
        let mail = OtpEmail {
            code: &code,
            app_name: &app_name,
            product_name: &state.config.login.product_name,
            minutes: state.config.lifetimes.otp / 60,
        };
        if let Err(e) = state.mailer.send_code(&email, &mail).await {
            tracing::error!(to = %email.masked(), error = %e, "sign-in code email not delivered");
        }
    });
}

/// Per-address and per-IP send limits, shared through Ephemeral; `Some(seconds)` when over.
async fn over_send_limit(state: &AppState, email: &Email, ip: IpAddr) -> Result<Option<u64>, PageError> {
    let login = &state.config.login;
    let window = login.send_window_secs;
    let who = crypto::b64url(&crypto::keyed_hash(&state.secret, &[b"email", email.as_str().as_bytes()]));
    let by_address = state.ephemeral.incr(&format!("rl:send:email:{who}"), window).await?;
    let by_ip = state.ephemeral.incr(&format!("rl:send:ip:{ip}"), window).await?;
    let limit = u64::from(login.sends_per_window);
    Ok((by_address > limit || by_ip > limit * 10).then_some(window))
}

fn too_many(retry_after: u64) -> Response {
    let mut response = PageError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many codes requested",
        "For your security, only a few codes can be sent in a short time. Wait a few minutes, then try again.",
    )
    .into_response();
    if let Ok(v) = retry_after.to_string().parse() {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    response
}

pub async fn code_page(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Result<Response, PageError> {
    let ix = load(&state, &jar, &id).await?;
    let Some(email) = &ix.email else {
        return Ok(Redirect::to(&ix.login_path()).into_response());
    };
    Ok(html(CodePage {
        product_name: &state.config.login.product_name,
        client_name: &ix.client_name,
        id: &ix.id,
        csrf: &ix.csrf,
        email: email.as_str(),
        minutes: state.config.lifetimes.otp / 60,
        error: message(notice.e.as_deref()),
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
    let Some(code) = otp::normalize(form.get("code").unwrap_or("")) else {
        return Ok(Redirect::to(&format!("/login/{id}/code?e=format")).into_response());
    };
    let failed = |reason: &'static str| {
        state.metrics.inc("tessera_logins_failed_total", &[("method", METHOD), ("reason", reason)]);
        let detail = json!({"method": METHOD, "reason": reason, "email": ix.email.as_ref().map(|e| e.masked())});
        state.audit("sign_in_failed", None, ix.client_id(), Some(client.ip), detail);
    };
    let email = match otp::check(&state, &challenge_id, &code).await? {
        Check::Accepted(email) => email,
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
    let now = state.clock.now();
    let user = match state.directory.user_by_email(&email).await? {
        Some(user) => user,
        None if state.config.login.signup => state.directory.create_user_with_email(&email, now).await?,
        None => return Ok(Redirect::to(&format!("/login/{id}?e=noaccount")).into_response()),
    };
    let proof = finish::Proof { user: &user, method: METHOD, amr: vec!["otp".into()], acr: ACR_OTP };
    finish::finish(&state, jar, ix, &client, proof).await
}
