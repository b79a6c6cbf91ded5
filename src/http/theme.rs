//! The theme's files: the site stylesheet and logo read at start, and each client's accent.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::config::theme::accent;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/theme.css", get(site_theme))
        .route("/assets/logo", get(logo))
        .route("/theme/{file}", get(client_theme))
}

fn css(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], body)
        .into_response()
}

async fn site_theme(State(state): State<AppState>) -> Response {
    css(state.theme.css.clone())
}

async fn logo(State(state): State<AppState>) -> Response {
    match &state.theme.logo {
        Some((kind, bytes)) => {
            ([(header::CONTENT_TYPE, *kind), (header::CACHE_CONTROL, "public, max-age=300")], bytes.clone())
                .into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn client_theme(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(id) = file.strip_suffix(".css") else { return StatusCode::NOT_FOUND.into_response() };
    match state.client(id).await {
        Ok(Some(client)) => css(client.primary_color.as_deref().map(accent).unwrap_or_default()),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
