//! The web kit: what every handler answers with and reads through. Pages' error type, the
//! OAuth error format, protocol parameters, the page frame, same-origin checks and cached JSON.
//! It knows nothing of the domain above it.

pub mod cached;
pub mod oauth_error;
pub mod origin;
pub mod params;
pub mod script;
pub mod ui;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

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
    /// Where the page's one button leads on, when there is a way on.
    pub next: Option<String>,
}

impl PageError {
    pub fn new(status: StatusCode, title: &'static str, message: &'static str) -> Self {
        PageError { status, title, message, detail: None, next: None }
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

    /// A finished sign-in seen again (Back, Reload): it is done, here is the way on.
    pub fn signed_in(next: Option<String>) -> Self {
        PageError { next, ..Self::new(StatusCode::OK, "done.title", "done.message") }
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
