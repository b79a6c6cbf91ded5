//! `/authorize/resume/{id}`: where every login method returns once `finish` has started a
//! session. The consent rule decides; then the code goes back to the client.
//!
//! ```text
//! /login/... --finish--> 303 /authorize/resume/{id} --> consent? --> code --> 303 redirect_uri?...
//! ```

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use crate::domain::code;
use crate::domain::consent::{self, Gate};
use crate::domain::interaction::{self, Interaction, Purpose};
use crate::domain::session;
use crate::oauth::response::AuthorizationResponse;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::oauth_error::ErrorCode;

/// Answers an interaction that `login::finish` completed in this browser.
pub async fn resume(State(state): State<AppState>, jar: CookieJar, Path(id): Path<String>) -> Response {
    let mut ix: Interaction = match state.ephemeral.take_json(&interaction::key(&id)).await {
        Ok(Some(ix)) => ix,
        // Answered already (Back or Reload on the way to the client): say so, with the way on.
        Ok(None) => return super::gone(&state, &jar, &id).await.into_response(),
        Err(e) => return PageError::unavailable(e),
    };
    // The session with its user in one read; the user's claims travel in the code.
    let current = match session::current_with_user(&state, &jar).await {
        Ok(s) => s,
        Err(e) => return PageError::unavailable(e),
    };
    let same_browser = session::browser_hash(&state, &jar).is_some_and(|h| h == ix.browser);
    let Some((session, user)) = current.filter(|(s, _)| same_browser && ix.session_id() == Some(s.id.as_str())) else {
        return PageError::expired().into_response();
    };
    let browser = ix.browser;
    let Purpose::Authorize(request) = &mut ix.purpose else {
        return PageError::expired().into_response();
    };
    // The client may have been deleted while the user signed in: then nothing is issued.
    let client = match state.client(&request.client_id).await {
        Ok(Some(client)) => client,
        Ok(None) => return PageError::expired().into_response(),
        Err(e) => return PageError::unavailable(e),
    };
    // Unmet Authentication Requirements 1.0: an essential acr the sign-in did not meet.
    if request.acr_demand().is_some_and(|d| d.essential && !d.met_by(&session.acr)) {
        let why = "The sign-in did not meet the essential acr the application asked for.";
        let code = ErrorCode::UnmetAuthenticationRequirements;
        return AuthorizationResponse::refused(&state, request, code, why).into_response();
    }
    match consent::gate(&state, request, &client, &session).await {
        Ok(Gate::Pass) => {}
        Ok(Gate::Ask) => match consent::ask(&state, request, &client, &session, browser).await {
            Ok(path) => return Redirect::to(&path).into_response(),
            Err(e) => return PageError::unavailable(e),
        },
        // prompt=none never reaches the login screens, so never resumes here.
        Ok(Gate::Required) => return PageError::expired().into_response(),
        Err(e) => return PageError::unavailable(e),
    }
    match code::issue(&state, request, &session, Some((&user).into())).await {
        Ok(code) => AuthorizationResponse::success(&state, request, code).into_response(),
        Err(e) => PageError::unavailable(e),
    }
}
