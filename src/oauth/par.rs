//! `POST /par`, pushed authorization requests (RFC 9126): an authenticated client sends its
//! authorization parameters directly and gets a one-time `request_uri` for `/authorize`.
//!
//! ```text
//! client --POST /par (client auth, params)--> checks --> 201 {request_uri, expires_in}
//! browser --GET /authorize?client_id&request_uri--> take (single use) --> the usual checks
//! ```

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::crypto;
use crate::domain::request_object;
use crate::model::Client;
use crate::oauth::request::{self, AuthorizeError};
use crate::oauth::{client_auth, dpop};
use crate::state::AppState;
use crate::store::StoreResult;
use crate::web::oauth_error::{ErrorCode, OAuthError};
use crate::web::params::Params;

/// RFC 9126 §2.2: the `request_uri` is a URN the server chooses.
const URN: &str = "urn:ietf:params:oauth:request_uri:";
/// How the client authenticated: not part of the authorization request.
const CLIENT_AUTH: [&str; 3] = ["client_secret", "client_assertion", "client_assertion_type"];

/// A pushed request as kept until it is used.
#[derive(Serialize, Deserialize)]
pub struct Pushed {
    pub client_id: String,
    pub params: Vec<(String, String)>,
    /// It arrived as a signed request object (RFC 9101).
    pub signed: bool,
}

#[derive(Serialize)]
struct Created {
    request_uri: String,
    expires_in: u64,
}

pub async fn push(State(state): State<AppState>, headers: HeaderMap, params: Params) -> Response {
    match run(&state, &headers, params).await {
        Ok(created) => {
            let mut response =
                (StatusCode::CREATED, [(header::CACHE_CONTROL, "no-store")], Json(created)).into_response();
            if let Some(nonce) = dpop::fresh_nonce(&state).and_then(|n| HeaderValue::from_str(&n).ok()) {
                response.headers_mut().insert("dpop-nonce", nonce);
            }
            response
        }
        Err(e) => e.into_response(),
    }
}

async fn run(state: &AppState, headers: &HeaderMap, params: Params) -> Result<Created, OAuthError> {
    params.reject_repeats()?;
    let client = client_auth::authenticate(state, headers, &params).await?;
    // RFC 9126 §2.1: "The request_uri authorization request parameter MUST NOT be provided".
    if params.get("request_uri").is_some() {
        return Err(OAuthError::invalid_request("request_uri cannot be pushed."));
    }
    let (params, signed) = match params.get("request") {
        Some(jwt) => {
            let opened = request_object::open(state, &client, jwt).await.map_err(|e| {
                OAuthError::new(ErrorCode::InvalidRequestObject, format!("The request object is invalid: {e}."))
            })?;
            (params.overridden_by(Params::from_pairs(opened)), true)
        }
        None => (params, false),
    };
    let params = bound_to_key(state, headers, params).await?;
    // RFC 9126 §2.1: the request is checked as the authorization endpoint would check it.
    check(&params, &client, state)?;
    let pushed = Pushed { client_id: client.id.clone(), params: params.pairs_except(&CLIENT_AUTH), signed };
    let token = crypto::random_token();
    let lifetime = state.config.oauth.pushed_request_lifetime_secs;
    state.ephemeral.put_json(&key(&token), &pushed, lifetime).await?;
    Ok(Created { request_uri: format!("{URN}{token}"), expires_in: lifetime })
}

fn check(params: &Params, client: &std::sync::Arc<Client>, state: &AppState) -> Result<(), OAuthError> {
    let (redirect, client) = request::verify_redirect(params, Some(client.clone()))
        .map_err(|page| OAuthError::invalid_request(page.detail.unwrap_or_else(|| "Invalid request.".into())))?;
    match request::validate(params, &client, redirect, &state.keys(), state.issuer()) {
        Ok(_) => Ok(()),
        Err(AuthorizeError::Redirect(_, code, description)) => Err(OAuthError::new(code, description)),
        Err(AuthorizeError::Render(page)) => {
            Err(OAuthError::invalid_request(page.detail.unwrap_or_else(|| "Invalid request.".into())))
        }
    }
}

/// RFC 9449 §10.1: a DPoP proof sent with the push binds the code to its key, as `dpop_jkt`
/// would; when both are sent they must agree.
async fn bound_to_key(state: &AppState, headers: &HeaderMap, params: Params) -> Result<Params, OAuthError> {
    let Some(jkt) = dpop::proven_key(state, headers, "/par").await? else { return Ok(params) };
    if params.get("dpop_jkt").is_some_and(|named| named != jkt) {
        return Err(OAuthError::new(ErrorCode::InvalidDpopProof, "dpop_jkt names another key than the proof's."));
    }
    Ok(params.overridden_by(Params::from_pairs([("dpop_jkt".to_string(), jkt)])))
}

fn key(token: &str) -> String {
    format!("par:{}", crypto::sha256_hex(token.as_bytes()))
}

/// RFC 9126 §4: the pushed request a `request_uri` names, taken once and only by its client.
/// `None` when it is unknown, used, expired or another client's.
pub async fn take(state: &AppState, client_id: &str, request_uri: &str) -> StoreResult<Option<Pushed>> {
    let Some(token) = request_uri.strip_prefix(URN) else { return Ok(None) };
    // Looked at first, so that another client cannot use it up.
    let seen: Option<Pushed> = state.ephemeral.get_json(&key(token)).await?;
    if seen.is_none_or(|p| p.client_id != client_id) {
        return Ok(None);
    }
    state.ephemeral.take_json(&key(token)).await
}

/// Whether a request is a URN of this endpoint (others are not supported).
pub fn is_pushed(request_uri: &str) -> bool {
    request_uri.starts_with(URN)
}
