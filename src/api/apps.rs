//! The management API's applications with embedded passkeys: register (keys generated, the
//! secret shown once), list, read, change, new keys, delete; and an application user's passkeys.
//! Those declared in the configuration file are listed and readable but changed only there.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::api::{Caller, Problem, ProblemBody, body};
use crate::domain::Core;
use crate::domain::embedded_passkeys::manage::{self, AppSpec, Refused};
use crate::domain::embedded_passkeys::{apps, users};
use crate::model::EmbeddedApp;

/// An application as registered; `api_secret` appears only in the answers that make one.
#[derive(Serialize, ToSchema)]
pub(super) struct AppView {
    #[serde(flatten)]
    spec: AppSpec,
    /// For the browser SDK (`apiKey`).
    public_key: String,
    /// `api` (changeable here) or `config` (declared in the configuration file).
    managed_by: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_secret: Option<String>,
}

fn view(app: &EmbeddedApp, managed_by: &'static str, api_secret: Option<String>) -> AppView {
    AppView { spec: manage::spec_of(app), public_key: app.public_key.clone(), managed_by, api_secret }
}

fn managed_by(state: &Core, id: &str) -> &'static str {
    if state.config.apps.iter().any(|a| a.id == id) { "config" } else { "api" }
}

impl From<Refused> for Problem {
    fn from(e: Refused) -> Self {
        match e {
            Refused::Invalid(field, why) => Problem::bad(field, &why),
            Refused::ManagedByConfig => {
                Problem::conflict("managed_by_config", "This is declared in the configuration file; change it there.")
            }
            Refused::NotFound => Problem::not_found(),
            Refused::Taken => Problem::conflict("conflict", "It exists already."),
            Refused::Store(e) => e.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(super) struct AppList {
    apps: Vec<AppView>,
}

/// Every application: the configuration file's, then those registered here.
#[utoipa::path(get, path = "/api/v1/apps", tag = "apps", security(("api_key" = ["clients:read"])),
    responses((status = 200, body = AppList), (status = 403, body = ProblemBody)))]
pub(super) async fn list(State(state): State<Core>, caller: Caller) -> Result<Json<AppList>, Problem> {
    caller.needs("clients:read")?;
    let all = apps::all(&state).await?;
    Ok(Json(AppList { apps: all.iter().map(|a| view(a, managed_by(&state, &a.id), None)).collect() }))
}

/// Registers an application; the answer carries `api_secret` (for its backend), shown this once.
#[utoipa::path(post, path = "/api/v1/apps", tag = "apps", security(("api_key" = ["clients:write"])), request_body = AppSpec,
    responses((status = 201, body = AppView), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody),
              (status = 409, body = ProblemBody)))]
pub(super) async fn create(
    State(state): State<Core>,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<Response, Problem> {
    caller.needs("clients:write")?;
    let (app, secret) =
        manage::create(&state.config, state.directory.as_ref(), body(&bytes)?, state.clock.now()).await?;
    caller.audit(&state, None, "embedded_app_created", json!({"app": app.id}));
    Ok((StatusCode::CREATED, Json(view(&app, "api", Some(secret)))).into_response())
}

/// One application.
#[utoipa::path(get, path = "/api/v1/apps/{id}", tag = "apps", security(("api_key" = ["clients:read"])), params(("id" = String, Path)),
    responses((status = 200, body = AppView), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn get(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AppView>, Problem> {
    caller.needs("clients:read")?;
    let app = apps::find(&state, &id).await?.ok_or_else(Problem::not_found)?;
    Ok(Json(view(&app, managed_by(&state, &id), None)))
}

/// Replaces an application's name, RP id, origins and features (the id and keys stay).
#[utoipa::path(put, path = "/api/v1/apps/{id}", tag = "apps", security(("api_key" = ["clients:write"])), params(("id" = String, Path)),
    request_body = AppSpec,
    responses((status = 200, body = AppView), (status = 400, body = ProblemBody), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody)))]
pub(super) async fn update(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<Json<AppView>, Problem> {
    caller.needs("clients:write")?;
    let spec: AppSpec = body(&bytes)?;
    if spec.id != id {
        return Err(Problem::bad("id", "cannot change"));
    }
    let app = manage::update(&state.config, state.directory.as_ref(), spec, state.clock.now()).await?;
    caller.audit(&state, None, "embedded_app_updated", json!({"app": id}));
    Ok(Json(view(&app, "api", None)))
}

/// Deletes an application with its users' passkeys and aliases.
#[utoipa::path(delete, path = "/api/v1/apps/{id}", tag = "apps", security(("api_key" = ["clients:write"])), params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
pub(super) async fn delete(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    caller.needs("clients:write")?;
    manage::delete(&state.config, state.directory.as_ref(), &id).await?;
    caller.audit(&state, None, "embedded_app_deleted", json!({"app": id}));
    Ok(StatusCode::NO_CONTENT)
}

/// New public key and secret; the old ones stop working at once. The secret is shown this once.
#[utoipa::path(post, path = "/api/v1/apps/{id}/keys", tag = "apps", security(("api_key" = ["clients:write"])), params(("id" = String, Path)),
    responses((status = 200, body = AppView), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody)))]
pub(super) async fn new_keys(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AppView>, Problem> {
    caller.needs("clients:write")?;
    let (app, secret) = manage::rotate_keys(&state.config, state.directory.as_ref(), &id, state.clock.now()).await?;
    caller.audit(&state, None, "embedded_app_keys_replaced", json!({"app": id}));
    Ok(Json(view(&app, "api", Some(secret))))
}

#[derive(Serialize, ToSchema)]
pub(super) struct AppPasskeyList {
    /// As Passwordless.dev's `/credentials/list` shows them.
    #[schema(value_type = Vec<Object>)]
    passkeys: Vec<Value>,
}

/// The passkeys of one of the application's users (its own user id).
#[utoipa::path(get, path = "/api/v1/apps/{id}/users/{user_id}/passkeys", tag = "apps", security(("api_key" = ["users:read"])),
    params(("id" = String, Path), ("user_id" = String, Path)),
    responses((status = 200, body = AppPasskeyList), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn user_passkeys(
    State(state): State<Core>,
    caller: Caller,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Json<AppPasskeyList>, Problem> {
    caller.needs("users:read")?;
    if apps::find(&state, &id).await?.is_none() {
        return Err(Problem::not_found());
    }
    let passkeys = state.directory.app_passkeys_of_user(&id, &user_id).await?;
    Ok(Json(AppPasskeyList { passkeys: passkeys.iter().map(users::credential_view).collect() }))
}
