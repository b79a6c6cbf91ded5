//! Answers for the pages' own scripts: a redirect as JSON, and the CSRF header they send.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Turns a `303 See Other` (with its cookies) into `200 {"redirect": …}` for a script that
/// navigates itself.
pub fn redirect_as_json(response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    let location = parts.headers.remove(axum::http::header::LOCATION);
    let to = location.as_ref().and_then(|l| l.to_str().ok()).unwrap_or("/").to_string();
    parts.status = StatusCode::OK;
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let body = Json(json!({ "redirect": to })).into_response();
    let (body_parts, body) = body.into_parts();
    parts.headers.extend(body_parts.headers);
    Response::from_parts(parts, body)
}

/// The `x-csrf-token` header, compared in constant time with `expected`.
pub fn csrf_ok(headers: &axum::http::HeaderMap, expected: &str) -> bool {
    let token = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
    !token.is_empty() && crate::crypto::constant_time_eq(token.as_bytes(), expected.as_bytes())
}
