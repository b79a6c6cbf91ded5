//! `/userinfo` (OIDC Core §5.3): claims by scope for a live access token, presented as a Bearer
//! header or a form body (RFC 6750 §2.1-2.2), with RFC 6750 §3 challenges on failure.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::domain::tokens;
use crate::model::UserId;
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

pub async fn get(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Value>, BearerError> {
    let token = header_token(&headers)?.ok_or_else(BearerError::missing)?;
    claims(&state, token).await
}

pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Value>, BearerError> {
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

/// Verifies the access token and returns the user's claims for its scopes.
async fn claims(state: &AppState, token: &str) -> Result<Json<Value>, BearerError> {
    let invalid = || BearerError::invalid("The access token is invalid, expired or revoked.");
    let at = tokens::live_access_token(state, token)
        .await
        .map_err(BearerError::unavailable)?
        .filter(|at| at.aud.contains(&tokens::userinfo_audience(state)))
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
    let user = state.directory.user(&UserId(at.sub.clone())).await.map_err(BearerError::unavailable)?;
    let Some(user) = user.filter(|u| u.active) else {
        return Err(invalid());
    };
    let mut out = Map::new();
    out.insert("sub".into(), json!(user.id.0));
    if scopes.contains(&"email")
        && let Some(email) = &user.email
    {
        out.insert("email".into(), json!(email.as_str()));
        out.insert("email_verified".into(), json!(user.email_verified));
    }
    if scopes.contains(&"phone")
        && let Some(phone) = &user.phone
    {
        out.insert("phone_number".into(), json!(phone.as_str()));
        out.insert("phone_number_verified".into(), json!(user.phone_verified));
    }
    if scopes.contains(&"profile") {
        out.insert("updated_at".into(), json!(user.updated_at));
    }
    Ok(Json(Value::Object(out)))
}
