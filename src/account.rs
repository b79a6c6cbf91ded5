//! `/account`: the signed-in user's own page — their sessions, and signing out of one or all.
//! Without a session it starts a sign-in whose purpose is this page.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;

use crate::crypto;
use crate::http::PageError;
use crate::interaction::{self, Interaction, Purpose};
use crate::model::Session;
use crate::oauth::logout;
use crate::oauth::params::Params;
use crate::session;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(page))
        .route("/account/sessions/end", post(end_one))
        .route("/account/sessions/end-all", post(end_all))
}

struct Row {
    id: String,
    signed_in: String,
    methods: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    product_name: &'a str,
    email: String,
    csrf: String,
    sessions: Vec<Row>,
}

/// A CSRF token derived from the session: valid only with this browser's session cookie.
fn csrf(state: &AppState, session: &Session) -> String {
    crypto::b64url(&crypto::keyed_hash(&state.secret, &[b"account-csrf", session.id.as_bytes()]))
}

fn when(t: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(t).ok().and_then(|d| d.format(&format).ok()).unwrap_or_default()
}

async fn page(State(state): State<AppState>, jar: CookieJar) -> Result<Response, PageError> {
    let Some(current) = session::current(&state, &jar).await? else {
        let (jar, browser) = session::browser_id(&state, jar);
        let name = format!("your {} account", state.config.login.product_name);
        let ix = Interaction::new(Purpose::Account, name, browser, true, state.clock.now());
        state.ephemeral.put_json(&interaction::key(&ix.id), &ix, state.config.lifetimes.interaction).await?;
        return Ok((jar, Redirect::to(&ix.login_path())).into_response());
    };
    let user = state.directory.user(&current.user_id).await?;
    let sessions = state.directory.sessions_of_user(&current.user_id, state.clock.now()).await?;
    let page = AccountPage {
        product_name: &state.config.login.product_name,
        email: user.and_then(|u| u.email).map(|e| e.as_str().to_string()).unwrap_or_default(),
        csrf: csrf(&state, &current),
        sessions: sessions
            .into_iter()
            .map(|s| Row {
                current: s.id == current.id,
                signed_in: when(s.auth_time),
                methods: s.amr.join(", "),
                id: s.id,
            })
            .collect(),
    };
    Ok(Html(page.render().map_err(|e| PageError::bad_request(e.to_string()))?).into_response())
}

/// The current session, if the form carries its CSRF token.
async fn checked(state: &AppState, jar: &CookieJar, form: &Params) -> Result<Option<Session>, PageError> {
    let Some(current) = session::current(state, jar).await? else { return Ok(None) };
    let token = form.get("csrf").unwrap_or("");
    if !crypto::constant_time_eq(token.as_bytes(), csrf(state, &current).as_bytes()) {
        return Err(PageError::new(
            axum::http::StatusCode::FORBIDDEN,
            "This form has expired",
            "Reload the page and try again.",
        ));
    }
    Ok(Some(current))
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
        logout::end(&state, session, "account").await;
    }
    let jar = if target == current.id { session::clear(&state, jar) } else { jar };
    Ok((jar, Redirect::to("/account")).into_response())
}

async fn end_all(
    State(state): State<AppState>,
    jar: CookieJar,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(&body);
    let Some(current) = checked(&state, &jar, &form).await? else {
        return Ok(Redirect::to("/account").into_response());
    };
    for session in state.directory.sessions_of_user(&current.user_id, state.clock.now()).await? {
        logout::end(&state, &session, "account_everywhere").await;
    }
    Ok((session::clear(&state, jar), Redirect::to("/account")).into_response())
}
