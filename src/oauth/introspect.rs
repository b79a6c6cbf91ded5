//! `POST /introspect` (RFC 7662): for an authenticated client, `active: true` with the token's
//! claims when it is live and the client's own; exactly `{"active": false}` otherwise.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::crypto;
use crate::domain::tokens;
use crate::oauth::client_auth;
use crate::state::AppState;
use crate::web::oauth_error::OAuthError;
use crate::web::params::Params;

pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, OAuthError> {
    params.reject_repeats()?;
    let client = client_auth::authenticate(&state, &headers, &params).await?;
    let token = params.required("token")?;
    let mut body = json!({"active": false});
    if let Some(at) = tokens::live_access_token(&state, token).await?.filter(|at| at.client_id == client.id) {
        // RFC 9449 §6.2: a bound token says so, with the key it needs.
        let token_type = if at.cnf.is_some() { "DPoP" } else { "Bearer" };
        body = json!({
            "active": true, "scope": at.scope, "client_id": at.client_id, "sub": at.sub, "exp": at.exp,
            "iat": at.iat, "iss": at.iss, "token_type": token_type, "aud": at.aud, "jti": at.jti,
        });
        if let Some(cnf) = &at.cnf {
            body["cnf"] = json!({"jkt": cnf.jkt});
        }
    } else if let Some(rt) = state
        .directory
        .live_refresh_token(&crypto::sha256(token.as_bytes()), state.clock.now())
        .await?
        .filter(|rt| rt.client_id == client.id)
    {
        body = json!({
            "active": true, "scope": rt.scope, "client_id": rt.client_id, "sub": rt.user_id.0, "exp": rt.expires_at,
            "iat": rt.created_at, "iss": state.issuer(), "token_type": "refresh_token", "aud": rt.client_id,
        });
    }
    Ok(([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json::<Value>(body)).into_response())
}
