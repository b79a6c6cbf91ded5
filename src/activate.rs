//! `/device`, the verification URI of the device authorization grant (RFC 8628 §3.3): a person
//! types the code their device shows (or follows `verification_uri_complete`), signs in if
//! they are not, sees which application on which code, and allows or denies it.
//!
//! ```text
//! GET  /device[?user_code=]   the code form, or straight on with a code
//! POST /device                the code --signed in--> confirm page · --not--> /login/{id} --> back here
//! POST /device/confirm        allow | deny (session CSRF) --> done page; the device's next poll learns it
//! ```

use askama::Template;
use axum::extract::{Extension, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Router, http::StatusCode};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use crate::domain::device_grant::{self, DeviceGrant};
use crate::domain::interaction::{self, Interaction, Purpose};
use crate::domain::{limits, session};
use crate::i18n::AcceptLanguage;
use crate::model::Session;
use crate::net::ClientAddr;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::{Ui, scope_label};

pub fn routes() -> Router<AppState> {
    Router::new().route("/device", get(page).post(enter)).route("/device/confirm", post(confirm))
}

#[derive(Template)]
#[template(path = "activate/enter.html")]
struct EnterPage<'a> {
    ui: Ui<'a>,
    user_code: &'a str,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "activate/confirm.html")]
struct ConfirmPage<'a> {
    ui: Ui<'a>,
    account: String,
    user_code: &'a str,
    scopes: Vec<&'static str>,
    csrf: String,
}

#[derive(Template)]
#[template(path = "activate/done.html")]
struct DonePage<'a> {
    ui: Ui<'a>,
    allowed: bool,
}

#[derive(Deserialize)]
struct Code {
    user_code: Option<String>,
}

fn html<T: Template>(status: StatusCode, page: T) -> Response {
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => PageError::rendering(e).into_response(),
    }
}

async fn page(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Query(q): Query<Code>,
) -> Result<Response, PageError> {
    match q.user_code {
        Some(typed) => proceed(&state, jar, &accept, addr, &typed).await,
        None => Ok(form(&state, &accept, "", None, StatusCode::OK)),
    }
}

async fn enter(
    State(state): State<AppState>,
    Extension(addr): Extension<ClientAddr>,
    jar: CookieJar,
    accept: AcceptLanguage,
    form: Params,
) -> Result<Response, PageError> {
    proceed(&state, jar, &accept, addr, form.get("user_code").unwrap_or("")).await
}

fn form(state: &AppState, accept: &AcceptLanguage, typed: &str, error: Option<&str>, status: StatusCode) -> Response {
    let ui = state.ui(None, accept, None);
    let error = error.map(|key| ui.t(key));
    html(status, EnterPage { ui, user_code: typed, error })
}

/// The code as typed: a live one goes on to the confirm page, or to sign in first.
async fn proceed(
    state: &AppState,
    jar: CookieJar,
    accept: &AcceptLanguage,
    addr: ClientAddr,
    typed: &str,
) -> Result<Response, PageError> {
    if limits::before_user_code(state, addr.ip).await?.is_some() {
        return Err(PageError::limited());
    }
    let found = match device_grant::normalize(typed) {
        Some(code) => device_grant::by_user_code(state, &code).await?,
        None => None,
    };
    let Some((_, grant)) = found else {
        return Ok(form(state, accept, typed, Some("activate.invalid"), StatusCode::BAD_REQUEST));
    };
    match session::current(state, &jar).await? {
        Some(current) => confirm_page(state, accept, &grant, &current).await,
        None => {
            let (jar, browser) = session::browser_id(state, jar);
            let client = state.client(&grant.client_id).await?.ok_or_else(PageError::expired)?;
            let purpose = Purpose::Device(grant.user_code.clone());
            let ix = Interaction::new(purpose, client.name.clone(), browser, false, state.clock.now());
            state.ephemeral.put_json(&interaction::key(&ix.id), &ix, state.config.lifetimes.interaction).await?;
            Ok((jar, Redirect::to(&ix.login_path())).into_response())
        }
    }
}

async fn confirm_page(
    state: &AppState,
    accept: &AcceptLanguage,
    grant: &DeviceGrant,
    current: &Session,
) -> Result<Response, PageError> {
    let client = state.client(&grant.client_id).await?.ok_or_else(PageError::expired)?;
    let user = state.directory.user(&current.user_id).await?;
    let ui = state.ui(None, accept, Some(&client)).named(&client.name);
    Ok(html(
        StatusCode::OK,
        ConfirmPage {
            ui,
            account: user.and_then(|u| u.identifier()).map(|i| i.as_str().to_string()).unwrap_or_default(),
            user_code: &grant.user_code,
            scopes: grant.scope.iter().filter_map(|s| scope_label(s)).collect(),
            csrf: session::csrf(state, current),
        },
    ))
}

/// The person's answer, from a signed-in browser with the session's CSRF token.
async fn confirm(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    form: Params,
) -> Result<Response, PageError> {
    let current = session::current(&state, &jar).await?.ok_or_else(PageError::form_expired)?;
    let token = form.get("csrf").unwrap_or("");
    if form.is_repeated("csrf")
        || !crate::crypto::constant_time_eq(token.as_bytes(), session::csrf(&state, &current).as_bytes())
    {
        return Err(PageError::form_expired());
    }
    let code = form.get("user_code").and_then(device_grant::normalize).ok_or_else(PageError::expired)?;
    let (key, grant) = device_grant::by_user_code(&state, &code).await?.ok_or_else(PageError::expired)?;
    let allowed = form.get("decision") == Some("allow");
    let detail = serde_json::json!({"user_code": grant.user_code, "allowed": allowed});
    let client_id = grant.client_id.clone();
    device_grant::decide(&state, &key, grant, allowed.then_some(&current)).await?;
    let kind = if allowed { "device_allowed" } else { "device_denied" };
    state.audit(kind, Some(&current.user_id), Some(&client_id), None, detail);
    Ok(html(StatusCode::OK, DonePage { ui: state.ui(None, &accept, None), allowed }))
}
