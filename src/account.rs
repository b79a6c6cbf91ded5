//! `/account`: the signed-in user's own page — their sessions (sign out of one or all) and
//! passkeys (add, rename, remove). Without a session it starts a sign-in whose purpose is this page.
//! What cannot be undone (removing a passkey, signing out everywhere, and taking back an
//! application's access in `consents`) is confirmed on a second page first (`confirm`).

mod confirm;
mod consents;
mod identities;
mod signals;
mod view;

use askama::Template;
use axum::Router;
use axum::extract::{Extension, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;

use axum::Json;
use axum::http::HeaderMap;
use serde_json::json;

pub use confirm::{Ask, confirmed};

use crate::crypto;
use crate::domain::interaction::{self, Interaction, Purpose};
use crate::domain::passkeys::{self, PasskeyError};
use crate::domain::session;
use crate::i18n::AcceptLanguage;
use crate::model::Session;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::Ui;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(page))
        .route("/account/sessions/end", post(end_one))
        .route("/account/sessions/end-all", post(end_all))
        .route("/account/passkeys/register/start", post(register_start))
        .route("/account/passkeys/register/finish", post(register_finish))
        .route("/account/passkeys/rename", post(rename_passkey))
        .route("/account/passkeys/remove", post(remove_passkey))
        .route("/account/consents/revoke", post(consents::revoke))
        .route("/account/identities/remove", post(identities::remove))
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    ui: Ui<'a>,
    account: String,
    consents: Vec<consents::ConsentRow>,
    identities: Vec<identities::IdentityRow>,
    csrf: String,
    sessions: Vec<view::SessionRow>,
    passkeys_available: bool,
    passkeys: Vec<view::PasskeyRow>,
    signals: Option<signals::Signals>,
    notice: Option<&'static str>,
}

#[derive(serde::Deserialize)]
struct Notice {
    #[serde(default)]
    n: Option<String>,
    /// A passkey this page has just removed (`/account?n=removed&gone=…`).
    #[serde(default)]
    gone: Option<String>,
}

/// The notice named by `?n=`, as a catalog key: nothing from the URL is echoed.
fn notice(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "last" => Some("account.notice_last"),
        "renamed" => Some("account.notice_renamed"),
        "removed" => Some("account.notice_removed"),
        "revoked" => Some("account.notice_revoked"),
        "disconnected" => Some("account.notice_disconnected"),
        _ => None,
    }
}

async fn page(
    State(state): State<AppState>,
    Extension(client): Extension<crate::net::ClientAddr>,
    jar: CookieJar,
    accept: AcceptLanguage,
    axum::extract::Query(q): axum::extract::Query<Notice>,
) -> Result<Response, PageError> {
    let Some(current) = session::current(&state, &jar).await? else {
        if crate::domain::limits::before_interaction(&state, client.ip).await?.is_some() {
            return Err(PageError::limited());
        }
        let (jar, browser) = session::browser_id(&state, jar);
        let name = state.config.login.product_name.clone();
        let ix = Interaction::new(Purpose::Account, name, browser, true, state.clock.now());
        state.ephemeral.put_json(&interaction::key(&ix.id), &ix, state.config.lifetimes.interaction).await?;
        return Ok((jar, Redirect::to(&ix.login_path())).into_response());
    };
    session::seen(&state, &current).await?;
    let now = state.clock.now();
    let user = state.directory.user(&current.user_id).await?;
    let sessions = state.directory.sessions_of_user(&current.user_id, now).await?;
    let passkeys = passkeys_of(&state, &current.user_id).await?;
    let ui = state.ui(None, &accept, None);
    let consents = consents::rows(&state, &ui, &current.user_id).await?;
    let identities = identities::rows(&state, &ui, &current.user_id).await?;
    let signals = signals::gather(&state, &current, &passkeys, q.gone).await?;
    let page = AccountPage {
        account: user.and_then(|u| u.identifier()).map(|i| i.as_str().to_string()).unwrap_or_default(),
        consents,
        identities,
        csrf: session::csrf(&state, &current),
        sessions: sessions.into_iter().map(|s| view::session_row(&ui, s, &current, now)).collect(),
        passkeys_available: state.webauthn.is_some(),
        passkeys: passkeys.into_iter().map(|p| view::passkey_row(&ui, p)).collect(),
        signals,
        notice: notice(q.n.as_deref()),
        ui,
    };
    Ok(Html(page.render().map_err(|e| PageError::bad_request(e.to_string()))?).into_response())
}

/// The user's passkeys: Tessera's own, then those made on the pages of applications whose users
/// and RP id are Tessera's (they sign in here too).
async fn passkeys_of(
    state: &AppState,
    user: &crate::model::UserId,
) -> Result<Vec<crate::model::StoredPasskey>, PageError> {
    let mut all = state.directory.passkeys_of_user(user).await?;
    all.extend(crate::domain::embedded_passkeys::hosted::of_user(state, user).await?);
    Ok(all)
}

/// The current session, if the form carries its CSRF token.
pub async fn checked(state: &AppState, jar: &CookieJar, form: &Params) -> Result<Option<Session>, PageError> {
    let Some(current) = session::current(state, jar).await? else { return Ok(None) };
    let token = form.get("csrf").unwrap_or("");
    if !crypto::constant_time_eq(token.as_bytes(), session::csrf(state, &current).as_bytes()) {
        return Err(PageError::form_expired());
    }
    Ok(Some(current))
}

/// The page asking to confirm `ask`, with this session's CSRF token.
pub fn ask_first(state: &AppState, ui: Ui<'_>, current: &Session, ask: Ask) -> Result<Response, PageError> {
    confirm::page(ui, &session::csrf(state, current), ask)
}

async fn end_one(
    State(state): State<AppState>,
    jar: CookieJar,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(&body);
    let Some(current) = checked(&state, &jar, &form).await? else {
        return Ok(Redirect::to("/account").into_response());
    };
    let target = form.get("session").unwrap_or("");
    let sessions = state.directory.sessions_of_user(&current.user_id, state.clock.now()).await?;
    // Only the user's own sessions can be ended here.
    if let Some(session) = sessions.iter().find(|s| s.id == target) {
        crate::domain::signout::end(&state, session, "account").await;
    }
    if target == current.id {
        return Ok((session::clear(&state, jar), Redirect::to("/signed-out")).into_response());
    }
    Ok((jar, Redirect::to("/account")).into_response())
}

async fn end_all(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(&body);
    let Some(current) = checked(&state, &jar, &form).await? else {
        return Ok(Redirect::to("/account").into_response());
    };
    if !confirmed(&form) {
        let ui = state.ui(None, &accept, None);
        let question = ui.t("account.confirm_end_all").to_string();
        let ask = Ask {
            action: "/account/sessions/end-all",
            question,
            button: "account.sign_out_everywhere",
            fields: vec![],
        };
        return ask_first(&state, ui, &current, ask);
    }
    for session in state.directory.sessions_of_user(&current.user_id, state.clock.now()).await? {
        crate::domain::signout::end(&state, &session, "account_everywhere").await;
    }
    Ok((session::clear(&state, jar), Redirect::to("/signed-out")).into_response())
}

/// The signed-in user for a JSON call carrying the account CSRF token in `x-csrf-token`.
async fn json_user(state: &AppState, jar: &CookieJar, headers: &HeaderMap) -> Result<crate::model::User, Response> {
    let current = session::current(state, jar).await.map_err(|e| PasskeyError::Store(e).into_response())?;
    let Some(current) = current.filter(|s| crate::web::script::csrf_ok(headers, &session::csrf(state, s))) else {
        return Err(PasskeyError::Expired.into_response());
    };
    match state.directory.user(&current.user_id).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(PasskeyError::Expired.into_response()),
        Err(e) => Err(PasskeyError::Store(e).into_response()),
    }
}

async fn register_start(State(state): State<AppState>, jar: CookieJar, headers: HeaderMap) -> Response {
    let user = match json_user(&state, &jar, &headers).await {
        Ok(u) => u,
        Err(response) => return response,
    };
    let (jar, browser) = session::browser_id(&state, jar);
    let username = user.email.as_ref().map_or_else(|| user.id.0.clone(), |e| e.as_str().to_string());
    match passkeys::start_registration(&state, &browser, &user, &username, &Default::default(), None).await {
        Ok((ceremony, options)) => (jar, Json(json!({"ceremony": ceremony, "publicKey": options}))).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn register_finish(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let user = match json_user(&state, &jar, &headers).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let Some(browser) = session::browser_hash(&state, &jar) else { return PasskeyError::Expired.into_response() };
    let body: passkeys::FinishBody = match passkeys::json_body(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let agent = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let name = body.name.unwrap_or_else(|| crate::device::device_name(agent));
    let registrant = passkeys::Registrant::User(&user.id);
    match passkeys::finish_registration(&state, &browser, &body.ceremony, body.credential, name, registrant).await {
        Ok(stored) => Json(json!({"name": stored.name})).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn rename_passkey(
    State(state): State<AppState>,
    jar: CookieJar,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(&body);
    let Some(current) = checked(&state, &jar, &form).await? else {
        return Ok(Redirect::to("/account").into_response());
    };
    let name = passkeys::clean_name(form.get("name").unwrap_or(""));
    let renamed = state.directory.rename_passkey(&current.user_id, form.get("passkey").unwrap_or(""), &name).await?;
    Ok(Redirect::to(if renamed { "/account?n=renamed" } else { "/account" }).into_response())
}

async fn remove_passkey(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(&body);
    let Some(current) = checked(&state, &jar, &form).await? else {
        return Ok(Redirect::to("/account").into_response());
    };
    let cred_id = form.get("passkey").unwrap_or("");
    let mine = passkeys_of(&state, &current.user_id).await?;
    let Some(passkey) = mine.iter().find(|p| p.cred_id == cred_id) else {
        return Ok(Redirect::to("/account").into_response());
    };
    // Without email codes, the last passkey is the last way in.
    if !state.config.login.email_code && mine.len() == 1 {
        return Ok(Redirect::to("/account?n=last").into_response());
    }
    if !confirmed(&form) {
        let ui = state.ui(None, &accept, None);
        let question = ui.f("account.confirm_remove", &[("name", &passkey.name)]);
        let fields = vec![("passkey", cred_id.to_string())];
        let ask = Ask { action: "/account/passkeys/remove", question, button: "account.remove", fields };
        return ask_first(&state, ui, &current, ask);
    }
    let removed = state.directory.delete_passkey(&current.user_id, cred_id).await?
        || crate::domain::embedded_passkeys::hosted::remove(&state, &current.user_id, cred_id).await?;
    if removed {
        let detail = json!({"cred_id": cred_id});
        state.audit("passkey_removed", Some(&current.user_id), None, None, detail);
        // A credential id is base64url: safe in a query as it is.
        return Ok(Redirect::to(&format!("/account?n=removed&gone={cred_id}")).into_response());
    }
    Ok(Redirect::to("/account").into_response())
}
