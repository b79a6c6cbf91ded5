//! `/userinfo` (OIDC Core §5.3): claims by scope and by the `claims` parameter (§5.5) for a live access token, presented as a Bearer
//! header or a form body (RFC 6750 §2.1-2.2), with RFC 6750 §3 challenges on failure.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::domain::{claims, jwt, tokens};
use crate::model::SigningAlg;
use crate::state::AppState;
use crate::web::ErrorCause;
use crate::web::oauth_error::ErrorCode;

/// A refusal with its `WWW-Authenticate: Bearer` challenge.
pub struct BearerError {
    status: StatusCode,
    code: Option<ErrorCode>,
    description: &'static str,
    cause: Option<String>,
}

impl BearerError {
    /// RFC 6750 §3.1: a request without any token gets a bare challenge, no error code.
    fn missing() -> Self {
        BearerError { status: StatusCode::UNAUTHORIZED, code: None, description: "", cause: None }
    }

    fn invalid(description: &'static str) -> Self {
        BearerError { status: StatusCode::UNAUTHORIZED, code: Some(ErrorCode::InvalidToken), description, cause: None }
    }

    fn bad_request(description: &'static str) -> Self {
        BearerError { status: StatusCode::BAD_REQUEST, code: Some(ErrorCode::InvalidRequest), description, cause: None }
    }

    fn unavailable(e: crate::store::StoreError) -> Self {
        BearerError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: Some(ErrorCode::TemporarilyUnavailable),
            description: "The service is temporarily unavailable.",
            cause: Some(e.to_string()),
        }
    }
}

impl IntoResponse for BearerError {
    fn into_response(self) -> Response {
        let challenge = match self.code {
            None => "Bearer realm=\"tessera\"".to_string(),
            Some(code) => format!(
                "Bearer realm=\"tessera\", error=\"{}\", error_description=\"{}\"",
                code.as_str(),
                self.description
            ),
        };
        let body = self.code.map(|c| json!({"error": c.as_str(), "error_description": self.description}));
        let mut response = (self.status, Json(body.unwrap_or(Value::Null))).into_response();
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(cause) = self.cause {
            response.extensions_mut().insert(ErrorCause(cause));
        }
        response
    }
}

fn header_token(headers: &HeaderMap) -> Result<Option<&str>, BearerError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| BearerError::invalid("Malformed Authorization header."))?;
    match crate::web::origin::credentials(value, "Bearer") {
        Some(token) => Ok(Some(token)),
        None => Err(BearerError::invalid("The Authorization header must use the Bearer scheme.")),
    }
}

pub async fn get(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, BearerError> {
    let token = header_token(&headers)?.ok_or_else(BearerError::missing)?;
    claims(&state, token).await
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
    let token = match (from_header, params.get("access_token")) {
        // RFC 6750 §2: clients must not use more than one method to send the token.
        (Some(_), Some(_)) => {
            return Err(BearerError::bad_request("Send the access token once, not in two places."));
        }
        (Some(t), None) | (None, Some(t)) => t.to_string(),
        (None, None) => return Err(BearerError::missing()),
    };
    claims(&state, &token).await
}

/// Verifies the access token and answers with the user's claims for its scopes.
async fn claims(state: &AppState, token: &str) -> Result<Response, BearerError> {
    let invalid = || BearerError::invalid("The access token is invalid, expired or revoked.");
    let at = tokens::live_access_token(state, token)
        .await
        .map_err(BearerError::unavailable)?
        .filter(|at| at.aud == tokens::userinfo_audience(state))
        .ok_or_else(invalid)?;
    let scopes: Vec<&str> = at.scope.split(' ').collect();
    if !scopes.contains(&"openid") {
        return Err(BearerError {
            status: StatusCode::FORBIDDEN,
            code: Some(ErrorCode::InsufficientScope),
            description: "The access token was not granted the openid scope.",
            cause: None,
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
    out.extend(claims::user_claims(&user, &scope, &at.userinfo_claims));
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
    })?;
    let headers = [(header::CONTENT_TYPE, "application/jwt"), (header::CACHE_CONTROL, "no-store")];
    Ok((headers, jwt).into_response())
}
