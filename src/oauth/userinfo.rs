//! `/userinfo` (OIDC Core §5.3): claims by scope and by the `claims` parameter (§5.5) for a
//! live access token, presented as a Bearer header or form body (RFC 6750 §2.1-2.2) or, bound to
//! a key, with DPoP (RFC 9449 §7); plain JSON or signed (§5.3.2).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::domain::{claims, jwt, tokens};
use crate::model::SigningAlg;
use crate::oauth::bearer::{BearerError, Presented, check_binding, header_token};
use crate::state::AppState;
use crate::web::oauth_error::ErrorCode;

pub async fn get(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, BearerError> {
    let presented = header_token(&headers)?.ok_or_else(BearerError::missing)?;
    claims(&state, &headers, "GET", &presented).await
}

pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, BearerError> {
    let from_header = header_token(&headers)?;
    let params = crate::web::params::Params::parse(&body);
    if params.is_repeated("access_token") {
        return Err(BearerError::bad_request("The access_token parameter is repeated."));
    }
    let presented = match (from_header, params.get("access_token")) {
        // RFC 6750 §2: clients must not use more than one method to send the token.
        (Some(_), Some(_)) => {
            return Err(BearerError::bad_request("Send the access token once, not in two places."));
        }
        (Some(presented), None) => presented,
        (None, Some(token)) => Presented { token, dpop: false },
        (None, None) => return Err(BearerError::missing()),
    };
    claims(&state, &headers, "POST", &presented).await
}

/// Verifies the access token and answers with the user's claims for its scopes.
async fn claims(
    state: &AppState,
    headers: &HeaderMap,
    method: &str,
    presented: &Presented<'_>,
) -> Result<Response, BearerError> {
    let invalid = || BearerError::invalid("The access token is invalid, expired or revoked.");
    let at = tokens::live_access_token(state, presented.token)
        .await
        .map_err(BearerError::unavailable)?
        .filter(|at| at.aud.contains(&tokens::userinfo_audience(state)))
        .ok_or_else(invalid)?;
    check_binding(state, headers, (method, "/userinfo"), presented, &at).await?;
    let scopes: Vec<&str> = at.scope.split(' ').collect();
    if !scopes.contains(&"openid") {
        return Err(BearerError {
            status: StatusCode::FORBIDDEN,
            code: Some(ErrorCode::InsufficientScope),
            description: "The access token was not granted the openid scope.",
            cause: None,
            dpop: at.cnf.is_some(),
        });
    }
    let user_id = at.user_id(&state.secret).ok_or_else(invalid)?;
    let user = state.directory.user(&user_id).await.map_err(BearerError::unavailable)?;
    let Some(user) = user.filter(|u| u.active) else {
        return Err(invalid());
    };
    let mut out = Map::new();
    // The subject the token was issued under: pairwise for a pairwise client (OIDC Core §8.1).
    out.insert("sub".into(), json!(at.sub));
    let scope: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    out.extend(claims::user_claims(&(&user).into(), &scope, &at.userinfo_claims));
    let client = state.client(&at.client_id).await.map_err(BearerError::unavailable)?;
    match client.and_then(|c| c.options.userinfo_signed_response_alg) {
        None => Ok(Json(Value::Object(out)).into_response()),
        Some(alg) => signed(state, &at.client_id, alg, out),
    }
}

/// OIDC Core §5.3.2: the claims as a JWT signed by the client's chosen algorithm, with `iss`
/// and `aud` added.
fn signed(
    state: &AppState,
    client_id: &str,
    alg: SigningAlg,
    mut out: Map<String, Value>,
) -> Result<Response, BearerError> {
    out.insert("iss".into(), json!(state.issuer()));
    out.insert("aud".into(), json!(client_id));
    let jwt = jwt::sign(state.keys().active(alg), "JWT", &out).map_err(|e| BearerError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        code: Some(ErrorCode::ServerError),
        description: "The answer could not be signed.",
        cause: Some(e.to_string()),
        dpop: false,
    })?;
    let headers = [(header::CONTENT_TYPE, "application/jwt"), (header::CACHE_CONTROL, "no-store")];
    Ok((headers, jwt).into_response())
}
