//! `POST /token` (RFC 6749 §3.2): authenticate the client, then hand over to the grant.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};

use crate::domain::tokens::TokenResponse;
use crate::oauth::grants;
use crate::oauth::{client_auth, dpop};
use crate::state::AppState;
use crate::web::oauth_error::{ErrorCode, OAuthError};
use crate::web::params::Params;

pub async fn token(
    State(state): State<AppState>,
    axum::Extension(peer): axum::Extension<crate::net::ClientAddr>,
    uri: Uri,
    headers: HeaderMap,
    params: Params,
) -> Result<TokenResponse, OAuthError> {
    params.reject_repeats()?;
    let client = client_auth::authenticate(&state, &headers, &params).await?;
    let grant = params.required("grant_type")?;
    // RFC 9449 §5: the key the access token (and a public client's refresh token) is bound to.
    let jkt = dpop::proven_key(&state, &headers, uri.path()).await?;
    if jkt.is_none() && client.options.requires_dpop() {
        return Err(OAuthError::new(ErrorCode::InvalidDpopProof, "This client's tokens need a DPoP proof."));
    }
    let jkt = jkt.as_deref();
    let mut response = match grant {
        "authorization_code" => grants::authorization_code::exchange(&state, &client, &params, jkt).await,
        "refresh_token" => grants::refresh_token::exchange(&state, &client, &params, jkt).await,
        "client_credentials" => grants::client_credentials::exchange(&state, &client, &params, jkt).await,
        grants::device_code::GRANT => grants::device_code::exchange(&state, &client, &params, jkt).await,
        crate::domain::passwordless::GRANT => {
            let peer = peer.ip;
            crate::oauth::grants::passwordless_otp::exchange(&state, &client, &params, &headers, peer, jkt).await
        }
        _ => {
            return Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                "Supported grant types: authorization_code, refresh_token, client_credentials, device_code and the passwordless OTP grant.",
            ));
        }
    }?;
    response.dpop_nonce = dpop::fresh_nonce(&state);
    let label = match grant {
        crate::domain::passwordless::GRANT => "passwordless_otp",
        grants::device_code::GRANT => "device_code",
        other => other,
    };
    state.metrics.inc("tessera_tokens_issued_total", &[("grant", label)]);
    Ok(response)
}
