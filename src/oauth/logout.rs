//! RP-Initiated Logout 1.0 at `/logout` (the `end_session_endpoint`).
//!
//! ```text
//! RP --/logout?id_token_hint&client_id&post_logout_redirect_uri&state--> check hint, client, URI
//!    tied to this browser's session? --yes--> end session --> 303 post_logout_redirect_uri?state
//!                                    --no---> confirmation page --POST /logout/confirm--> same
//! ```
//! Anything invalid shows a page and never redirects.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};

use crate::crypto;
use crate::domain::jwt;
use crate::domain::{session, subjects};
use crate::i18n::AcceptLanguage;
use crate::model::Session;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;

#[derive(Deserialize)]
struct HintClaims {
    iss: String,
    sub: String,
    aud: serde_json::Value,
    sid: Option<String>,
}

impl HintClaims {
    /// The client the ID token was issued to.
    fn audience(&self) -> Option<String> {
        match &self.aud {
            serde_json::Value::String(a) => Some(a.clone()),
            serde_json::Value::Array(list) => list.first().and_then(|a| a.as_str()).map(str::to_owned),
            _ => None,
        }
    }

    /// Whether the hint names `session`: its user, by the subject its client knows them by
    /// (pairwise subjects, OIDC Core §8.1), and its session when it says which.
    async fn names(&self, state: &AppState, session: &Session) -> Result<bool, PageError> {
        let client = match self.audience() {
            Some(id) => state.client(&id).await?,
            None => None,
        };
        let sub = match client {
            Some(client) => subjects::of(&state.secret, &client, &session.user_id),
            None => session.user_id.0.clone(),
        };
        Ok(self.sub == sub && self.sid.as_ref().is_none_or(|sid| *sid == session.id))
    }
}

/// A logout waiting for the user's confirmation, under `logout:{id}`.
#[derive(Serialize, Deserialize)]
struct Pending {
    csrf: String,
    browser: [u8; 32],
    session_id: String,
    redirect: Option<String>,
}

#[derive(Template)]
#[template(path = "logout/confirm.html")]
struct ConfirmPage<'a> {
    ui: crate::web::ui::Ui<'a>,
    id: &'a str,
    csrf: &'a str,
    account: Option<String>,
}

#[derive(Template)]
#[template(path = "logout/done.html")]
struct DonePage<'a> {
    ui: crate::web::ui::Ui<'a>,
}

/// Where to send the browser afterwards: the registered URI with `state`, when one was asked for.
async fn checked_redirect(state: &AppState, p: &Params) -> Result<(Option<HintClaims>, Option<String>), PageError> {
    if let Some(name) = p.repeated.first() {
        return Err(PageError::bad_request(format!("The {name} parameter appears more than once.")));
    }
    let hint = match p.get("id_token_hint") {
        None => None,
        // The hint's signature is checked; its expiry is tolerated (RP-Initiated Logout §2).
        Some(token) => match jwt::verify::<HintClaims>(&state.keys(), token, "JWT") {
            Ok(h) if h.iss == state.issuer() => Some(h),
            _ => return Err(PageError::bad_request("The id_token_hint is not a valid ID token from this server.")),
        },
    };
    let hint_aud = hint.as_ref().and_then(HintClaims::audience);
    if let (Some(id), Some(aud)) = (p.get("client_id"), &hint_aud)
        && id != aud
    {
        return Err(PageError::bad_request("The client_id does not match the id_token_hint."));
    }
    let Some(uri) = p.get("post_logout_redirect_uri") else { return Ok((hint, None)) };
    let Some(client_id) = p.get("client_id").map(str::to_owned).or(hint_aud) else {
        return Err(PageError::bad_request("A post_logout_redirect_uri needs a client_id or an id_token_hint."));
    };
    let client = state.client(&client_id).await?.ok_or_else(|| PageError::bad_request("Unknown client_id."))?;
    // Exact match against the registered list: never an open redirect.
    if !client.post_logout_redirect_uris.iter().any(|r| r == uri) {
        return Err(PageError::bad_request("The post_logout_redirect_uri is not registered for this application."));
    }
    let query = p.get("state").map(|s| serde_urlencoded::to_string([("state", s)]).unwrap_or_default());
    let target = match query {
        Some(q) if uri.contains('?') => format!("{uri}&{q}"),
        Some(q) => format!("{uri}?{q}"),
        None => uri.to_string(),
    };
    Ok((hint, Some(target)))
}

pub async fn end_session(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    params: Params,
) -> Result<Response, PageError> {
    let (hint, redirect) = checked_redirect(&state, &params).await?;
    // OIDC RP-Initiated Logout §2: ui_locales, as at /authorize.
    let ui = state.ui(params.get("ui_locales"), &accept, None);
    let Some(current) = session::current(&state, &jar).await? else {
        return Ok(done(&state, jar, redirect, ui));
    };
    let tied = match &hint {
        Some(h) => h.names(&state, &current).await?,
        None => false,
    };
    if tied {
        crate::domain::signout::end(&state, &current, "logout").await;
        return Ok(done(&state, jar, redirect, ui));
    }
    let (jar, browser) = session::browser_id(&state, jar);
    let id = crypto::random_token();
    let pending = Pending { csrf: crypto::random_token(), browser, session_id: current.id.clone(), redirect };
    state.ephemeral.put_json(&format!("logout:{id}"), &pending, state.config.lifetimes.interaction).await?;
    let user = state.directory.user(&current.user_id).await?;
    let account = user.and_then(|u| u.identifier()).map(|i| i.as_str().to_string());
    let page = ConfirmPage { ui, id: &id, csrf: &pending.csrf, account };
    Ok((jar, Html(page.render().map_err(PageError::rendering)?)).into_response())
}

pub async fn confirm(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(&body);
    let id = form.get("id").unwrap_or("");
    let pending: Pending = state.ephemeral.take_json(&format!("logout:{id}")).await?.ok_or_else(PageError::expired)?;
    let same_browser = session::browser_hash(&state, &jar).is_some_and(|h| h == pending.browser);
    if !same_browser || !crypto::constant_time_eq(form.get("csrf").unwrap_or("").as_bytes(), pending.csrf.as_bytes()) {
        return Err(PageError::expired());
    }
    if let Some(current) = session::current(&state, &jar).await?.filter(|s| s.id == pending.session_id) {
        crate::domain::signout::end(&state, &current, "logout").await;
    }
    Ok(done(&state, jar, pending.redirect, state.ui(None, &accept, None)))
}

fn done(state: &AppState, jar: CookieJar, redirect: Option<String>, ui: crate::web::ui::Ui<'_>) -> Response {
    let jar = session::clear(state, jar);
    match redirect {
        Some(to) => (jar, Redirect::to(&to)).into_response(),
        None => (jar, signed_out_page(ui)).into_response(),
    }
}

/// "You are signed out", with the way to sign in again.
fn signed_out_page(ui: crate::web::ui::Ui<'_>) -> Response {
    match (DonePage { ui }).render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => PageError::rendering(e).into_response(),
    }
}

/// `GET /signed-out`: where signing out of Tessera's own pages ends.
pub async fn signed_out(State(state): State<AppState>, accept: AcceptLanguage) -> Response {
    signed_out_page(state.ui(None, &accept, None))
}
