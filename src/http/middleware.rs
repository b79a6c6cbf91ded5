//! The one middleware around every request: request id, security headers, error pages, and one
//! log line per request (request id, method, route template, status, latency) plus the cause of
//! any error, request metrics, and the client address (`net::ClientAddr`) as an extension.
//! Never a secret: no query, no path parameters, no bodies.

use std::time::Instant;

use askama::Template;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::state::AppState;
use crate::web::{ErrorCause, PageError};

/// Images may come from https origins: a configured product or client logo (`ui.logo`,
/// `logo_uri`). Nothing else on the pages loads from another site.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; \
                   connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ui: crate::web::ui::Ui<'a>,
    title: &'a str,
    message: &'a str,
    detail: Option<&'a str>,
    next: Option<&'a str>,
    request_id: &'a str,
}

pub async fn around(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map_or(SocketAddr::from(([0, 0, 0, 0], 0)), |c| c.0);
    let client = crate::net::client_addr(peer, req.headers(), &state.trusted_proxies);
    req.extensions_mut().insert(client);
    let id = state.next_request_id();
    let method = crate::metrics::method_label(req.method());
    // The route template, never the path itself: paths carry interaction ids, queries carry codes.
    let route = req.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or("(no route)", |r| r.as_str());

    // Kept for an error page: a shared handle on the header, no copy on the way through.
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).cloned();
    let mut response = next.run(req).await;

    if let Some(page) = response.extensions_mut().remove::<PageError>() {
        response = render(&state, page, response, accept.as_ref(), &id);
    }
    let status = response.status();
    if let Some(ErrorCause(cause)) = response.extensions().get::<ErrorCause>() {
        tracing::error!(request_id = %id, %method, %route, status = status.as_u16(), %cause, "request failed");
    }
    let elapsed = started.elapsed();
    let labels = [("method", method), ("route", route), ("status", status.as_str())];
    state.metrics.request(&labels, elapsed);
    // Field expressions are evaluated only when the line is enabled.
    tracing::info!(
        target: "tessera::request",
        request_id = %id,
        %method,
        %route,
        status = status.as_u16(),
        ms = elapsed.as_secs_f64() * 1e3,
        "request"
    );

    protect(response.headers_mut(), &id);
    response
}

/// The error page in the reader's language, keeping the handler's headers and extensions.
fn render(
    state: &AppState,
    page: PageError,
    mut response: Response,
    accept: Option<&HeaderValue>,
    id: &str,
) -> Response {
    let tr = state.locales.negotiate(None, accept.and_then(|v| v.to_str().ok()));
    let html = ErrorPage {
        ui: crate::web::ui::Ui::new(&state.config, tr, None),
        title: page.title,
        message: page.message,
        detail: page.detail.as_deref(),
        next: page.next.as_deref(),
        request_id: id,
    }
    .render()
    .unwrap_or_else(|_| tr.t(page.message).to_string());
    let extensions = std::mem::take(response.extensions_mut());
    let headers = std::mem::take(response.headers_mut());
    let mut rendered = (page.status, Html(html)).into_response();
    rendered.headers_mut().extend(headers);
    *rendered.extensions_mut() = extensions;
    rendered
}

/// The request id and the headers every answer carries.
fn protect(headers: &mut axum::http::HeaderMap, id: &str) {
    headers.insert("x-request-id", HeaderValue::from_str(id).unwrap_or(HeaderValue::from_static("-")));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    // Every page is rendered for one browser (an address, a CSRF token, the account), so no
    // page may be kept by a shared or a back-button cache (RFC 9111 §5.2.2.5).
    let html = headers.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if html && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}
