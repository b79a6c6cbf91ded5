//! The management API's API registry (the `audience` / RFC 8707 `resource` an access token is
//! for): create, get, list, update (a JSON merge patch, RFC 7396), delete. The identifier is the
//! path segment, percent-encoded. Those declared in the configuration file are listed and
//! readable but changed only there.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::api::clients::{config_owned, object, patched};
use crate::api::{Caller, Problem, ProblemBody, body};
use crate::config::{ApiConfig, check_api};
use crate::domain::Core;

/// An API as registered.
#[derive(Serialize, ToSchema)]
pub(super) struct ApiView {
    #[serde(flatten)]
    #[schema(inline)]
    spec: ApiConfig,
    /// `api` (changeable here) or `config` (declared in the configuration file).
    managed_by: &'static str,
}

#[derive(Serialize, ToSchema)]
pub(super) struct ApiList {
    apis: Vec<ApiView>,
}

fn view(api: &ApiConfig, managed_by: &'static str) -> ApiView {
    ApiView { spec: api.clone(), managed_by }
}

fn is_static(state: &Core, identifier: &str) -> bool {
    state.config.apis.iter().any(|a| a.identifier == identifier)
}

fn checked(api: &ApiConfig) -> Result<(), Problem> {
    check_api(api).map_err(|(field, why)| Problem::bad(field, &why))
}

/// Every API: the configuration file's, then those registered here.
#[utoipa::path(get, path = "/api/v1/apis", tag = "apis", security(("api_key" = ["clients:read"])),
    responses((status = 200, body = ApiList), (status = 403, body = ProblemBody)))]
pub(super) async fn list(State(state): State<Core>, caller: Caller) -> Result<Json<ApiList>, Problem> {
    caller.needs("clients:read")?;
    let mut apis: Vec<ApiView> = state.config.apis.iter().map(|a| view(a, "config")).collect();
    apis.extend(state.directory.apis().await?.iter().map(|a| view(a, "api")));
    Ok(Json(ApiList { apis }))
}

/// Registers an API.
#[utoipa::path(post, path = "/api/v1/apis", tag = "apis", security(("api_key" = ["clients:write"])), request_body = ApiConfig,
    responses((status = 201, body = ApiView), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody),
              (status = 409, body = ProblemBody)))]
pub(super) async fn create(
    State(state): State<Core>,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<Response, Problem> {
    caller.needs("clients:write")?;
    let api: ApiConfig = body(&bytes)?;
    checked(&api)?;
    if is_static(&state, &api.identifier) {
        return Err(config_owned());
    }
    state.directory.insert_api(&api, state.clock.now()).await?;
    caller.audit(&state, None, "api_created", json!({"api": api.identifier}));
    Ok((StatusCode::CREATED, Json(view(&api, "api"))).into_response())
}

/// One API.
#[utoipa::path(get, path = "/api/v1/apis/{identifier}", tag = "apis", security(("api_key" = ["clients:read"])),
    params(("identifier" = String, Path)),
    responses((status = 200, body = ApiView), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn get(
    State(state): State<Core>,
    caller: Caller,
    Path(identifier): Path<String>,
) -> Result<Json<ApiView>, Problem> {
    caller.needs("clients:read")?;
    let managed_by = if is_static(&state, &identifier) { "config" } else { "api" };
    let api = state.api(&identifier).await?.ok_or_else(Problem::not_found)?;
    Ok(Json(view(&api, managed_by)))
}

async fn stored(state: &Core, identifier: &str) -> Result<ApiConfig, Problem> {
    if is_static(state, identifier) {
        return Err(config_owned());
    }
    state.directory.api(identifier).await?.ok_or_else(Problem::not_found)
}

/// Changes an API with a JSON merge patch; tokens already issued keep what they were issued with.
#[utoipa::path(patch, path = "/api/v1/apis/{identifier}", tag = "apis", security(("api_key" = ["clients:write"])),
    params(("identifier" = String, Path)), request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, body = ApiView), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody),
              (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
pub(super) async fn update(
    State(state): State<Core>,
    caller: Caller,
    Path(identifier): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<Json<ApiView>, Problem> {
    caller.needs("clients:write")?;
    let patch = object(&bytes)?;
    let current = stored(&state, &identifier).await?;
    let api: ApiConfig = patched(&current, &patch)?;
    if api.identifier != identifier {
        return Err(Problem::bad("identifier", "cannot change"));
    }
    checked(&api)?;
    if !state.directory.update_api(&api, state.clock.now()).await? {
        return Err(Problem::not_found());
    }
    caller.audit(&state, None, "api_updated", json!({"api": identifier}));
    Ok(Json(view(&api, "api")))
}

/// Deletes an API: refresh tokens granted for it stop working.
#[utoipa::path(delete, path = "/api/v1/apis/{identifier}", tag = "apis", security(("api_key" = ["clients:write"])),
    params(("identifier" = String, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody)))]
pub(super) async fn delete(
    State(state): State<Core>,
    caller: Caller,
    Path(identifier): Path<String>,
) -> Result<StatusCode, Problem> {
    caller.needs("clients:write")?;
    stored(&state, &identifier).await?;
    if !state.directory.delete_api(&identifier).await? {
        return Err(Problem::not_found());
    }
    caller.audit(&state, None, "api_deleted", json!({"api": identifier}));
    Ok(StatusCode::NO_CONTENT)
}
