//! HTTP plumbing: router assembly, the error types handlers return for pages, and middleware.

mod health;
mod middleware;
pub mod serve;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// An internal cause attached to an error response; the middleware logs it once, with the
/// request id. It is never shown to the user.
#[derive(Clone, Debug)]
pub struct ErrorCause(pub String);

/// An error shown as a page. The middleware renders it, so the page can name the request id.
#[derive(Clone, Debug)]
pub struct PageError {
    pub status: StatusCode,
    /// Catalog keys of the page's title and message, shown in the reader's language.
    pub title: &'static str,
    pub message: &'static str,
    /// What exactly was wrong, for the application's developer (protocol terms, in English).
    pub detail: Option<String>,
}

impl PageError {
    pub fn new(status: StatusCode, title: &'static str, message: &'static str) -> Self {
        PageError { status, title, message, detail: None }
    }

    /// A request the application got wrong; `detail` names the parameter.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        PageError {
            detail: Some(detail.into()),
            ..Self::new(StatusCode::BAD_REQUEST, "error.bad_request_title", "error.bad_request_message")
        }
    }

    /// A form whose CSRF token does not match: open too long, or posted from elsewhere.
    pub fn form_expired() -> Self {
        Self::new(StatusCode::FORBIDDEN, "error.form_expired_title", "error.form_expired_message")
    }

    /// A page that could not be rendered.
    pub fn rendering(e: askama::Error) -> Self {
        tracing::error!(error = %e, "page rendering failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "error.failed_title", "error.failed_message")
    }

    /// A rate limit refused the request.
    pub fn limited() -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "error.wait_title", "error.limited")
    }

    pub fn expired() -> Self {
        Self::new(StatusCode::BAD_REQUEST, "error.expired_title", "error.expired_message")
    }

    pub fn unavailable(cause: impl std::fmt::Display) -> Response {
        let page = Self::new(StatusCode::SERVICE_UNAVAILABLE, "error.unavailable_title", "error.unavailable_message");
        let mut response = page.into_response();
        response.extensions_mut().insert(ErrorCause(cause.to_string()));
        response
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "store error");
        PageError::new(StatusCode::SERVICE_UNAVAILABLE, "error.unavailable_title", "error.unavailable_message")
    }
}

/// A form post from another site: `Sec-Fetch-Site` says so, or `Origin` names another origin.
/// Links consumed by a POST refuse these, so no other site can sign a browser into an account
/// of its choosing (login CSRF).
pub fn cross_site(state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if site.is_some_and(|s| s != "same-origin" && s != "none") {
        return true;
    }
    let ours = url::Url::parse(state.config.base_url()).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    let origin = headers.get(axum::http::header::ORIGIN).and_then(|v| v.to_str().ok());
    origin.is_some_and(|o| o != ours)
}

/// The credentials of an `Authorization` value if it uses `scheme`; the scheme name is
/// case-insensitive (RFC 9110 §11.1, RFC 6750 §2.1).
pub fn credentials<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (given, rest) = value.split_once(' ')?;
    Some(rest.trim()).filter(|rest| given.eq_ignore_ascii_case(scheme) && !rest.is_empty())
}

/// The page for a refused cross-site post.
pub fn cross_site_refused() -> PageError {
    PageError::new(StatusCode::FORBIDDEN, "error.cross_site_title", "error.cross_site_message")
}

/// Every route of Tessera, with the middleware that wraps them all.
pub fn router(state: AppState) -> Router {
    let mut app = Router::new()
        .merge(crate::oauth::routes())
        .merge(crate::login::routes())
        .merge(crate::account::routes())
        .merge(crate::consent::routes())
        .merge(crate::ui::routes())
        .merge(crate::passkeys::tickets::routes())
        .merge(crate::magic_links::routes())
        .merge(crate::bridge::routes())
        .merge(crate::api::routes())
        .merge(assets());
    if state.config.demo {
        app = app.merge(crate::demo::routes());
    }
    if state.config.metrics.listen.is_empty() {
        app = app.merge(metrics_routes());
    }
    app.layer(axum::middleware::from_fn_with_state(state.clone(), middleware::around))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .with_state(state)
}

/// `GET /metrics`: on the main router, or alone on `metrics.listen`.
pub fn metrics_routes() -> Router<AppState> {
    use axum::extract::State;
    use axum::http::header;
    Router::new().route(
        "/metrics",
        axum::routing::get(|State(state): State<AppState>| async move {
            ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render())
        }),
    )
}

fn assets() -> Router<AppState> {
    use axum::http::header;
    use axum::routing::get;
    const CSS: &str = include_str!("../../assets/tessera.css");
    const FORM_POST_JS: &str = include_str!("../../assets/form_post.js");
    const PASSKEY_JS: &str = include_str!("../../assets/passkey.js");
    let cached = "public, max-age=3600";
    Router::new()
        .route(
            "/assets/tessera.css",
            get(move || async move { ([(header::CONTENT_TYPE, "text/css"), (header::CACHE_CONTROL, cached)], CSS) }),
        )
        .route(
            "/assets/form_post.js",
            get(move || async move {
                ([(header::CONTENT_TYPE, "text/javascript"), (header::CACHE_CONTROL, cached)], FORM_POST_JS)
            }),
        )
        .route(
            "/assets/passkey.js",
            get(move || async move {
                ([(header::CONTENT_TYPE, "text/javascript"), (header::CACHE_CONTROL, cached)], PASSKEY_JS)
            }),
        )
        .route("/", get(|| async { axum::response::Redirect::to("/demo") }))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
}
