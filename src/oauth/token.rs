//! `POST /token` (RFC 6749 §3.2): authenticate the client, then hand over to the grant.

use axum::extract::State;
use axum::http::HeaderMap;

use crate::domain::tokens::TokenResponse;
use crate::oauth::client_auth;
use crate::oauth::grants;
use crate::state::AppState;
use crate::web::oauth_error::{ErrorCode, OAuthError};
use crate::web::params::Params;

pub async fn token(
    State(state): State<AppState>,
    axum::Extension(peer): axum::Extension<crate::net::ClientAddr>,
    headers: HeaderMap,
    params: Params,
) -> Result<TokenResponse, OAuthError> {
    params.reject_repeats()?;
    let client = client_auth::authenticate(&state, &headers, &params).await?;
    let grant = params.required("grant_type")?;
    let response = match grant {
        "authorization_code" => grants::authorization_code::exchange(&state, &client, &params).await,
        "refresh_token" => grants::refresh_token::exchange(&state, &client, &params).await,
        "client_credentials" => grants::client_credentials::exchange(&state, &client, &params).await,
        crate::domain::passwordless::GRANT => {
            crate::oauth::grants::passwordless_otp::exchange(&state, &client, &params, &headers, peer.ip).await
        }
        _ => {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                "Supported grant types: authorization_code, refresh_token, client_credentials and the passwordless OTP grant.",
            ));
        }
    }?;
    let label = if grant == crate::domain::passwordless::GRANT { "passwordless_otp" } else { grant };
    state.metrics.inc("tessera_tokens_issued_total", &[("grant", label)]);
    Ok(response)
}
