//! `POST /revoke` (RFC 7009): refresh tokens (with their whole family and its access tokens) and
//! access tokens (by `jti`, until they would expire). Unknown tokens answer 200. Auth0's
//! `POST /oauth/revoke` is the same endpoint with a JSON body as its SDKs send it.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::crypto;
use crate::domain::jwt;
use crate::domain::tokens::{self, AccessClaims};
use crate::model::Client;
use crate::oauth::client_auth;
use crate::state::AppState;
use crate::web::oauth_error::OAuthError;
use crate::web::params::{AnyBody, Params};

/// `POST /revoke`: a form body (RFC 7009 §2.1).
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, params: Params) -> Result<Response, OAuthError> {
    revoke_token(&state, &headers, params).await
}

/// `POST /oauth/revoke`: Auth0's path, where its SDKs send JSON (`client_id`, `client_secret`,
/// `token`); a form body works too.
pub async fn revoke_auth0(
    State(state): State<AppState>,
    headers: HeaderMap,
    AnyBody(params): AnyBody,
) -> Result<Response, OAuthError> {
    revoke_token(&state, &headers, params).await
}

async fn revoke_token(state: &AppState, headers: &HeaderMap, params: Params) -> Result<Response, OAuthError> {
    params.reject_repeats()?;
    let client = client_auth::authenticate(state, headers, &params).await?;
    let token = params.required("token")?;
    // RFC 7009 §2.1: the hint only orders the lookups; a wrong hint still revokes.
    let access_first = params.get("token_type_hint") == Some("access_token");
    for access in [access_first, !access_first] {
        let revoked = if access {
            revoke_access(state, &client, token).await?
        } else {
            revoke_refresh(state, &client, token).await?
        };
        if revoked {
            tracing::info!(client_id = %client.id, "token revoked");
            break;
        }
    }
    // RFC 7009 §2.2: 200 whether or not the token was known.
    Ok((StatusCode::OK, [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]).into_response())
}

fn not_yours() -> OAuthError {
    OAuthError::invalid_request("The token was not issued to this client.")
}

async fn revoke_refresh(state: &AppState, client: &Client, token: &str) -> Result<bool, OAuthError> {
    let now = state.clock.now();
    let Some(found) = state.directory.live_refresh_token(&crypto::sha256(token.as_bytes()), now).await? else {
        return Ok(false);
    };
    // RFC 7009 §2.1: a client may revoke only its own tokens.
    if found.client_id != client.id {
        return Err(not_yours());
    }
    state.directory.revoke_family(&found.family_id, now).await?;
    tokens::revoke_grant_access(state, &found.family_id).await?;
    Ok(true)
}

async fn revoke_access(state: &AppState, client: &Client, token: &str) -> Result<bool, OAuthError> {
    let Ok(at) = jwt::verify::<AccessClaims>(&state.keys(), token, "at+jwt") else { return Ok(false) };
    if at.iss != state.issuer() {
        return Ok(false);
    }
    if at.client_id != client.id {
        return Err(not_yours());
    }
    let left = at.exp - state.clock.now();
    if left > 0 {
        state.ephemeral.put(&tokens::revoked_jti_key(&at.jti), vec![1], left as u64).await?;
    }
    Ok(true)
}
