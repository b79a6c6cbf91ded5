//! Magic links minted by the management side (the shape of Passage's `createMagicLink`): for an
//! email address, a phone number or a user id, with a redirect URL registered for a client, a
//! lifetime, a language and a type — `login` (signs the user in to Tessera, then goes to the
//! redirect URL, where the application starts its usual authorization request and gets its code
//! at once) or `verify_identifier` (marks the address or number verified). The link is sent by
//! Tessera (email or text) or returned to the caller.
//!
//! A link is a JWT signed with Tessera's EdDSA key (`typ: magic-link+jwt`), so the command line
//! and every replica can mint and check one without shared state; its `jti` is spent in
//! Ephemeral when it is used. `GET /magic/{token}` shows one button; only the `POST` acts.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Router, http::HeaderValue};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clock::UnixTime;
use crate::http::PageError;
use crate::jwt;
use crate::keys::KeyRing;
use crate::model::{Client, Identifier, SigningAlg, User};
use crate::net::ClientAddr;
use crate::session;
use crate::single_use::{self, Refused, Spend};
use crate::state::AppState;

const TYP: &str = "magic-link+jwt";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkType {
    Login,
    VerifyIdentifier,
}

impl std::str::FromStr for LinkType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "login" => Ok(LinkType::Login),
            "verify_identifier" => Ok(LinkType::VerifyIdentifier),
            _ => Err(format!("{s:?} is not login or verify_identifier")),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct MagicLink {
    pub iss: String,
    pub sub: String,
    pub identifier: Identifier,
    pub client_id: String,
    pub redirect_uri: String,
    #[serde(rename = "type")]
    pub kind: LinkType,
    pub lang: String,
    pub iat: UnixTime,
    pub exp: UnixTime,
    pub jti: String,
}

/// What to mint a link for.
pub struct Request<'a> {
    pub user: &'a User,
    pub identifier: Identifier,
    pub client: &'a Client,
    pub redirect_uri: &'a str,
    pub kind: LinkType,
    pub lang: &'a str,
    pub ttl: u64,
}

/// Checks the request and returns the link URL.
pub fn mint(keys: &KeyRing, issuer: &str, base_url: &str, r: Request<'_>, now: UnixTime) -> Result<String, String> {
    if !r.client.redirect_uris.iter().any(|u| u == r.redirect_uri) {
        return Err(format!("{} is not a redirect URI registered for client {}", r.redirect_uri, r.client.id));
    }
    if !(60..=3600).contains(&r.ttl) {
        return Err("the lifetime must be between 60 and 3600 seconds".into());
    }
    // A language without a catalog is refused rather than silently replaced.
    if !crate::i18n::tags().any(|t| t == r.lang) {
        let known: Vec<&str> = crate::i18n::tags().collect();
        return Err(format!("language {:?} has no translations; available: {}", r.lang, known.join(", ")));
    }
    if !r.user.owns(&r.identifier) {
        return Err("the identifier does not belong to this user".into());
    }
    let link = MagicLink {
        iss: issuer.to_string(),
        sub: r.user.id.0.clone(),
        identifier: r.identifier,
        client_id: r.client.id.clone(),
        redirect_uri: r.redirect_uri.to_string(),
        kind: r.kind,
        lang: r.lang.to_string(),
        iat: now,
        exp: now + r.ttl as i64,
        jti: crate::crypto::random_id(),
    };
    let token = jwt::sign(keys.active(SigningAlg::EdDSA), TYP, &link).map_err(|e| e.to_string())?;
    Ok(format!("{base_url}/magic/{token}"))
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/magic/{token}", get(page).post(open))
}

fn invalid() -> PageError {
    PageError::new(StatusCode::BAD_REQUEST, "error.link_invalid_title", "error.link_invalid_message")
}

async fn check(state: &AppState, token: &str) -> Result<(MagicLink, Spend), PageError> {
    match single_use::check(state, token, TYP).await {
        Ok(checked) => Ok(checked),
        Err(Refused::Store(e)) => Err(e.into()),
        Err(Refused::Invalid | Refused::Spent) => Err(invalid()),
    }
}

#[derive(Template)]
#[template(path = "magic.html")]
struct MagicPage<'a> {
    ui: crate::ui::Ui<'a>,
    verify: bool,
    token: &'a str,
}

async fn page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, PageError> {
    let (link, _) = check(&state, &token).await?;
    let client = state.client(&link.client_id).await?.ok_or_else(invalid)?;
    // The language the link was made for.
    let ui = crate::ui::Ui::new(&state, state.locales.named(&link.lang), Some(&client));
    let page = MagicPage { ui, verify: link.kind == LinkType::VerifyIdentifier, token: &token };
    let mut response = Html(page.render().map_err(PageError::rendering)?).into_response();
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn open(
    State(state): State<AppState>,
    Extension(client_addr): Extension<ClientAddr>,
    jar: CookieJar,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    if crate::http::cross_site(&state, &headers) {
        return Err(crate::http::cross_site_refused());
    }
    let (link, spend) = check(&state, &token).await?;
    if !spend.spend(&state).await? {
        return Err(invalid());
    }
    let user = state.directory.user(&crate::model::UserId(link.sub.clone())).await?;
    let Some(user) = user.filter(|u| u.active) else { return Err(invalid()) };
    // The address or number may have left the account since the link was made.
    if !user.owns(&link.identifier) {
        return Err(invalid());
    }
    let client = state.client(&link.client_id).await?.ok_or_else(invalid)?;
    // The client's registration may have changed since the link was minted.
    if !client.redirect_uris.contains(&link.redirect_uri) {
        return Err(invalid());
    }
    let detail = json!({"method": "magic_link", "type": link.kind, "to": link.identifier.masked()});
    match link.kind {
        LinkType::VerifyIdentifier => {
            state.directory.set_identifier_verified(&user.id, &link.identifier).await?;
            state.audit("identifier_verified", Some(&user.id), Some(&client.id), Some(client_addr.ip), detail);
            Ok(Redirect::to(&link.redirect_uri).into_response())
        }
        LinkType::Login => {
            let acr = crate::oauth::discovery::ACR_OTP.to_string();
            let sign_in = session::SignIn {
                user_id: user.id.clone(),
                method: "magic_link",
                amr: vec!["otp".into()],
                acr,
                user_agent: client_addr.user_agent(),
            };
            let (jar, _) = session::start(&state, jar, sign_in).await?;
            state.directory.record_login(&user.id, state.clock.now()).await?;
            state.metrics.inc("tessera_logins_completed_total", &[("method", "magic_link")]);
            state.audit("sign_in", Some(&user.id), Some(&client.id), Some(client_addr.ip), detail);
            Ok((jar, Redirect::to(&link.redirect_uri)).into_response())
        }
    }
}
