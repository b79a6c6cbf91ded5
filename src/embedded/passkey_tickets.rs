//! Registering a passkey with a ticket, without signing in: `GET /passkeys/register?ticket=…`
//! shows the page; its script runs `start` and `finish` (see `domain::passkeys::tickets`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::json;

use crate::domain::passkeys::tickets::check;
use crate::domain::passkeys::{FinishBody, PasskeyError};
use crate::domain::session;
use crate::model::UserId;
use crate::state::AppState;
use crate::web::PageError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/passkeys/register", get(page))
        .route("/passkeys/register/start", post(start))
        .route("/passkeys/register/finish", post(finish))
}

#[derive(Deserialize)]
struct PageQuery {
    #[serde(default)]
    ticket: String,
}

#[derive(Template)]
#[template(path = "passkeys/register.html")]
struct RegisterPage<'a> {
    ui: crate::web::ui::Ui<'a>,
    username: &'a str,
    ticket: &'a str,
}

async fn page(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: crate::i18n::AcceptLanguage,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    let ticket = match check(&state, &q.ticket).await {
        Ok((t, _)) => t,
        Err(PasskeyError::Store(e)) => return Err(e.into()),
        Err(_) => {
            return Err(PageError::new(
                StatusCode::BAD_REQUEST,
                "error.link_invalid_title",
                "error.link_invalid_message",
            ));
        }
    };
    let (jar, _) = session::browser_id(&state, jar);
    let ui = state.ui(None, &accept, None);
    let page = RegisterPage { ui, username: &ticket.username, ticket: &q.ticket };
    Ok((jar, Html(page.render().map_err(PageError::rendering)?)).into_response())
}

#[derive(Deserialize)]
struct StartBody {
    ticket: String,
}

async fn start(State(state): State<AppState>, jar: CookieJar, body: axum::body::Bytes) -> Response {
    let result = async {
        let body: StartBody = crate::domain::passkeys::json_body(&body)?;
        let (ticket, _) = check(&state, &body.ticket).await?;
        let browser = session::browser_hash(&state, &jar).ok_or(PasskeyError::Expired)?;
        let user = state.directory.user(&UserId(ticket.sub.clone())).await?;
        let user = user.filter(|u| u.active).ok_or(PasskeyError::Invalid("account_cannot"))?;
        crate::domain::passkeys::start_registration(
            &state,
            &browser,
            &user,
            &ticket.username,
            &ticket.options,
            Some(&ticket.jti),
        )
        .await
    }
    .await;
    match result {
        Ok((ceremony, options)) => Json(json!({"ceremony": ceremony, "publicKey": options})).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn finish(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let result = async {
        let body: FinishBody = crate::domain::passkeys::json_body(&body)?;
        let (ticket, spend) = check(&state, body.ticket.as_deref().unwrap_or("")).await?;
        let browser = session::browser_hash(&state, &jar).ok_or(PasskeyError::Expired)?;
        let agent = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
        let name = body.name.unwrap_or_else(|| crate::device::device_name(agent));
        let user = UserId(ticket.sub.clone());
        let registrant = crate::domain::passkeys::Registrant::Ticket { user: &user, jti: &ticket.jti, spend: &spend };
        crate::domain::passkeys::finish_registration(
            &state,
            &browser,
            &body.ceremony,
            body.credential,
            name,
            registrant,
        )
        .await
    }
    .await;
    match result {
        Ok(stored) => Json(json!({"name": stored.name})).into_response(),
        Err(e) => e.into_response(),
    }
}
