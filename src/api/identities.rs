//! The management API's view of a user's linked upstream identities: list, and unlink one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::api::users::existing as existing_user;
use crate::api::{Caller, Problem, ProblemBody};
use crate::domain::Core;

/// The accounts at upstream identity providers that sign this user in, oldest first.
#[utoipa::path(get, path = "/api/v1/users/{id}/identities", tag = "users", security(("api_key" = ["users:read"])),
    params(("id" = String, Path)),
    responses((status = 200, body = Object, description = "`{identities: [{provider, subject, email, created_at}]}`"),
              (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn list(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    caller.needs("users:read")?;
    let user = existing_user(&state, &id).await?;
    let list: Vec<Value> = state
        .directory
        .identities_of_user(&user.id)
        .await?
        .into_iter()
        .map(|i| json!({"provider": i.provider, "subject": i.subject, "email": i.email, "created_at": i.created_at}))
        .collect();
    Ok(Json(json!({ "identities": list })))
}

/// Unlinks one identity: it signs this user in no more (a later sign-in with it follows the
/// linking rules again).
#[utoipa::path(delete, path = "/api/v1/users/{id}/identities/{provider}/{subject}", tag = "users",
    security(("api_key" = ["users:write"])),
    params(("id" = String, Path), ("provider" = String, Path), ("subject" = String, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn unlink(
    State(state): State<Core>,
    caller: Caller,
    Path((id, provider, subject)): Path<(String, String, String)>,
) -> Result<StatusCode, Problem> {
    caller.needs("users:write")?;
    let user = existing_user(&state, &id).await?;
    if !crate::domain::admin::access::unlink_identity(&state, caller.actor(), &user.id, &provider, &subject).await? {
        return Err(Problem::not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}
