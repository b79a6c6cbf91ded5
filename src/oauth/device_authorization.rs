//! `POST /device_authorization` (RFC 8628 §3.1-3.2): a client on a device without a browser
//! asks for a device code and a user code to show, with where to enter it.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::device_grant;
use crate::domain::interaction::device_path;
use crate::oauth::client_auth;
use crate::state::AppState;
use crate::store::StoreError;
use crate::web::oauth_error::{ErrorCode, OAuthError};
use crate::web::params::Params;

#[derive(Serialize)]
struct Started {
    device_code: String,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: String,
    expires_in: u64,
    interval: u64,
}

pub async fn start(State(state): State<AppState>, headers: HeaderMap, params: Params) -> Result<Response, OAuthError> {
    params.reject_repeats()?;
    let client = client_auth::authenticate(&state, &headers, &params).await?;
    let requested: Vec<&str> = params.get("scope").unwrap_or("openid").split(' ').collect();
    if let Some(unknown) = requested.iter().find(|s| !s.is_empty() && !crate::model::SCOPES.contains(s)) {
        return Err(OAuthError::new(ErrorCode::InvalidScope, format!("The scope {unknown:?} is not offered here.")));
    }
    let scope = crate::model::SCOPES.iter().filter(|s| requested.contains(s)).map(|s| s.to_string()).collect();
    let (device_code, grant) = match device_grant::start(&state, &client.id, scope).await {
        Ok(started) => started,
        // Two live grants drew one user code: the client may simply ask again.
        Err(StoreError::Conflict) => return Err(OAuthError::new(ErrorCode::TemporarilyUnavailable, "Try again.")),
        Err(e) => return Err(e.into()),
    };
    let body = Started {
        device_code,
        verification_uri: state.url("/device"),
        verification_uri_complete: state.url(&device_path(&grant.user_code)),
        user_code: grant.user_code,
        expires_in: device_grant::LIFETIME,
        interval: device_grant::INTERVAL,
    };
    let mut response = Json(body).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
