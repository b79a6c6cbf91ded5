//! `grant_type=client_credentials` (RFC 6749 §4.4): a confidential client gets an access token for
//! itself, with scopes it was registered for and an audience it names (RFC 8707 `resource`).

use crate::domain::tokens::{self, TokenResponse};
use crate::model::Client;
use crate::state::AppState;
use crate::web::oauth_error::{ErrorCode, OAuthError};
use crate::web::params::Params;

pub async fn exchange(
    state: &AppState,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    // RFC 6749 §4.4: only confidential clients.
    if client.is_public() {
        return Err(OAuthError::new(ErrorCode::UnauthorizedClient, "Public clients cannot use client_credentials."));
    }
    let requested: Vec<String> =
        params.get("scope").unwrap_or("").split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let allowed = &client.client_credentials_scopes;
    if let Some(denied) = requested.iter().find(|s| !allowed.contains(s)) {
        return Err(OAuthError::new(
            ErrorCode::InvalidScope,
            format!("The client may not request the scope {denied:?}."),
        ));
    }
    let scope = if requested.is_empty() { allowed.clone() } else { requested };
    let audience = match params.get("resource") {
        // RFC 8707 §2: an absolute URI without a fragment.
        Some(r) if url::Url::parse(r).is_ok_and(|u| u.fragment().is_none()) => r.to_string(),
        Some(_) => return Err(OAuthError::new(ErrorCode::InvalidRequest, "resource must be an absolute URI.")),
        None => state.issuer().to_string(),
    };
    tokens::mint_for_client(state, client, &scope, &audience, jkt)
}
