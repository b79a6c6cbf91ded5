//! Authorization codes (RFC 6749 §4.1.2): minted with 256 bits, stored hashed in Ephemeral for
//! 60 s, bound to everything the token request must repeat; and the response that carries them.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::error::ErrorCode;
use crate::clock::UnixTime;
use crate::crypto;
use crate::interaction::{AuthRequest, ResponseMode};
use crate::model::Session;
use crate::state::AppState;
use crate::store::StoreResult;

/// What a code stands for; kept under `code:{sha256}` until redeemed or expired.
#[derive(Debug, Serialize, Deserialize)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub scope: Vec<String>,
    pub user_id: String,
    pub auth_time: UnixTime,
    pub amr: Vec<String>,
    pub acr: String,
    pub session_id: String,
}

pub fn key(code: &str) -> String {
    format!("code:{}", crypto::sha256_hex(code.as_bytes()))
}

/// Mints a code for `request` answered by `session`.
pub async fn issue(state: &AppState, request: &AuthRequest, session: &Session) -> StoreResult<String> {
    let code = crypto::random_token();
    let grant = CodeGrant {
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        nonce: request.nonce.clone(),
        scope: request.scope.clone(),
        user_id: session.user_id.0.clone(),
        auth_time: session.auth_time,
        amr: session.amr.clone(),
        acr: session.acr.clone(),
        session_id: session.id.clone(),
    };
    state.ephemeral.put_json(&key(&code), &grant, state.config.lifetimes.authorization_code).await?;
    Ok(code)
}

/// An authorization response (success or error) to a verified redirect_uri, always with `iss`
/// (RFC 9207 §2) and the client's `state`.
pub struct AuthorizationResponse {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub params: Vec<(&'static str, String)>,
}

impl AuthorizationResponse {
    pub fn success(state: &AppState, request: &AuthRequest, code: String) -> Self {
        let mut params = vec![("code", code)];
        params.extend(request.state.clone().map(|s| ("state", s)));
        params.push(("iss", state.issuer().to_string()));
        AuthorizationResponse { redirect_uri: request.redirect_uri.clone(), mode: request.response_mode, params }
    }

    pub fn error(
        issuer: &str,
        redirect_uri: String,
        mode: ResponseMode,
        client_state: Option<String>,
        code: ErrorCode,
        description: &str,
    ) -> Self {
        let mut params = vec![("error", code.as_str().to_string()), ("error_description", description.to_string())];
        params.extend(client_state.map(|s| ("state", s)));
        params.push(("iss", issuer.to_string()));
        AuthorizationResponse { redirect_uri, mode, params }
    }
}

#[derive(Template)]
#[template(path = "form_post.html")]
struct FormPost<'a> {
    action: &'a str,
    fields: &'a [(&'static str, String)],
}

impl IntoResponse for AuthorizationResponse {
    fn into_response(self) -> Response {
        let no_store = [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))];
        match self.mode {
            ResponseMode::Query => {
                let query = serde_urlencoded::to_string(&self.params).unwrap_or_default();
                let sep = if self.redirect_uri.contains('?') { '&' } else { '?' };
                (no_store, Redirect::to(&format!("{}{sep}{query}", self.redirect_uri))).into_response()
            }
            ResponseMode::FormPost => match (FormPost { action: &self.redirect_uri, fields: &self.params }).render() {
                Ok(html) => (no_store, Html(html)).into_response(),
                Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            },
        }
    }
}
