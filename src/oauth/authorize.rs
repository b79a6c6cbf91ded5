//! `/authorize` (RFC 6749 §4.1.1, OIDC Core §3.1.2); the login pages come back through
//! `/authorize/resume/{id}` (`login::resume`) once `login::finish` has started a session.
//!
//! ```text
//! RP --GET /authorize--> validate --session ok--> code --> 303 redirect_uri?code&state&iss
//!                                 \--no session--> Interaction --> 303 /login/{id}
//! /login/... --finish--> 303 /authorize/resume/{id} --> code --> 303 redirect_uri?...
//! ```

use std::net::IpAddr;

use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use crate::domain::code;
use crate::domain::consent::{self, Gate};
use crate::domain::interaction::{self, AuthRequest, Interaction, Purpose};
use crate::domain::limits;
use crate::domain::session;
use crate::domain::subjects;
use crate::model::{Client, Session, User};
use crate::net::ClientAddr;
use crate::oauth::decision::{self, Outcome};
use crate::oauth::request::{self, AuthorizeError, VerifiedRedirect};
use crate::oauth::response::AuthorizationResponse;
use crate::oauth::{sources, upstream_hint};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::oauth_error::ErrorCode;
use crate::web::params::Params;

pub async fn authorize(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    jar: CookieJar,
    params: Params,
) -> Response {
    let ui_locales = params.get("ui_locales").map(str::to_owned);
    match run(&state, jar, params, client.ip).await {
        Ok(response) => response,
        Err(AuthorizeError::Render(page)) => page.into_response(),
        Err(AuthorizeError::Redirect(to, code, description)) => {
            AuthorizationResponse::error(&state, to, ui_locales.as_deref(), code, &description).into_response()
        }
    }
}

async fn run(state: &AppState, jar: CookieJar, params: Params, ip: IpAddr) -> Result<Response, AuthorizeError> {
    let sourced = sources::resolve(state, params).await?;
    let (redirect, client) =
        request::verify_redirect(&sourced.params, sourced.client.clone()).map_err(AuthorizeError::Render)?;
    if let Err((code, description)) = sources::allowed(state, &client, &sourced) {
        return Err(AuthorizeError::Redirect(redirect, code, description));
    }
    let mut request = request::validate(&sourced.params, &client, redirect, &state.keys(), state.issuer())?;
    // Unmet Authentication Requirements 1.0: an essential acr no sign-in here could meet.
    if request.acr_demand().is_some_and(|d| d.essential && !d.can_be_met(state.webauthn.is_some())) {
        let description = "No sign-in method here meets the essential acr asked for.".into();
        let code = ErrorCode::UnmetAuthenticationRequirements;
        return Err(AuthorizeError::Redirect(VerifiedRedirect::of(&request), code, description));
    }
    resource(state, &sourced.params, &mut request).await?;
    upstream_hint::apply(state, &sourced.params, &mut request)
        .await
        .map_err(|(code, description)| AuthorizeError::Redirect(VerifiedRedirect::of(&request), code, description))?;
    // The session and its user in one read: the code carries the user to the token request.
    let signed_in = session::current_with_user(state, &jar).await.map_err(unavailable(&request))?;
    let (current, user) = signed_in.map_or((None, None), |(s, u)| (Some(s), Some(u)));
    // OIDC Core §8.1: a pairwise client's id_token_hint names the user by its pairwise subject.
    if let (Some(hint), Some(current)) = (&request.hint_sub, &current)
        && *hint == subjects::of(&state.secret, &client, &current.user_id)
    {
        request.hint_sub = Some(current.user_id.0.clone());
    }
    let now = state.clock.now();
    match decision::decide(&request, current.as_ref(), now) {
        Outcome::Permitted => {
            let (Some(session), Some(user)) = (&current, &user) else {
                return Err(AuthorizeError::Render(PageError::expired()));
            };
            permitted(state, jar, &mut request, &client, session, user).await
        }
        Outcome::LoginRequired => Err(AuthorizeError::Redirect(
            VerifiedRedirect::of(&request),
            ErrorCode::LoginRequired,
            "The user must sign in.".into(),
        )),
        Outcome::Interact { reauthenticate } => interact(state, jar, request, &client, reauthenticate, ip).await,
    }
}

/// Auth0's `audience` or RFC 8707 `resource` (§2): the API the access token will be for, and
/// the scopes of that API the request asks for (other unknown scopes are dropped, RFC 6749 §3.3).
async fn resource(state: &AppState, params: &Params, request: &mut AuthRequest) -> Result<(), AuthorizeError> {
    let asked = crate::domain::audience::requested(state, params.get("audience"), params.get("resource")).await;
    let api = asked
        .map_err(|e| AuthorizeError::Redirect(VerifiedRedirect::of(request), e.code, e.description.into_owned()))?;
    let Some(api) = api else { return Ok(()) };
    for scope in params.get("scope").unwrap_or("").split(' ') {
        if api.scopes.iter().any(|s| s == scope) && !request.has_scope(scope) {
            request.scope.push(scope.to_string());
        }
    }
    request.audience = Some(api.identifier);
    Ok(())
}

/// A signed-in user whose session satisfies the request: consent, then the code.
async fn permitted(
    state: &AppState,
    jar: CookieJar,
    request: &mut AuthRequest,
    client: &Client,
    session: &Session,
    user: &User,
) -> Result<Response, AuthorizeError> {
    let unavailable = unavailable(request);
    session::seen(state, session).await.map_err(&unavailable)?;
    match consent::gate(state, request, client, session).await.map_err(&unavailable)? {
        Gate::Pass => {}
        Gate::Ask => {
            let (jar, browser) = session::browser_id(state, jar);
            let path = consent::ask(state, request, client, session, browser).await.map_err(&unavailable)?;
            return Ok((jar, Redirect::to(&path)).into_response());
        }
        Gate::Required => {
            let description = "The user must consent to this application.".into();
            return Err(AuthorizeError::Redirect(
                VerifiedRedirect::of(request),
                ErrorCode::ConsentRequired,
                description,
            ));
        }
    }
    let code = code::issue(state, request, session, Some(user.into())).await.map_err(&unavailable)?;
    Ok(AuthorizationResponse::success(state, request, code).into_response())
}

/// The user must sign in (again): an interaction for the login pages, bound to this browser.
async fn interact(
    state: &AppState,
    jar: CookieJar,
    request: AuthRequest,
    client: &Client,
    reauthenticate: bool,
    ip: IpAddr,
) -> Result<Response, AuthorizeError> {
    let unavailable = unavailable(&request);
    // Each interaction is kept for its lifetime, asked for without any credential.
    if limits::before_interaction(state, ip).await.map_err(&unavailable)?.is_some() {
        let description = "Too many sign-ins were started from this address; try again in a minute.";
        // RFC 6749 §4.1.2.1: "temporarily unable to handle the request due to a temporary
        // overloading".
        let to = VerifiedRedirect::of(&request);
        return Err(AuthorizeError::Redirect(to, ErrorCode::TemporarilyUnavailable, description.into()));
    }
    let (jar, browser) = session::browser_id(state, jar);
    let purpose = Purpose::Authorize(Box::new(request));
    let mut ix = Interaction::new(purpose, client.name.clone(), browser, reauthenticate, state.clock.now());
    ix.email_sends = client.email_sends;
    ix.cross_device_links = client.cross_device_links;
    let lifetime = state.config.lifetimes.interaction;
    state.ephemeral.put_json(&interaction::key(&ix.id), &ix, lifetime).await.map_err(&unavailable)?;
    Ok((jar, Redirect::to(&ix.first_page())).into_response())
}

/// A store failure after the redirect is verified goes back to the client (RFC 6749 §4.1.2.1).
fn unavailable(request: &AuthRequest) -> impl Fn(crate::store::StoreError) -> AuthorizeError + use<> {
    let to = VerifiedRedirect::of(request);
    move |e| {
        tracing::error!(error = %e, "store error during authorize");
        AuthorizeError::Redirect(
            to.clone(),
            ErrorCode::TemporarilyUnavailable,
            "The service is temporarily unavailable.".into(),
        )
    }
}
