//! The composition root: every route of Tessera behind the middleware that wraps them all, the
//! static assets, health checks and the server loop.

mod health;
mod middleware;
pub mod serve;
mod theme;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::web::PageError;

use crate::state::AppState;

/// Every route of Tessera, with the middleware that wraps them all.
pub fn router(state: AppState) -> Router {
    let mut app = Router::new()
        .merge(crate::oauth::routes())
        .merge(crate::login::routes())
        .merge(crate::account::routes())
        .merge(crate::console::routes())
        .merge(crate::consent::routes())
        .merge(crate::activate::routes())
        .merge(theme::routes())
        .merge(crate::embedded::routes())
        .merge(crate::magic_links::routes())
        .merge(crate::bridge::routes())
        .merge(crate::api::routes().with_state(state.core.clone()))
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
const ASSETS: [(&str, &str, &str); 8] = [
    ("/assets/tessera.css", "text/css", include_str!("../../assets/tessera.css")),
    ("/assets/form_post.js", "text/javascript", include_str!("../../assets/form_post.js")),
    ("/assets/passkey.js", "text/javascript", include_str!("../../assets/passkey.js")),
    ("/assets/link-status.js", "text/javascript", include_str!("../../assets/link-status.js")),
    ("/assets/upstream/oidc.svg", "image/svg+xml", include_str!("../../assets/upstream/oidc.svg")),
    ("/assets/upstream/google.svg", "image/svg+xml", include_str!("../../assets/upstream/google.svg")),
    ("/assets/upstream/github.svg", "image/svg+xml", include_str!("../../assets/upstream/github.svg")),
    ("/assets/upstream/microsoft.svg", "image/svg+xml", include_str!("../../assets/upstream/microsoft.svg")),
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
