//! "Continue with …": the way out to an upstream identity provider and the way back.
//!
//! ```text
//! GET      /login/upstream/{provider}?login={id}  interaction loaded (this browser's) -> 303 upstream
//! GET|POST /login/upstream/{provider}/callback    state taken once -> interaction of this browser
//!          -> error? back to the choice page | code -> verified ID token -> account -> finish
//! ```
//!
//! The callback takes a POST too (`response_mode=form_post`): that post comes from the
//! upstream's site, so no same-origin check applies; the single-use `state`, bound to an
//! interaction this browser started, is what it is checked by.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde_json::json;

use crate::config::UpstreamConfig;
use crate::domain::authenticate::{Claimant, Method};
use crate::domain::interaction::Interaction;
use crate::domain::session;
use crate::domain::upstream::accounts::{self, Resolution};
use crate::domain::upstream::{self, Asserted, Failure, METHOD};
use crate::login::finish::{self, Proof};
use crate::login::{load, save};
use crate::net::ClientAddr;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;

fn configured<'a>(state: &'a AppState, provider: &str) -> Result<&'a UpstreamConfig, PageError> {
    let found = state.config.upstreams.iter().find(|u| u.id == provider);
    found.ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "error.not_found_title", "error.not_found_message"))
}

pub async fn start(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let upstream = configured(&state, &provider)?;
    let ix = load(&state, &jar, params.get("login").unwrap_or("")).await?;
    state.metrics.inc("tessera_logins_started_total", &[("method", METHOD)]);
    match upstream::begin(&state, upstream, &ix).await? {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(failure) => Ok(back(&state, &ix, failure)),
    }
}

pub async fn callback_get(
    State(state): State<AppState>,
    jar: CookieJar,
    Extension(client): Extension<ClientAddr>,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    callback(&state, jar, &client, &provider, &params).await
}

/// `response_mode=form_post` (Apple): the post comes from the upstream's site, so the browser
/// sends no SameSite=Lax cookie with it; the same answer goes on as a top-level GET, which does.
pub async fn callback_post(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let upstream = configured(&state, &provider)?;
    let pairs = Params::parse(&body).pairs_except(&[]);
    let query = serde_urlencoded::to_string(pairs).map_err(|e| PageError::bad_request(e.to_string()))?;
    Ok(Redirect::to(&format!("/login/upstream/{}/callback?{query}", upstream.id)).into_response())
}

async fn callback(
    state: &AppState,
    jar: CookieJar,
    client: &ClientAddr,
    provider: &str,
    params: &Params,
) -> Result<Response, PageError> {
    let upstream = configured(state, provider)?;
    // RFC 6749 §10.12: an answer is accepted only for a request this server made, once, in the
    // browser that made it; anything else changes nothing.
    let single = |name| params.get(name).filter(|_| !params.is_repeated(name));
    let pending = match single("state") {
        Some(s) => upstream::take(state, s).await?,
        None => None,
    };
    let Some(pending) = pending.filter(|p| p.provider == upstream.id) else { return Err(PageError::expired()) };
    let ix = load(state, &jar, &pending.interaction).await?;
    if params.get("error").is_some() {
        return Ok(back(state, &ix, Failure::Denied));
    }
    let Some(code) = single("code") else { return Ok(back(state, &ix, Failure::BadToken)) };
    let mut asserted = match upstream::complete(state, upstream, pending, code).await {
        Ok(asserted) => asserted,
        Err(failure) => return Ok(back(state, &ix, failure)),
    };
    if upstream.kind == "apple" {
        asserted.name = single("user").and_then(upstream::apple::name);
    }
    match accounts::resolve(state, upstream, &asserted).await? {
        Resolution::SignIn(user) => signed_in(state, jar, ix, client, user, &asserted).await,
        Resolution::ProveFirst(identity) => prove_first(state, ix, identity).await,
        Resolution::NoAccount => Ok(Redirect::to(&format!("{}?e=noaccount", ix.login_path())).into_response()),
    }
}

async fn signed_in(
    state: &AppState,
    jar: CookieJar,
    ix: Interaction,
    client: &ClientAddr,
    user: crate::model::User,
    asserted: &Asserted,
) -> Result<Response, PageError> {
    let mut amr = vec![upstream::AMR_FEDERATED.to_string()];
    amr.extend(asserted.amr.iter().filter(|a| *a != upstream::AMR_FEDERATED).cloned());
    let method = Method { label: METHOD, amr, acr: crate::model::ACR_OTP };
    let remembered = session::remember_upstream(state, CookieJar::new(), &asserted.provider);
    let response = finish::finish(state, jar, ix, client, Proof { claimant: Claimant::User(user), method }).await?;
    Ok((remembered, response).into_response())
}

/// The identity signs nobody in by itself: the choice page asks for a sign-in by the account's
/// own method, and `finish` links the identity to whoever that proves.
async fn prove_first(
    state: &AppState,
    mut ix: Interaction,
    identity: crate::domain::interaction::PendingIdentity,
) -> Result<Response, PageError> {
    ix.upstream_link = Some(identity);
    save(state, &ix).await?;
    Ok(Redirect::to(&format!("{}?e=upstream_link", ix.login_path())).into_response())
}

/// Back to the choice page, saying what went wrong at the upstream and what to do.
fn back(state: &AppState, ix: &Interaction, failure: Failure) -> Response {
    let reason = match failure {
        Failure::Denied => "upstream_denied",
        Failure::Unreachable => "upstream_unreachable",
        Failure::BadToken => "upstream_refused",
    };
    state.metrics.inc("tessera_logins_failed_total", &[("method", METHOD), ("reason", reason)]);
    state.audit("sign_in_failed", None, ix.client_id(), None, json!({"method": METHOD, "reason": reason}));
    Redirect::to(&format!("{}?e={reason}", ix.login_path())).into_response()
}
