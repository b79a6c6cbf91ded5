//! `grant_type=client_credentials` (RFC 6749 §4.4): a confidential client gets an access token for
//! itself, with scopes it was registered for and an audience it names: a registered API by
//! Auth0's `audience` or RFC 8707 `resource` (its lifetime and algorithm apply), or any other
//! absolute URI as `resource`.

use crate::domain::audience;
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
    let (audience, resource) = (params.get("audience"), params.get("resource"));
    let api = match audience::requested(state, audience, resource).await {
        Ok(api) => api,
        // A resource outside the registry stays a plain audience, with the server's defaults.
        Err(e) if e.code == ErrorCode::InvalidTarget && audience.is_none() => None,
        Err(e) => return Err(e),
    };
    let aud = match (&api, resource) {
        (Some(api), _) => api.identifier.clone(),
        (None, Some(resource)) => resource.to_string(),
        (None, None) => state.issuer().to_string(),
    };
    tokens::mint_for_client(state, client, &scope, &aud, api.as_ref(), jkt)
}
