//! Bridge mode: Tessera as another identity broker's custom passwordless connection. The broker
//! sends the user to `GET /bridge/{id}/login?state=…&redirect_uri=…&client_id=…`; the user signs
//! in with any enabled method (an existing session counts); Tessera answers with a short-lived
//! signed assertion at the broker's registered return URL, never anywhere else.
//!
//! Formats:
//! - `authress`: exactly what `@authress/sdk`'s `generateUserLoginUrl(redirect_uri, state,
//!   clientId, userId)` produces — a JWT with header `{alg: EdDSA, kid, typ:
//!   "oauth-authz-req+jwt"}` and the SDK's claims in its order (`aud` the key's
//!   `<account>.accounts.authress.io`, `iss` `<origin of redirect_uri>/v1/clients/<key's client
//!   id>`, `sub`, `client_id`, `iat`, `exp` 60 s on, `max_age` 60, `scope` openid), signed with
//!   the broker's service-client key; the user sent to `redirect_uri` itself (path and query
//!   kept) with `code`, `iss` and `state` set as `URLSearchParams.set` sets them;
//! - `jwt`: a JWT (`typ: bridge+jwt`) signed with Tessera's own key (in its JWKS), `iss` =
//!   Tessera's issuer, a unique `jti`, and the user sent to `redirect_uri?code=…&state=…&iss=…`.

use axum::Router;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::json;

use crate::config::{AuthressKey, BridgeConfig};
use crate::crypto;
use crate::domain::interaction::{self, BridgeRequest, Interaction, Purpose};
use crate::domain::session;
use crate::model::{Session, SigningAlg};
use crate::state::AppState;
use crate::web::PageError;

mod authress;

pub fn routes() -> Router<AppState> {
    Router::new().route("/bridge/{id}/login", get(login)).route("/bridge/resume/{id}", get(resume))
}

#[derive(Deserialize)]
struct Entry {
    state: Option<String>,
    redirect_uri: Option<String>,
    client_id: Option<String>,
}

/// A hand-off that cannot be used; `message` is a catalog key saying why.
fn refuse(message: &'static str) -> PageError {
    PageError::new(StatusCode::BAD_REQUEST, "error.bad_request_title", message)
}

/// `GET /bridge/{id}/login`: every check happens before anything could redirect.
async fn login(
    State(state): State<AppState>,
    Extension(client): Extension<crate::net::ClientAddr>,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(q): Query<Entry>,
) -> Result<Response, PageError> {
    let bridge = state.bridge(&id).await?.ok_or_else(|| refuse("error.bridge_unknown"))?;
    let Some(st) = q.state.filter(|s| !s.is_empty() && s.len() <= 2048) else {
        return Err(refuse("error.bridge_no_state"));
    };
    let Some(redirect_uri) = q.redirect_uri.filter(|r| bridge.return_urls.contains(r)) else {
        return Err(refuse("error.bridge_return"));
    };
    let client_id = q.client_id.filter(|c| !c.is_empty());
    if bridge.format == "authress"
        && let Some(id) = &client_id
    {
        let own = bridge.access_key.as_deref().and_then(|k| AuthressKey::parse(k).ok()).map(|k| k.client_id);
        if !bridge.client_ids.contains(id) && own.as_deref() != Some(id.as_str()) {
            return Err(refuse("error.bridge_client"));
        }
    }
    let request = BridgeRequest { bridge_id: bridge.id.clone(), state: st, redirect_uri, client_id };
    if let Some(current) = session::current(&state, &jar).await? {
        return Ok(Redirect::to(&assertion_url(&state, &bridge, &request, &current).await?).into_response());
    }
    if crate::domain::limits::before_interaction(&state, client.ip).await?.is_some() {
        return Err(PageError::limited());
    }
    let (jar, browser) = session::browser_id(&state, jar);
    let name = bridge.name.clone().unwrap_or_else(|| bridge.id.clone());
    let ix = Interaction::new(Purpose::Bridge(Box::new(request)), name, browser, false, state.clock.now());
    state.ephemeral.put_json(&interaction::key(&ix.id), &ix, state.config.lifetimes.interaction).await?;
    Ok((jar, Redirect::to(&ix.login_path())).into_response())
}

/// `GET /bridge/resume/{id}`: after `login::finish`, the assertion and the way back.
async fn resume(State(state): State<AppState>, jar: CookieJar, Path(id): Path<String>) -> Result<Response, PageError> {
    let ix: Interaction = state.ephemeral.take_json(&interaction::key(&id)).await?.ok_or_else(PageError::expired)?;
    let current = session::current(&state, &jar).await?;
    let same_browser = session::browser_hash(&state, &jar).is_some_and(|h| h == ix.browser);
    let Some(current) = current.filter(|s| same_browser && ix.session_id() == Some(s.id.as_str())) else {
        return Err(PageError::expired());
    };
    let Purpose::Bridge(request) = &ix.purpose else { return Err(PageError::expired()) };
    let bridge = state.bridge(&request.bridge_id).await?.ok_or_else(PageError::expired)?;
    Ok(Redirect::to(&assertion_url(&state, &bridge, request, &current).await?).into_response())
}

/// Signs the assertion for the session's user and builds the URL the user returns to.
async fn assertion_url(
    state: &AppState,
    bridge: &BridgeConfig,
    request: &BridgeRequest,
    session: &Session,
) -> Result<String, PageError> {
    let user = state.directory.user(&session.user_id).await?.filter(|u| u.active).ok_or_else(PageError::expired)?;
    let now = state.clock.now();
    let fail = |e: String| PageError {
        detail: Some(e),
        ..PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "error.failed_title", "error.failed_message")
    };
    let mut url = url::Url::parse(&request.redirect_uri).map_err(|e| fail(e.to_string()))?;
    if bridge.format == "authress" {
        let key = AuthressKey::parse(bridge.access_key.as_deref().unwrap_or_default()).map_err(fail)?;
        let detail = json!({"bridge": bridge.id, "format": bridge.format});
        state.audit("bridge_assertion", Some(&user.id), None, None, detail);
        return Ok(authress::login_url(&key, url, &request.state, &user.id.0, now));
    }
    let exp = now + bridge.assertion_lifetime_secs as i64;
    let jti = crypto::random_id();
    let mut claims = json!({"sub": user.id.0, "aud": bridge.audience, "iat": now, "exp": exp, "jti": jti});
    if let Some(email) = &user.email {
        claims["email"] = json!(email.as_str());
        claims["email_verified"] = json!(user.email_verified);
    }
    let detail = json!({"bridge": bridge.id, "format": bridge.format, "jti": jti});
    state.audit("bridge_assertion", Some(&user.id), None, None, detail);
    claims["iss"] = json!(state.issuer());
    let alg: SigningAlg = bridge.alg.parse().map_err(fail)?;
    // Its own `typ`, so an assertion is never taken for an ID token, nor the reverse.
    let token =
        crate::domain::jwt::sign(state.keys().active(alg), "bridge+jwt", &claims).map_err(|e| fail(e.to_string()))?;
    url.query_pairs_mut()
        .append_pair("code", &token)
        .append_pair("state", &request.state)
        .append_pair("iss", state.issuer());
    Ok(url.to_string())
}
