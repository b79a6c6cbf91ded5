//! `grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628 §3.4-3.5): the device
//! polls until the person allowed or denied it, no faster than its interval.

use crate::crypto;
use crate::domain::claims::Subject;
use crate::domain::device_grant::{self, Poll, Status};
use crate::domain::tokens::{self, Grant, TokenResponse};
use crate::model::{Client, UserId};
use crate::state::AppState;
use crate::web::oauth_error::{ErrorCode, OAuthError};
use crate::web::params::Params;

pub const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

pub async fn exchange(
    state: &AppState,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let device_code = params.required("device_code")?;
    let grant = match device_grant::poll(state, &client.id, device_code).await? {
        Poll::Allowed(grant) => grant,
        Poll::Pending => {
            return Err(OAuthError::new(ErrorCode::AuthorizationPending, "The person has not answered yet."));
        }
        Poll::SlowDown => {
            return Err(OAuthError::new(ErrorCode::SlowDown, "Poll less often: the interval grew by 5 s."));
        }
        Poll::Expired => return Err(OAuthError::new(ErrorCode::ExpiredToken, "The device code expired; start again.")),
        Poll::Denied => return Err(OAuthError::new(ErrorCode::AccessDenied, "The person denied the device.")),
        Poll::Unknown => return Err(OAuthError::invalid_grant("The device code is invalid or was used.")),
    };
    let Status::Allowed { user_id, session_id, auth_time, amr, acr } = &grant.status else {
        return Err(OAuthError::invalid_grant("The device code is invalid or was used."));
    };
    let user = state.directory.user(&UserId(user_id.clone())).await?;
    let Some(user) = user.filter(|u| u.active) else {
        return Err(OAuthError::invalid_grant("The user can no longer sign in."));
    };
    let grant_id = crypto::random_id();
    let g = Grant {
        client,
        user: &Subject::from(&user),
        scope: &grant.scope,
        nonce: None,
        auth_time: *auth_time,
        amr,
        acr,
        session_id: Some(session_id),
        grant_id: &grant_id,
        claims: None,
        dpop_jkt: jkt,
        api: None,
    };
    let mut response = tokens::mint(state, &g, false)?;
    if client.backchannel_logout_uri.is_some() {
        state.directory.add_session_client(session_id, &client.id).await?;
    }
    // The person allowed these scopes, offline access included, on the confirm page.
    if grant.scope.iter().any(|s| s == "offline_access") {
        let (token, record) = tokens::new_refresh(state, &g);
        state.directory.insert_refresh(&record).await?;
        response.refresh_token = Some(token);
    }
    Ok(response)
}
