//! The management API's upstream identity providers ("Continue with …") registered at run time:
//! create, get, list, update (a JSON merge patch, RFC 7396), delete. The body is the
//! `[[upstreams]]` shape, checked as the file's are; `client_secret` and Apple's `private_key`
//! (its PEM text: a path on the server is never taken here) are write-only, shown as set or not.
//! Those of the configuration file are listed and readable but changed only there.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::api::clients::{config_owned, object, patched};
use crate::api::{Caller, Problem, ProblemBody, body};
use crate::config::UpstreamConfig;
use crate::domain::Core;

/// An upstream as registered, without its secrets.
#[derive(Serialize, ToSchema)]
pub(super) struct UpstreamView {
    #[serde(flatten)]
    #[schema(inline)]
    spec: UpstreamConfig,
    client_secret_set: bool,
    /// `apple`: whether its private key is stored (`private_key`).
    private_key_set: bool,
    /// `api` (changeable here) or `config` (declared in the configuration file).
    managed_by: &'static str,
}

fn view(u: &UpstreamConfig, managed_by: &'static str) -> UpstreamView {
    UpstreamView {
        client_secret_set: u.client_secret.is_some(),
        private_key_set: u.private_key.is_some(),
        spec: UpstreamConfig { client_secret: None, private_key: None, ..u.clone() },
        managed_by,
    }
}

fn in_file<'a>(state: &'a Core, id: &str) -> Option<&'a UpstreamConfig> {
    state.config.upstreams.iter().find(|u| u.id == id)
}

/// Checks an upstream as the configuration file's are checked; a key file is the file's alone.
fn check(state: &Core, u: &UpstreamConfig) -> Result<(), Problem> {
    if u.private_key_file.is_some() {
        return Err(Problem::bad("private_key_file", "not taken here; send the key's PEM text as private_key"));
    }
    crate::config::check_upstream(u, state.dev_mode()).map_err(|(field, why)| Problem::bad(field, &why))
}

#[derive(Serialize, ToSchema)]
pub(super) struct UpstreamList {
    upstreams: Vec<UpstreamView>,
}

/// Every upstream: the configuration file's, then those registered here.
#[utoipa::path(get, path = "/api/v1/upstreams", tag = "upstreams", security(("api_key" = ["upstreams:read"])),
    responses((status = 200, body = UpstreamList), (status = 403, body = ProblemBody)))]
pub(super) async fn list(State(state): State<Core>, caller: Caller) -> Result<Json<UpstreamList>, Problem> {
    caller.needs("upstreams:read")?;
    let mut upstreams: Vec<UpstreamView> = state.config.upstreams.iter().map(|u| view(u, "config")).collect();
    upstreams.extend(state.directory.upstreams().await?.iter().map(|u| view(u, "api")));
    Ok(Json(UpstreamList { upstreams }))
}

/// Registers an upstream (see docs/upstreams.md); it is offered on the sign-in page at once.
#[utoipa::path(post, path = "/api/v1/upstreams", tag = "upstreams", security(("api_key" = ["upstreams:write"])),
    request_body = UpstreamConfig,
    responses((status = 201, body = UpstreamView), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody),
              (status = 409, body = ProblemBody)))]
pub(super) async fn create(
    State(state): State<Core>,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<Response, Problem> {
    caller.needs("upstreams:write")?;
    let upstream: UpstreamConfig = body(&bytes)?;
    check(&state, &upstream)?;
    if in_file(&state, &upstream.id).is_some() {
        return Err(config_owned());
    }
    state.directory.insert_upstream(&upstream, state.clock.now()).await?;
    caller.audit(&state, None, "upstream_created", json!({"upstream_id": upstream.id}));
    Ok((StatusCode::CREATED, Json(view(&upstream, "api"))).into_response())
}

async fn stored(state: &Core, id: &str) -> Result<UpstreamConfig, Problem> {
    if in_file(state, id).is_some() {
        return Err(config_owned());
    }
    state.directory.upstream(id).await?.ok_or_else(Problem::not_found)
}

/// One upstream.
#[utoipa::path(get, path = "/api/v1/upstreams/{id}", tag = "upstreams", security(("api_key" = ["upstreams:read"])),
    params(("id" = String, Path)),
    responses((status = 200, body = UpstreamView), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn get(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<UpstreamView>, Problem> {
    caller.needs("upstreams:read")?;
    let managed_by = if in_file(&state, &id).is_some() { "config" } else { "api" };
    let upstream = state.upstream(&id).await?.ok_or_else(Problem::not_found)?;
    Ok(Json(view(&upstream, managed_by)))
}

/// Changes an upstream with a JSON merge patch; an absent `client_secret` or `private_key`
/// keeps the stored one, `null` removes it.
#[utoipa::path(patch, path = "/api/v1/upstreams/{id}", tag = "upstreams", security(("api_key" = ["upstreams:write"])),
    params(("id" = String, Path)), request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, body = UpstreamView), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody),
              (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
pub(super) async fn update(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<Json<UpstreamView>, Problem> {
    caller.needs("upstreams:write")?;
    let patch = object(&bytes)?;
    let current = stored(&state, &id).await?;
    let upstream: UpstreamConfig = patched(&current, &patch)?;
    if upstream.id != id {
        return Err(Problem::bad("id", "cannot change"));
    }
    check(&state, &upstream)?;
    if !state.directory.update_upstream(&upstream, state.clock.now()).await? {
        return Err(Problem::not_found());
    }
    caller.audit(&state, None, "upstream_updated", json!({"upstream_id": id}));
    Ok(Json(view(&upstream, "api")))
}

/// Deletes an upstream: its button goes at once, and a sign-in under way there ends on the
/// choice page. Identities linked through it stay, and sign in again if it is registered anew.
#[utoipa::path(delete, path = "/api/v1/upstreams/{id}", tag = "upstreams", security(("api_key" = ["upstreams:write"])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody)))]
pub(super) async fn delete(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    caller.needs("upstreams:write")?;
    stored(&state, &id).await?;
    if !state.directory.delete_upstream(&id).await? {
        return Err(Problem::not_found());
    }
    caller.audit(&state, None, "upstream_deleted", json!({"upstream_id": id}));
    Ok(StatusCode::NO_CONTENT)
}
