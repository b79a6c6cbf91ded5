//! Passkey registration tickets: a server-side application (or an operator) mints a
//! short-lived, single-use ticket for one user; the browser redeems it at
//! `/passkeys/register?ticket=…` to create a passkey without signing in first.
//!
//! A ticket is a JWT signed with Tessera's own EdDSA key (`typ: passkey-ticket+jwt`), so any
//! replica can check it without a lookup; its `jti` is spent in Ephemeral when a passkey is
//! created, so it works once.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::passkeys::{FinishBody, PasskeyError, RegisterOptions};
use crate::clock::UnixTime;
use crate::http::PageError;
use crate::jwt;
use crate::keys::KeyRing;
use crate::model::{SigningAlg, UserId};
use crate::session;
pub use crate::single_use::Spend;
use crate::single_use::{self, Refused};
use crate::state::AppState;

const TYP: &str = "passkey-ticket+jwt";
/// The longest a ticket may live, in seconds.
pub const MAX_TTL: u64 = 3600;

#[derive(Debug, Serialize, Deserialize)]
pub struct Ticket {
    pub iss: String,
    /// The Tessera user id the passkey will belong to.
    pub sub: String,
    /// Shown by the authenticator when choosing a passkey.
    pub username: String,
    #[serde(flatten)]
    pub options: RegisterOptions,
    pub iat: UnixTime,
    pub exp: UnixTime,
    pub jti: String,
}

/// Mints a ticket for `user` valid for `ttl` seconds (at most an hour).
pub fn mint(
    keys: &KeyRing,
    issuer: &str,
    user: &UserId,
    username: &str,
    options: RegisterOptions,
    ttl: u64,
    now: UnixTime,
) -> Result<String, String> {
    if username.trim().is_empty() {
        return Err("the username must not be empty".into());
    }
    if !(30..=MAX_TTL).contains(&ttl) {
        return Err(format!("the lifetime must be between 30 and {MAX_TTL} seconds"));
    }
    if let Some(a) = &options.attachment
        && a != "platform"
        && a != "cross-platform"
    {
        return Err("attachment must be platform or cross-platform".into());
    }
    let ticket = Ticket {
        iss: issuer.to_string(),
        sub: user.0.clone(),
        username: username.trim().to_string(),
        options,
        iat: now,
        exp: now + ttl as i64,
        jti: crate::crypto::random_id(),
    };
    jwt::sign(keys.active(SigningAlg::EdDSA), TYP, &ticket).map_err(|e| e.to_string())
}

/// The ticket, if Tessera signed it for this issuer and it has neither expired nor been spent.
async fn check(state: &AppState, token: &str) -> Result<(Ticket, Spend), PasskeyError> {
    match single_use::check(state, token, TYP).await {
        Ok(checked) => Ok(checked),
        Err(Refused::Invalid) => Err(PasskeyError::Invalid("ticket_invalid")),
        Err(Refused::Spent) => Err(PasskeyError::Invalid(SPENT)),
        Err(Refused::Store(e)) => Err(e.into()),
    }
}

pub(super) const SPENT: &str = "ticket_used";

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
    ui: crate::ui::Ui<'a>,
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
        let body: StartBody = crate::passkeys::json_body(&body)?;
        let (ticket, _) = check(&state, &body.ticket).await?;
        let browser = session::browser_hash(&state, &jar).ok_or(PasskeyError::Expired)?;
        let user = state.directory.user(&UserId(ticket.sub.clone())).await?;
        let user = user.filter(|u| u.active).ok_or(PasskeyError::Invalid("account_cannot"))?;
        crate::passkeys::start_registration(&state, &browser, &user, &ticket.username, &ticket.options, Some(&ticket.jti)).await
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
        let body: FinishBody = crate::passkeys::json_body(&body)?;
        let (ticket, spend) = check(&state, body.ticket.as_deref().unwrap_or("")).await?;
        let browser = session::browser_hash(&state, &jar).ok_or(PasskeyError::Expired)?;
        let agent = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
        let name = body.name.unwrap_or_else(|| crate::device::device_name(agent));
        let user = UserId(ticket.sub.clone());
        let registrant = crate::passkeys::Registrant::Ticket { user: &user, jti: &ticket.jti, spend: &spend };
        crate::passkeys::finish_registration(&state, &browser, &body.ceremony, body.credential, name, registrant).await
    }
    .await;
    match result {
        Ok(stored) => Json(json!({"name": stored.name})).into_response(),
        Err(e) => e.into_response(),
    }
}
