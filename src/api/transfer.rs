//! The management API's bulk transfer: `POST /api/v1/users/import` reads NDJSON as it arrives
//! (never the whole body in memory) and answers with the report; `GET /api/v1/users/export`
//! streams every user as NDJSON.

use axum::Json;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::io::BufReader;
use tokio_util::io::{ReaderStream, StreamReader};
use utoipa::{IntoParams, ToSchema};

use crate::api::{Caller, Problem, ProblemBody, query};
use crate::domain::Core;
use crate::domain::imports::{self, Format, ImportError};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ImportQuery {
    /// `tessera` (the default), `auth0`, `passage` or `passwordless`.
    format: Option<String>,
}

/// What an import did; every failed line is named (the first 1000 of them).
#[derive(Serialize, ToSchema)]
pub(super) struct ImportReport {
    created: u64,
    /// Lines whose external id was imported already, left as they are.
    existing: u64,
    failed_count: u64,
    failed: Vec<FailedLine>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct FailedLine {
    /// From 1.
    line: u64,
    reason: String,
}

impl From<imports::Report> for ImportReport {
    fn from(r: imports::Report) -> Self {
        let failed = r.failed.into_iter().map(|f| FailedLine { line: f.line, reason: f.reason }).collect();
        ImportReport { created: r.created, existing: r.existing, failed_count: r.failed_count, failed }
    }
}

/// Imports users with their passkeys from NDJSON (`docs/import.md`); each user is written whole
/// or not at all, and a user whose external id is known already is left as it is.
#[utoipa::path(post, path = "/api/v1/users/import", tag = "users", security(("api_key" = ["users:write"])),
    params(ImportQuery), request_body(content = String, content_type = "application/x-ndjson"),
    responses((status = 200, body = ImportReport), (status = 400, body = ProblemBody),
              (status = 403, body = ProblemBody), (status = 503, body = ProblemBody)))]
pub(super) async fn import(
    State(state): State<Core>,
    caller: Caller,
    RawQuery(raw): RawQuery,
    body: Body,
) -> Result<Json<ImportReport>, Problem> {
    caller.needs("users:write")?;
    let q: ImportQuery = query(raw.as_deref())?;
    let format: Format =
        q.format.as_deref().unwrap_or("tessera").parse().map_err(|e: String| Problem::bad("format", &e))?;
    let chunks = body.into_data_stream().map_err(std::io::Error::other);
    let mut input = BufReader::with_capacity(64 * 1024, StreamReader::new(chunks));
    let rp_id = state.config.webauthn_rp().map(|(rp_id, _)| rp_id);
    let outcome = imports::import(&*state.directory, &mut input, format, rp_id.as_deref(), state.clock.now()).await;
    let report = match outcome {
        Ok(report) => report,
        Err(ImportError::Read { line, error, report }) => {
            return Err(stopped(StatusCode::BAD_REQUEST, "invalid_field", line, error.to_string(), &report));
        }
        Err(ImportError::Store { line, error, report }) => {
            return Err(stopped(StatusCode::SERVICE_UNAVAILABLE, "unavailable", line, error.to_string(), &report));
        }
    };
    let counts = json!({"created": report.created, "existing": report.existing, "failed": report.failed_count});
    caller.audit(&state, None, "users_imported", counts);
    Ok(Json(report.into()))
}

/// An import that stopped part way: what was done before stays done (each user is whole).
fn stopped(status: StatusCode, code: &'static str, line: u64, why: String, done: &imports::Report) -> Problem {
    let detail = format!("stopped at line {line}: {why}; {} users were created before it", done.created);
    Problem::new(status, code, detail)
}

/// Every user with identifiers, metadata and passkeys, one NDJSON line each (the import's
/// `tessera` format). A failure part way aborts the response rather than end it early.
#[utoipa::path(get, path = "/api/v1/users/export", tag = "users", security(("api_key" = ["users:read"])),
    responses((status = 200, body = String, content_type = "application/x-ndjson"), (status = 403, body = ProblemBody)))]
pub(super) async fn export(State(state): State<Core>, caller: Caller) -> Result<Response, Problem> {
    caller.needs("users:read")?;
    let (mut writer, reader) = tokio::io::duplex(64 * 1024);
    let (failed, failure) = tokio::sync::oneshot::channel();
    let directory = state.directory.clone();
    tokio::spawn(async move {
        if let Err(e) = imports::export(&*directory, &mut writer).await {
            tracing::warn!(error = %e, "the users export stopped");
            let _ = failed.send(e.to_string());
        }
    });
    let end = futures::stream::once(async move { failure.await.ok().map(|e| Err(std::io::Error::other(e))) });
    let stream = ReaderStream::new(reader).chain(end.filter_map(std::future::ready));
    caller.audit(&state, None, "users_exported", json!({}));
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], Body::from_stream(stream)).into_response())
}
