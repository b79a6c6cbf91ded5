//! `GET /magic/{token}` shows one button; only the `POST` acts (see `domain::links`).

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Router, http::HeaderValue};
use axum_extra::extract::CookieJar;
use serde_json::json;

use crate::domain::authenticate::{Claimant, Context, Method, authenticate};
use crate::domain::links::{self, LinkType, MagicLink};
use crate::domain::session;
use crate::domain::single_use::{self, Refused, Spend};
use crate::net::ClientAddr;
use crate::state::AppState;
use crate::web::PageError;

pub fn routes() -> Router<AppState> {
    Router::new().route("/magic/{token}", get(page).post(open))
}

fn invalid() -> PageError {
    PageError::new(StatusCode::BAD_REQUEST, "error.link_invalid_title", "error.link_invalid_message")
}

async fn check(state: &AppState, token: &str) -> Result<(MagicLink, Spend), PageError> {
    match single_use::check(state, token, links::TYP).await {
        Ok(checked) => Ok(checked),
        Err(Refused::Store(e)) => Err(e.into()),
        Err(Refused::Invalid | Refused::Spent) => Err(invalid()),
    }
}

#[derive(Template)]
#[template(path = "magic.html")]
struct MagicPage<'a> {
    ui: crate::web::ui::Ui<'a>,
    verify: bool,
    token: &'a str,
}

async fn page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, PageError> {
    let (link, _) = check(&state, &token).await?;
    let client = state.client(&link.client_id).await?.ok_or_else(invalid)?;
    // The language the link was made for.
    let ui = crate::web::ui::Ui::new(&state.config, state.locales.named(&link.lang), Some(&client));
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
    if crate::web::origin::cross_site(&state.config, &headers) {
        return Err(crate::web::origin::cross_site_refused());
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
            let method = Method::otp("magic_link");
            let detail = Some(json!({"type": link.kind, "to": link.identifier.masked()}));
            let context = Context { client_id: Some(&client.id), ip: client_addr.ip, detail };
            let user = authenticate(&state, Claimant::User(user), &method, context).await?.map_err(|_| invalid())?;
            let sign_in = session::SignIn::of(&user, method, client_addr.user_agent());
            let (jar, _) = session::start(&state, jar, sign_in).await?;
            Ok((jar, Redirect::to(&link.redirect_uri)).into_response())
        }
    }
}
