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

/// A form post from another site. Links consumed by a POST refuse these, so no other site can
/// sign a browser into an account of its choosing (login CSRF).
///
/// `Sec-Fetch-Site` decides when the browser sent it: every current browser does, and no page
/// can set or forge it (a forbidden header name, Fetch Metadata §2). Only `same-origin` and
/// `none` (typed or opened from outside a page, such as a bookmark) pass. `Origin` is not read
/// then: Tessera's pages send `Referrer-Policy: no-referrer`, under which browsers send
/// `Origin: null` on their own same-origin form posts (Fetch §3.1, "serializing a request
/// origin"), so `null` says nothing about who posted. Without fetch metadata (older browsers),
/// `Origin` must be absent or name Tessera's origin exactly; `null` is refused there, since
/// nothing else tells a sandboxed foreign frame from this site.
pub fn cross_site(state: &AppState, headers: &axum::http::HeaderMap) -> bool {
    let ours = url::Url::parse(state.config.base_url()).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
    posted_from_elsewhere(&ours, headers)
}

fn posted_from_elsewhere(ours: &str, headers: &axum::http::HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(axum::http::header::ORIGIN) else { return false };
    origin.to_str().map_or(true, |o| o != ours)
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
    app.fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::around))
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

/// A path that names nothing: a page in the reader's language, or a problem under `/api/`.
async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::api::unknown_route();
    }
    PageError::new(StatusCode::NOT_FOUND, "error.not_found_title", "error.not_found_message").into_response()
}

/// The pages' own files: served from the binary, cached for an hour.
const ASSETS: [(&str, &str, &str); 4] = [
    ("/assets/tessera.css", "text/css", include_str!("../../assets/tessera.css")),
    ("/assets/form_post.js", "text/javascript", include_str!("../../assets/form_post.js")),
    ("/assets/passkey.js", "text/javascript", include_str!("../../assets/passkey.js")),
    ("/assets/link-status.js", "text/javascript", include_str!("../../assets/link-status.js")),
];

fn assets() -> Router<AppState> {
    use axum::http::header;
    use axum::routing::get;
    let mut router = Router::new();
    for (path, kind, body) in ASSETS {
        let headers = [(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=3600")];
        router = router.route(path, get(move || async move { (headers, body) }));
    }
    router
        .route("/", get(|| async { axum::response::Redirect::to("/demo") }))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderMap;

    use super::posted_from_elsewhere;

    const OURS: &str = "https://login.example.com";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap())).collect()
    }

    #[test]
    fn a_same_origin_post_under_no_referrer_passes_although_origin_is_null() {
        let h = headers(&[("sec-fetch-site", "same-origin"), ("origin", "null")]);
        assert!(!posted_from_elsewhere(OURS, &h));
        assert!(!posted_from_elsewhere(OURS, &headers(&[("sec-fetch-site", "none")])));
    }

    #[test]
    fn fetch_metadata_naming_another_site_is_refused_whatever_origin_says() {
        for site in ["cross-site", "same-site", "bogus"] {
            let h = headers(&[("sec-fetch-site", site), ("origin", OURS)]);
            assert!(posted_from_elsewhere(OURS, &h), "{site}");
        }
    }

    #[test]
    fn without_fetch_metadata_origin_must_be_ours_or_absent() {
        assert!(!posted_from_elsewhere(OURS, &headers(&[])));
        assert!(!posted_from_elsewhere(OURS, &headers(&[("origin", OURS)])));
        assert!(posted_from_elsewhere(OURS, &headers(&[("origin", "null")])));
        assert!(posted_from_elsewhere(OURS, &headers(&[("origin", "https://evil.example")])));
    }
}
