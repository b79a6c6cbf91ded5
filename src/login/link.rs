//! Magic links in the sign-in email.
//!
//! ```text
//! GET  /login/link/{token}  a page with one button; mail scanners that fetch links change nothing
//! POST /login/link/{token}  consumes the link (single use), then:
//!                           - the browser that asked: the login continues to the application;
//!                           - another browser, when the client allows cross-device links: the
//!                             login continues there instead;
//!                           - another browser otherwise: approves the browser that asked, which
//!                             is waiting at /login/{id}/wait and continues by itself.
//! GET  /login/{id}/wait     the asking browser: continues once approved, else refreshes
//! ```
//!
//! Approving another browser is the default because a link is often opened on a phone while
//! the sign-in started on a computer; signing the phone in instead would strand the computer.
//! The asking page and the approval page show the same two-digit number, so a user asked to
//! approve a sign-in they did not start (someone else typed their address) can tell.
//! Links live in Ephemeral only as a SHA-256 of the token, for `lifetimes.magic_link`.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::code::sign_in;
use super::{frame, load, save};
use crate::crypto;
use crate::http::PageError;
use crate::i18n::AcceptLanguage;
use crate::interaction::{self, Interaction};
use crate::model::{Email, Identifier};
use crate::net::ClientAddr;
use crate::session;
use crate::state::AppState;
use crate::store::StoreError;
use crate::ui::Ui;

const METHOD: &str = "email_link";

#[derive(Serialize, Deserialize)]
struct LinkRecord {
    interaction: String,
    /// Hash of the asking browser's binding cookie.
    browser: String,
    email: Email,
    cross_device: bool,
    /// What the approval page shows about the asking browser.
    requested_from: String,
}

fn key(token: &str) -> String {
    format!("link:{}", crypto::b64url(&crypto::sha256(token.as_bytes())))
}

fn approved_key(interaction: &str) -> String {
    format!("link-approved:{interaction}")
}

/// Creates the link for this login (replacing none: each email carries its own) and returns it.
pub async fn create(
    state: &AppState,
    ix: &mut Interaction,
    email: &Email,
    client: &ClientAddr,
) -> Result<String, StoreError> {
    let token = crypto::random_token();
    let record = LinkRecord {
        interaction: ix.id.clone(),
        browser: crypto::b64url(&ix.browser),
        email: email.clone(),
        cross_device: ix.cross_device_links.unwrap_or(state.config.login.cross_device_links),
        requested_from: format!("IP address {}", client.ip),
    };
    state.ephemeral.put_json(&key(&token), &record, state.config.lifetimes.magic_link).await?;
    ix.link_match = Some(format!("{:02}", crypto::random_u64() % 100));
    Ok(state.url(&format!("/login/link/{token}")))
}

#[derive(Template)]
#[template(path = "login/link.html")]
struct LinkPage<'a> {
    ui: Ui<'a>,
    token: &'a str,
    /// Approving the browser that asked rather than signing in here.
    approve: bool,
    link_match: &'a str,
    requested_from: &'a str,
}

#[derive(Template)]
#[template(path = "login/link_done.html")]
struct ApprovedPage<'a> {
    ui: Ui<'a>,
}

fn expired() -> PageError {
    PageError::new(StatusCode::BAD_REQUEST, "error.link_used_title", "error.link_used_message")
}

/// The browser opening the link is the one that asked.
fn same_browser(state: &AppState, jar: &CookieJar, record: &LinkRecord) -> bool {
    session::browser_hash(state, jar)
        .is_some_and(|h| crypto::constant_time_eq(crypto::b64url(&h).as_bytes(), record.browser.as_bytes()))
}

fn html<T: Template>(page: T) -> Result<Response, PageError> {
    Ok(Html(page.render().map_err(PageError::rendering)?).into_response())
}

/// `GET`: shows what the button will do; reading the link consumes nothing.
pub async fn page(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let record: LinkRecord = state.ephemeral.get_json(&key(&token)).await?.ok_or_else(expired)?;
    let ix: Interaction =
        state.ephemeral.get_json(&interaction::key(&record.interaction)).await?.ok_or_else(expired)?;
    let approve = !same_browser(&state, &jar, &record) && !record.cross_device;
    let mut response = html(LinkPage {
        ui: frame(&state, &ix, &accept).await?,
        token: &token,
        approve,
        link_match: ix.link_match.as_deref().unwrap_or(""),
        requested_from: &record.requested_from,
    })?;
    // The token is in the address: keep it out of caches and referrers.
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `POST`: consumes the link, then continues, moves, or approves the login.
pub async fn open(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if crate::http::cross_site(&state, &headers) {
        return Err(crate::http::cross_site_refused());
    }
    let record: LinkRecord = state.ephemeral.take_json(&key(&token)).await?.ok_or_else(expired)?;
    let ix: Interaction =
        state.ephemeral.get_json(&interaction::key(&record.interaction)).await?.ok_or_else(expired)?;
    if ix.session_id.is_some() {
        return Err(expired());
    }
    let identifier = Identifier::Email(record.email.clone());
    if same_browser(&state, &jar, &record) {
        let ix = load(&state, &jar, &record.interaction).await?;
        return sign_in(&state, jar, ix, identifier, METHOD, &client).await;
    }
    if record.cross_device {
        // The login moves to this browser: it is bound here from now on.
        let (jar, browser) = session::browser_id(&state, jar);
        let mut ix = ix;
        ix.browser = browser;
        save(&state, &ix).await?;
        let detail = json!({"method": METHOD, "cross_device": true});
        state.audit("link_opened_elsewhere", None, ix.client_id(), Some(client.ip), detail);
        return sign_in(&state, jar, ix, identifier, METHOD, &client).await;
    }
    let left = state.config.lifetimes.interaction.saturating_sub((state.clock.now() - ix.created_at).max(0) as u64);
    state.ephemeral.put_json(&approved_key(&ix.id), &record.email, left.max(1)).await?;
    let detail = json!({"method": METHOD, "to": record.email.masked()});
    state.audit("link_approved", None, ix.client_id(), Some(client.ip), detail);
    html(ApprovedPage { ui: frame(&state, &ix, &accept).await? })
}

#[derive(Template)]
#[template(path = "login/link_wait.html")]
struct WaitPage<'a> {
    ui: Ui<'a>,
    id: &'a str,
    email: &'a str,
    link_match: &'a str,
    minutes: String,
}

/// `GET /login/{id}/wait`: the asking browser, until the link is approved elsewhere.
pub async fn wait(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    jar: CookieJar,
    accept: AcceptLanguage,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let ix = load(&state, &jar, &id).await?;
    let Some(email) = ix.email.clone() else { return Ok(Redirect::to(&ix.login_path()).into_response()) };
    if let Some(approved) = state.ephemeral.take_json::<Email>(&approved_key(&id)).await?
        && approved == email
    {
        return sign_in(&state, jar, ix, Identifier::Email(approved), METHOD, &client).await;
    }
    let mut response = html(WaitPage {
        ui: frame(&state, &ix, &accept).await?,
        id: &ix.id,
        email: email.as_str(),
        link_match: ix.link_match.as_deref().unwrap_or(""),
        minutes: (state.config.lifetimes.magic_link / 60).to_string(),
    })?;
    response.headers_mut().insert(axum::http::header::REFRESH, axum::http::HeaderValue::from_static("3"));
    Ok(response)
}
