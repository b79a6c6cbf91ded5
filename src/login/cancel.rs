//! `POST /login/{id}/cancel`: the user turns back. The application hears `access_denied`
//! (RFC 6749 §4.1.2.1) at its verified redirect_uri, with its `state`; nothing else changes.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;

use crate::domain::interaction::{self, Purpose};
use crate::login::load_for_post;
use crate::oauth::response::AuthorizationResponse;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::oauth_error::ErrorCode;
use crate::web::params::Params;

pub async fn cancel(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let ix = load_for_post(&state, &jar, &id, &Params::parse(&body)).await?;
    let Purpose::Authorize(request) = &ix.purpose else { return Err(PageError::expired()) };
    // Single use: a second cancel, or a sign-in racing it, finds nothing.
    if state.ephemeral.take(&interaction::key(&ix.id)).await?.is_none() {
        return Err(PageError::expired());
    }
    let cancelled = "The user cancelled the sign-in.";
    Ok(AuthorizationResponse::refused(&state, request, ErrorCode::AccessDenied, cancelled).into_response())
}
