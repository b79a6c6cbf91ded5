//! The one middleware around every request: request id, security headers, error pages, and a
//! log line with the cause of any error (never a secret: only the path, not the query).

use std::time::Instant;

use askama::Template;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use super::{ErrorCause, PageError};
use crate::state::AppState;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    product_name: &'a str,
    title: &'a str,
    message: &'a str,
    request_id: &'a str,
}

pub async fn around(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = state.next_request_id();
    let method = req.method().clone();
    // A cheap reference-counted copy; only the path (never the query) is logged.
    let uri = req.uri().clone();
    let path = uri.path();

    let mut response = next.run(req).await;

    if let Some(page) = response.extensions_mut().remove::<PageError>() {
        let html = ErrorPage {
            product_name: &state.config.login.product_name,
            title: page.title,
            message: &page.message,
            request_id: &id,
        }
        .render()
        .unwrap_or_else(|_| page.message.clone());
        let extensions = std::mem::take(response.extensions_mut());
        let headers = std::mem::take(response.headers_mut());
        response = (page.status, Html(html)).into_response();
        response.headers_mut().extend(headers);
        *response.extensions_mut() = extensions;
    }
    let status = response.status();
    if let Some(ErrorCause(cause)) = response.extensions().get::<ErrorCause>() {
        tracing::error!(request_id = %id, %method, %path, status = status.as_u16(), %cause, "request failed");
    }
    tracing::debug!(request_id = %id, %method, %path, status = status.as_u16(), ms = started.elapsed().as_secs_f64() * 1e3, "request");

    let headers = response.headers_mut();
    headers.insert("x-request-id", HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("-")));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    response
}
