//! "Continue with …": the way out to an upstream identity provider and the way back.
//!
//! ```text
//! GET      /login/upstream/{provider}?login={id}  interaction loaded (this browser's) -> 303 upstream
//! GET|POST /login/upstream/{provider}/callback    state taken once -> interaction of this browser
//!          -> `iss` as discovery promised (RFC 9207)? -> error? back
//!          -> code -> verified ID token -> account -> finish
//! ```
//!
//! "Back" is the choice page, or, when the application named this upstream itself
//! (`connection`, `kc_idp_hint`) and so asked for no choice page, its redirect_uri with the error.
//! Upstreams are looked up on each request (file, then directory): one removed is gone at once.
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
use crate::domain::interaction::{self, Interaction, Purpose};
use crate::domain::session;
use crate::domain::upstream::accounts::{self, Resolution};
use crate::domain::upstream::{self, Asserted, Failure, METHOD};
use crate::login::finish::{self, Proof};
use crate::login::{load, save};
use crate::net::ClientAddr;
use crate::oauth::response::AuthorizationResponse;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::oauth_error::ErrorCode;
use crate::web::params::Params;

/// The upstream `provider`, from the configuration file or the directory.
async fn find(state: &AppState, provider: &str) -> Result<UpstreamConfig, PageError> {
    let found = state.upstream(provider).await?;
    found.ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "error.not_found_title", "error.not_found_message"))
}

pub async fn start(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let upstream = find(&state, &provider).await;
    let ix = load(&state, &jar, params.get("login").unwrap_or("")).await?;
    let upstream = match upstream {
        Ok(upstream) => upstream,
        // Named by the application, then removed before the person got there: it hears so.
        Err(_) if ix.direct_upstream() == Some(provider.as_str()) => {
            return back(&state, ix, Failure::Unreachable).await;
        }
        Err(page) => return Err(page),
    };
    state.metrics.inc("tessera_logins_started_total", &[("method", METHOD)]);
    match upstream::begin(&state, &upstream, &ix).await? {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(failure) => back(&state, ix, failure).await,
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
/// The upstream is not looked up here: one removed meanwhile is the GET's to answer.
pub async fn callback_post(Path(provider): Path<String>, body: axum::body::Bytes) -> Result<Response, PageError> {
    if !provider.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(PageError::new(StatusCode::NOT_FOUND, "error.not_found_title", "error.not_found_message"));
    }
    let pairs = Params::parse(&body).pairs_except(&[]);
    let query = serde_urlencoded::to_string(pairs).map_err(|e| PageError::bad_request(e.to_string()))?;
    Ok(Redirect::to(&format!("/login/upstream/{provider}/callback?{query}")).into_response())
}

async fn callback(
    state: &AppState,
    jar: CookieJar,
    client: &ClientAddr,
    provider: &str,
    params: &Params,
) -> Result<Response, PageError> {
    // RFC 6749 §10.12: an answer is accepted only for a request this server made, once, in the
    // browser that made it; anything else changes nothing.
    let single = |name| params.get(name).filter(|_| !params.is_repeated(name));
    let pending = match single("state") {
        Some(s) => upstream::take(state, s).await?,
        None => None,
    };
    let Some(pending) = pending.filter(|p| p.provider == provider) else { return Err(PageError::expired()) };
    let ix = load(state, &jar, &pending.interaction).await?;
    // Removed while the person was at the provider: the sign-in cannot go on there.
    let Some(upstream) = state.upstream(provider).await? else { return back(state, ix, Failure::Unreachable).await };
    // RFC 9207 §2.4: an answer without the issuer it promised, or naming another, is refused.
    match upstream::issuer_matches(state, &upstream, single("iss")).await {
        Ok(true) => {}
        Ok(false) => return Err(PageError::expired()),
        Err(failure) => return back(state, ix, failure).await,
    }
    if params.get("error").is_some() {
        return back(state, ix, Failure::Denied).await;
    }
    let Some(code) = single("code") else { return back(state, ix, Failure::BadToken).await };
    let mut asserted = match upstream::complete(state, &upstream, pending, code).await {
        Ok(asserted) => asserted,
        Err(failure) => return back(state, ix, failure).await,
    };
    if upstream.kind == "apple" {
        asserted.name = single("user").and_then(upstream::apple::name);
    }
    match accounts::resolve(state, &upstream, &asserted).await? {
        Resolution::SignIn(user) => signed_in(state, jar, ix, client, user, &asserted).await,
        Resolution::ProveFirst(identity) => prove_first(state, ix, identity).await,
        Resolution::NoAccount if ix.direct_upstream().is_some() => {
            let why = "No account here has this address, and sign-up is off.";
            answer_application(state, ix, ErrorCode::AccessDenied, why).await
        }
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

/// Back to the choice page, saying what went wrong at the upstream and what to do; or, when the
/// application sent the person straight to this upstream and so asked for no choice page, back
/// to the application with the error (RFC 6749 §4.1.2.1).
async fn back(state: &AppState, ix: Interaction, failure: Failure) -> Result<Response, PageError> {
    let reason = match failure {
        Failure::Denied => "upstream_denied",
        Failure::Unreachable => "upstream_unreachable",
        Failure::BadToken => "upstream_refused",
    };
    state.metrics.inc("tessera_logins_failed_total", &[("method", METHOD), ("reason", reason)]);
    state.audit("sign_in_failed", None, ix.client_id(), None, json!({"method": METHOD, "reason": reason}));
    if ix.direct_upstream().is_none() {
        return Ok(Redirect::to(&format!("{}?e={reason}", ix.login_path())).into_response());
    }
    let (code, why) = match failure {
        Failure::Denied => (ErrorCode::AccessDenied, "The sign-in was refused at the other provider."),
        Failure::BadToken => (ErrorCode::AccessDenied, "The other provider's answer could not be verified."),
        // "temporarily unable to handle the request": the provider may answer later.
        Failure::Unreachable => (ErrorCode::TemporarilyUnavailable, "The other provider cannot be reached."),
    };
    answer_application(state, ix, code, why).await
}

/// Ends the sign-in with an error for the application at its verified redirect_uri, with its
/// `state` and `iss`; the interaction is taken first, so this happens once.
async fn answer_application(
    state: &AppState,
    ix: Interaction,
    code: ErrorCode,
    why: &str,
) -> Result<Response, PageError> {
    let Purpose::Authorize(request) = &ix.purpose else { return Err(PageError::expired()) };
    if state.ephemeral.take(&interaction::key(&ix.id)).await?.is_none() {
        return Err(PageError::expired());
    }
    Ok(AuthorizationResponse::refused(state, request, code, why).into_response())
}
