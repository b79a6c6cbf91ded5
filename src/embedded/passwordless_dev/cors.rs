//! CORS for the browser calls (Fetch standard §3.2): only an origin one of the applications
//! lists may call, a preflight is answered only for such an origin, and an answer names the
//! caller's origin only when it is the calling application's. No credentials (cookies) are
//! involved: the page authenticates with its public key.

use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_MAX_AGE,
    VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{Problem, header_text};
use crate::domain::embedded_passkeys::{EmbeddedError, apps};
use crate::model::EmbeddedApp;
use crate::state::AppState;

/// The headers `@passwordlessdev/passwordless-client` sends.
const ALLOWED_HEADERS: &str = "ApiKey, Content-Type, Client-Version";

/// `OPTIONS` on a browser call: allowed for an origin of some application, POST only.
pub async fn preflight(state: &AppState, headers: &HeaderMap) -> Response {
    let method = header_text(headers, "access-control-request-method");
    let Some(origin) = header_text(headers, "origin") else {
        return StatusCode::NO_CONTENT.into_response();
    };
    let known = match apps::all(state).await {
        Ok(all) => all.iter().any(|app| apps::allows_origin(app, origin)),
        Err(e) => return Problem(EmbeddedError::Store(e)).into_response(),
    };
    if !known || method != Some("POST") {
        let refused = EmbeddedError::status(403, "origin_not_allowed", "This origin may not call this API.");
        return Problem(refused).into_response();
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let out = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(origin) {
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    out.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
    out.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOWED_HEADERS));
    out.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    out.insert(VARY, HeaderValue::from_static("Origin"));
    response
}

/// Lets the page read `response` (a refusal before its application is known) when the request
/// came from an origin some application lists, as the preflight allowed it.
pub async fn allow_listed(state: &AppState, headers: &HeaderMap, response: Response) -> Response {
    let origin = header_text(headers, "origin");
    let listed = match (origin, apps::all(state).await) {
        (Some(origin), Ok(all)) => all.into_iter().find(|app| apps::allows_origin(app, origin)),
        _ => None,
    };
    allow(listed.as_ref(), headers, response)
}

/// Lets the page read `response` when the request came from one of `app`'s origins.
pub fn allow(app: Option<&EmbeddedApp>, headers: &HeaderMap, mut response: Response) -> Response {
    response.headers_mut().insert(VARY, HeaderValue::from_static("Origin"));
    let origin = header_text(headers, "origin");
    if let (Some(app), Some(origin)) = (app, origin)
        && apps::allows_origin(app, origin)
        && let Ok(value) = HeaderValue::from_str(origin)
    {
        response.headers_mut().insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    response
}
