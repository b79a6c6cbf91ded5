//! The calls an application's backend makes with its secret (`ApiSecret`), as
//! `@passwordlessdev/passwordless-nodejs` makes them: register tokens, verifying sign-ins,
//! generated sign-in tokens, credentials, aliases, users and the application's features.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::{Problem, body, header_text, values};
use crate::domain::embedded_passkeys::manage::{self, Refused};
use crate::domain::embedded_passkeys::register::{self, RegisterOptions};
use crate::domain::embedded_passkeys::{EmbeddedError, apps, sign_in, users};
use crate::model::EmbeddedApp;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/register/token", post(register_token))
        .route("/signin/verify", post(verify))
        .route("/signin/generate-token", post(generate_token))
        .route("/credentials/list", get(credentials_by_query).post(credentials_by_body))
        .route("/credentials/delete", post(delete_credential))
        .route("/alias", post(set_aliases))
        .route("/alias/list", get(list_aliases))
        .route("/users/list", get(list_users))
        .route("/users/delete", post(delete_user))
        .route("/apps/features", get(features).post(set_features))
}

async fn app(state: &AppState, headers: &HeaderMap) -> Result<EmbeddedApp, Problem> {
    Ok(apps::by_secret(state, header_text(headers, "apisecret")).await?)
}

async fn register_token(State(state): State<AppState>, headers: HeaderMap, bytes: Bytes) -> Result<Response, Problem> {
    let app = app(&state, &headers).await?;
    let options: RegisterOptions = body(&bytes)?;
    let token = register::create_token(&state, &app, options).await?;
    Ok(Json(json!({ "token": token })).into_response())
}

#[derive(Deserialize)]
struct TokenBody {
    #[serde(default)]
    token: String,
}

async fn verify(State(state): State<AppState>, headers: HeaderMap, bytes: Bytes) -> Result<Response, Problem> {
    let app = app(&state, &headers).await?;
    let request: TokenBody = body(&bytes)?;
    Ok(Json(sign_in::verify(&state, &app, &request.token).await?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerateBody {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    time_to_live: Option<i64>,
}

async fn generate_token(State(state): State<AppState>, headers: HeaderMap, bytes: Bytes) -> Result<Response, Problem> {
    let app = app(&state, &headers).await?;
    let request: GenerateBody = body(&bytes)?;
    let token = sign_in::generate_token(&state, &app, &request.user_id, request.time_to_live).await?;
    Ok(Json(json!({ "token": token })).into_response())
}

/// `?userId=` (the SDK writes `userid`; ASP.NET reads query names without regard to case).
#[derive(Deserialize)]
struct UserQuery {
    #[serde(default, alias = "userid", alias = "UserId")]
    #[serde(rename = "userId")]
    user_id: String,
}

fn user_in_query(uri: &Uri) -> Result<String, Problem> {
    let query: UserQuery = serde_urlencoded::from_str(uri.query().unwrap_or_default())
        .map_err(|e| Problem(EmbeddedError::argument(format!("query: {e}"))))?;
    Ok(query.user_id)
}

async fn credentials_by_query(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, Problem> {
    let app = app(&state, &headers).await?;
    let user_id = user_in_query(&uri)?;
    Ok(values(users::credentials(&state, &app, &user_id).await?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserBody {
    #[serde(default)]
    user_id: String,
}

async fn credentials_by_body(
    State(state): State<AppState>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let app = app(&state, &headers).await?;
    let request: UserBody = body(&bytes)?;
    Ok(values(users::credentials(&state, &app, &request.user_id).await?).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialBody {
    #[serde(default)]
    credential_id: String,
}

async fn delete_credential(
    State(state): State<AppState>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, Problem> {
    let app = app(&state, &headers).await?;
    let request: CredentialBody = body(&bytes)?;
    users::delete_credential(&state, &app, &request.credential_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AliasBody {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default = "yes")]
    hashing: bool,
}

fn yes() -> bool {
    true
}

async fn set_aliases(State(state): State<AppState>, headers: HeaderMap, bytes: Bytes) -> Result<Response, Problem> {
    let app = app(&state, &headers).await?;
    let request: AliasBody = body(&bytes)?;
    users::set_aliases(&state, &app, &request.user_id, &request.aliases, request.hashing).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_aliases(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Result<Response, Problem> {
    let app = app(&state, &headers).await?;
    let user_id = user_in_query(&uri)?;
    Ok(values(users::list_aliases(&state, &app, &user_id).await?).into_response())
}

async fn list_users(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Problem> {
    let app = app(&state, &headers).await?;
    Ok(values(users::list_users(&state, &app).await?).into_response())
}

async fn delete_user(State(state): State<AppState>, headers: HeaderMap, bytes: Bytes) -> Result<Response, Problem> {
    let app = app(&state, &headers).await?;
    let request: UserBody = body(&bytes)?;
    users::delete_user(&state, &app, &request.user_id).await?;
    Ok(StatusCode::OK.into_response())
}

/// Passwordless.dev's `AppFeatureResponse`; event logging and magic links are Tessera's own
/// (audit events, `/passwordless/start`), so they read as off here.
async fn features(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Problem> {
    let app = app(&state, &headers).await?;
    Ok(Json(json!({
        "eventLoggingIsEnabled": false,
        "eventLoggingRetentionPeriod": 0,
        "developerLoggingEndsAt": null,
        "maxUsers": null,
        "allowAttestation": false,
        "isGenerateSignInTokenEndpointEnabled": app.generate_sign_in_tokens,
        "isMagicLinksEnabled": false,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FeaturesBody {
    #[serde(default)]
    enable_manually_generated_authentication_tokens: Option<bool>,
}

/// `POST /apps/features`: only the generated sign-in tokens can be switched, and only for an
/// application registered at run time (the configuration file's are read-only).
async fn set_features(State(state): State<AppState>, headers: HeaderMap, bytes: Bytes) -> Result<Response, Problem> {
    let app = app(&state, &headers).await?;
    let request: FeaturesBody = body(&bytes)?;
    if let Some(enabled) = request.enable_manually_generated_authentication_tokens {
        let now = state.clock.now();
        manage::set_generate_tokens(&state.config, state.directory.as_ref(), &app.id, enabled, now).await.map_err(
            |e| {
                Problem(match e {
                    Refused::ManagedByConfig => EmbeddedError::status(
                        409,
                        "managed_by_config",
                        "This application is declared in the configuration file.",
                    ),
                    Refused::Store(e) => EmbeddedError::Store(e),
                    _ => EmbeddedError::argument("The application cannot be changed."),
                })
            },
        )?;
        let detail =
            json!({"action": "embedded_app_features", "generate_sign_in_tokens": enabled, "via": "api_secret"});
        state.audit("admin", None, Some(&app.id), None, detail);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
