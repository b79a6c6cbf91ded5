//! `/healthz` (the process answers) and `/readyz` (the directory and the ephemeral store answer
//! within a bound, keys are loaded): for load balancers and orchestrators.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::AppState;
use crate::store::StoreResult;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz() -> Response {
    ([(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], "ok").into_response()
}

async fn probe(check: impl Future<Output = StoreResult<()>>) -> Result<(), String> {
    match tokio::time::timeout(PROBE_TIMEOUT, check).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out".into()),
    }
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    let (directory, ephemeral) = tokio::join!(probe(state.directory.ping()), probe(state.ephemeral.ping()));
    let ready = directory.is_ok() && ephemeral.is_ok();
    let show = |r: &Result<(), String>| match r {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("unavailable: {e}"),
    };
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "directory": show(&directory),
        "ephemeral": show(&ephemeral),
        "keys": state.keys().keys().count(),
    });
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))], Json(body)).into_response()
}
