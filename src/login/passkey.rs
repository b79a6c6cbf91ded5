//! Passkey sign-in on the login pages: `POST /login/{id}/passkey/start` (any discoverable
//! passkey, or the passkeys of the address typed) and `/finish`, which ends in `finish::finish`
//! like every method; and the one-time offer to add a passkey after another method.
//!
//! Both JSON endpoints need the interaction's CSRF token in `x-csrf-token`.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;
use serde_json::json;

use crate::domain::authenticate::{Claimant, Method};
use crate::domain::interaction::Interaction;
use crate::domain::passkeys::{self, FinishBody, PasskeyError};
use crate::domain::session;
use crate::login::finish::{self, Proof};
use crate::login::load;
use crate::model::Email;
use crate::net::ClientAddr;
use crate::state::AppState;
use crate::web::PageError;

const METHOD: &str = "passkey";

/// The interaction for a JSON call, with its CSRF header checked.
async fn interaction(
    state: &AppState,
    jar: &CookieJar,
    id: &str,
    headers: &HeaderMap,
) -> Result<Interaction, Response> {
    let ix = load(state, jar, id).await.map_err(|_| PasskeyError::Expired.into_response())?;
    if !crate::web::script::csrf_ok(headers, &ix.csrf) {
        return Err(PasskeyError::Expired.into_response());
    }
    Ok(ix)
}

#[derive(Deserialize, Default)]
struct StartBody {
    #[serde(default)]
    email: Option<String>,
}

pub async fn start(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let ix = match interaction(&state, &jar, &id, &headers).await {
        Ok(ix) => ix,
        Err(response) => return response,
    };
    let body: StartBody =
        if body.is_empty() { StartBody::default() } else { passkeys::json_body(&body).unwrap_or_default() };
    let result = async {
        let email = body.email.as_deref().and_then(|e| e.parse::<Email>().ok());
        let user = match &email {
            Some(email) => state.directory.user_by_email(email).await?,
            None => None,
        };
        let typed = email.as_ref().map(|e| (e.as_str(), user.as_ref()));
        passkeys::start_authentication(&state, &ix.browser, typed).await
    }
    .await;
    match result {
        Ok((ceremony, options)) => axum::Json(json!({ "ceremony": ceremony, "publicKey": options })).into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn complete(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    jar: CookieJar,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let ix = match interaction(&state, &jar, &id, &headers).await {
        Ok(ix) => ix,
        Err(response) => return response,
    };
    let body: FinishBody = match passkeys::json_body(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let verified = match passkeys::finish_authentication(&state, &ix.browser, &body.ceremony, body.credential).await {
        Ok(v) => v,
        Err(e) => {
            state.metrics.inc("tessera_logins_failed_total", &[("method", METHOD), ("reason", "refused")]);
            return e.into_response();
        }
    };
    let user = match state.directory.user(&verified.user_id).await {
        Ok(Some(user)) => user,
        Ok(None) => return PasskeyError::Invalid("no_account").into_response(),
        Err(e) => return PasskeyError::Store(e).into_response(),
    };
    state.metrics.inc("tessera_logins_started_total", &[("method", METHOD)]);
    let method = Method { label: METHOD, amr: verified.amr, acr: verified.acr };
    let proof = Proof { claimant: Claimant::User(user), method };
    match finish::finish(&state, jar, ix, &client, proof).await {
        Ok(response) => crate::web::script::redirect_as_json(response),
        Err(page) => {
            let status = page.status;
            (status, axum::Json(json!({ "error": page.message }))).into_response()
        }
    }
}

/// Cookie that remembers the offer was made in this browser.
fn offered_cookie(state: &AppState) -> &'static str {
    if state.config.secure_cookies() { "__Host-tessera_passkey_offered" } else { "tessera_passkey_offered" }
}

/// Whether `finish` should show the offer before going on: passkeys available and offered by
/// configuration, a browser whose script said it can create passkeys, another method used, no
/// passkey yet, and not offered in this browser before.
pub async fn should_offer(
    state: &AppState,
    jar: &CookieJar,
    ix: &Interaction,
    method: &str,
    user: &crate::model::User,
) -> bool {
    let wanted = state.config.passkeys.offer_after_login && ix.passkey_capable && method != METHOD;
    if state.webauthn.is_none() || !wanted {
        return false;
    }
    if jar.get(offered_cookie(state)).is_some() {
        return false;
    }
    state.directory.passkeys_of_user(&user.id).await.is_ok_and(|p| p.is_empty())
}

#[derive(Template)]
#[template(path = "login/passkey_offer.html")]
struct OfferPage<'a> {
    ui: crate::web::ui::Ui<'a>,
    csrf: String,
    next: String,
}

/// `GET /login/{id}/passkey/offer`: after a sign-in, "add a passkey for next time?", once.
pub async fn offer(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: crate::i18n::AcceptLanguage,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let next = format!("/authorize/resume/{id}");
    let Some(current) = session::current(&state, &jar).await? else {
        return Ok(Redirect::to(&next).into_response());
    };
    let ix: Option<Interaction> = state.ephemeral.get_json(&crate::domain::interaction::key(&id)).await?;
    let ix = ix.filter(|ix| ix.session_id() == Some(current.id.as_str()));
    let next = ix.as_ref().map_or(next, finish::resume_path);
    let ui = match &ix {
        Some(ix) => crate::login::frame(&state, ix, &accept).await?,
        None => state.ui(None, &accept, None),
    };
    let mut cookie = Cookie::new(offered_cookie(&state), "1");
    cookie.set_path("/");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(state.config.secure_cookies());
    cookie.set_max_age(time::Duration::days(365));
    let page = OfferPage { ui, csrf: crate::domain::session::csrf(&state, &current), next };
    let html = page.render().map_err(PageError::rendering)?;
    Ok((jar.add(cookie), Html(html)).into_response())
}
