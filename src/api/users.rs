//! The management API's users: create, get, look up by identifier, list (cursor, status and
//! creation filters), update (identifiers and metadata), activate, deactivate, delete, and the
//! operator role (grant, take back).

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::api::{Caller, Problem, ProblemBody, body, identifier, limit, query};
use crate::domain::Core;
use crate::model::{AuditEvent, AuditQuery, Email, Phone, User, UserChange, UserId, UserQuery};

/// An email address or phone number and whether its owner proved it.
#[derive(Serialize, ToSchema)]
pub(super) struct Owned {
    value: String,
    verified: bool,
}

#[derive(Serialize, ToSchema)]
pub(super) struct PasskeySummary {
    count: usize,
    last_used_at: Option<i64>,
}

/// A user as the API shows it. Lists leave out `passkeys` and `recent_events`.
#[derive(Serialize, ToSchema)]
pub(super) struct UserView {
    id: String,
    /// `active` or `deactivated`.
    status: &'static str,
    emails: Vec<Owned>,
    phones: Vec<Owned>,
    created_at: i64,
    updated_at: i64,
    last_login_at: Option<i64>,
    login_count: i64,
    /// The operator's own JSON object.
    #[schema(value_type = Object)]
    metadata: Value,
    /// Granted the operator role (the console); `[console] operators` in the config may name more.
    operator: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    passkeys: Option<PasskeySummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recent_events: Option<Vec<AuditEvent>>,
}

impl UserView {
    fn of(u: &User) -> Self {
        let owned = |value: &str, verified| vec![Owned { value: value.into(), verified }];
        UserView {
            id: u.id.0.clone(),
            status: if u.active { "active" } else { "deactivated" },
            emails: u.email.as_ref().map(|e| owned(e.as_str(), u.email_verified)).unwrap_or_default(),
            phones: u.phone.as_ref().map(|p| owned(p.as_str(), u.phone_verified)).unwrap_or_default(),
            created_at: u.created_at,
            updated_at: u.updated_at,
            last_login_at: u.last_login_at,
            login_count: u.login_count,
            metadata: u.metadata.clone(),
            operator: u.operator,
            passkeys: None,
            recent_events: None,
        }
    }

    /// With the passkeys summary and the ten latest events.
    async fn full(state: &Core, u: &User) -> Result<Self, Problem> {
        let mut view = Self::of(u);
        let passkeys = state.directory.passkeys_of_user(&u.id).await?;
        let last_used_at = passkeys.iter().filter_map(|p| p.last_used_at).max();
        view.passkeys = Some(PasskeySummary { count: passkeys.len(), last_used_at });
        let query = AuditQuery { user_id: Some(u.id.0.clone()), limit: 10, ..Default::default() };
        view.recent_events = Some(state.directory.audit_events(&query).await?);
        Ok(view)
    }
}

/// A store conflict on a user write: the identifier has another owner.
fn taken(e: crate::store::StoreError) -> Problem {
    match e {
        crate::store::StoreError::Conflict => {
            Problem::conflict("identifier_taken", "Another user owns this identifier already.")
        }
        other => other.into(),
    }
}

pub(super) async fn existing(state: &Core, id: &str) -> Result<User, Problem> {
    state.directory.user(&UserId(id.to_string())).await?.ok_or_else(Problem::not_found)
}

fn check_metadata(metadata: &Value) -> Result<(), Problem> {
    if !metadata.is_object() {
        return Err(Problem::bad("metadata", "must be a JSON object"));
    }
    if metadata.to_string().len() > 16 * 1024 {
        return Err(Problem::bad("metadata", "must be at most 16 KiB"));
    }
    Ok(())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewUser {
    email: Option<String>,
    phone: Option<String>,
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
}

/// Creates a user owning an email address or a phone number (marked verified).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("api_key" = ["users:write"])), request_body = NewUser,
    responses((status = 201, body = UserView), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody),
              (status = 409, body = ProblemBody)))]
pub(super) async fn create(
    State(state): State<Core>,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<Response, Problem> {
    caller.needs("users:write")?;
    let new: NewUser = body(&bytes)?;
    let id = identifier(new.email.as_deref(), new.phone.as_deref())?;
    let metadata = new.metadata.unwrap_or_else(|| json!({}));
    check_metadata(&metadata)?;
    let user = state.directory.insert_user(&id, &metadata, state.clock.now()).await.map_err(taken)?;
    caller.audit(&state, Some(&user.id), "user_created", json!({}));
    Ok((StatusCode::CREATED, Json(UserView::of(&user))).into_response())
}

/// A user, with a passkeys summary and recent events.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("api_key" = ["users:read"])), params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn get(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<UserView>, Problem> {
    caller.needs("users:read")?;
    let user = existing(&state, &id).await?;
    Ok(Json(UserView::full(&state, &user).await?))
}

/// An email address if it has an `@`, else a phone number.
fn parse_identifier(text: &str) -> Result<crate::model::Identifier, Problem> {
    let id = if text.contains('@') { identifier(Some(text), None) } else { identifier(None, Some(text)) };
    id.map_err(|_| Problem::bad("identifier", "not an email address or phone number"))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct LookupQuery {
    /// An email address or a phone number (E.164 or national with a country prefix).
    identifier: String,
}

/// The user who owns an email address or phone number.
#[utoipa::path(get, path = "/api/v1/users/lookup", tag = "users", security(("api_key" = ["users:read"])), params(LookupQuery),
    responses((status = 200, body = UserView), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody),
              (status = 404, body = ProblemBody)))]
pub(super) async fn lookup(
    State(state): State<Core>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<UserView>, Problem> {
    caller.needs("users:read")?;
    let q: LookupQuery = query(raw.as_deref())?;
    let user = state.directory.user_by_identifier(&parse_identifier(&q.identifier)?).await?;
    let user = user.ok_or_else(Problem::not_found)?;
    Ok(Json(UserView::full(&state, &user).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    /// Only the user owning this email address or phone number.
    identifier: Option<String>,
    /// The `next` cursor of the previous page.
    after: Option<String>,
    /// 1 to 500; 50 by default.
    limit: Option<u32>,
    /// `active` or `deactivated`.
    status: Option<String>,
    /// Created at or after (Unix seconds).
    created_since: Option<i64>,
    /// Created before (Unix seconds).
    created_until: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct UserPage {
    users: Vec<UserView>,
    /// Pass as `after` for the next page; null on the last page.
    next: Option<String>,
}

/// Users in id order, a page at a time.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("api_key" = ["users:read"])), params(ListQuery),
    responses((status = 200, body = UserPage), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody)))]
pub(super) async fn list(
    State(state): State<Core>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<UserPage>, Problem> {
    caller.needs("users:read")?;
    let q: ListQuery = query(raw.as_deref())?;
    let limit = limit(q.limit, 50, 500)?;
    let active = match q.status.as_deref() {
        None => None,
        Some("active") => Some(true),
        Some("deactivated") => Some(false),
        Some(_) => return Err(Problem::bad("status", "must be active or deactivated")),
    };
    let filter =
        UserQuery { after: q.after, limit, active, created_since: q.created_since, created_until: q.created_until };
    if let Some(text) = &q.identifier {
        let found = state.directory.user_by_identifier(&parse_identifier(text)?).await?;
        let users = found.iter().filter(|u| filter.admits(u)).map(UserView::of).collect();
        return Ok(Json(UserPage { users, next: None }));
    }
    let page = state.directory.users(&filter).await?;
    let next = (page.len() == limit as usize).then(|| page.last().map(|u| u.id.0.clone())).flatten();
    Ok(Json(UserPage { users: page.iter().map(UserView::of).collect(), next }))
}

/// Present in the body, even as `null`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A merge patch of a user: `null` removes an identifier; a changed identifier is unverified.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UserPatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    phone: Option<Option<String>>,
    /// Merged into the metadata object (RFC 7396: `null` removes a member).
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
}

/// Changes a user's email address, phone number or metadata.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("api_key" = ["users:write"])), params(("id" = String, Path)),
    request_body = UserPatch,
    responses((status = 200, body = UserView), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody),
              (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
pub(super) async fn update(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<Json<UserView>, Problem> {
    caller.needs("users:write")?;
    let patch: UserPatch = body(&bytes)?;
    let email = patch
        .email
        .map(|e| e.map(|e| e.parse::<Email>()).transpose().map_err(|why| Problem::bad("email", why)))
        .transpose()?;
    let phone = patch
        .phone
        .map(|p| p.map(|p| Phone::parse(&p, None)).transpose().map_err(|why| Problem::bad("phone", why)))
        .transpose()?;
    if patch.metadata.as_ref().is_some_and(|m| !m.is_object()) {
        return Err(Problem::bad("metadata", "must be a JSON object"));
    }
    let user = existing(&state, &id).await?;
    let metadata = match patch.metadata {
        Some(changes) => {
            let mut merged = user.metadata.clone();
            crate::api::merge_patch(&mut merged, &changes);
            check_metadata(&merged)?;
            Some(merged)
        }
        None => None,
    };
    let keeps_email = email.as_ref().map_or(user.email.is_some(), Option::is_some);
    let keeps_phone = phone.as_ref().map_or(user.phone.is_some(), Option::is_some);
    if !keeps_email && !keeps_phone {
        return Err(Problem::bad("email", "a user keeps an email address or a phone number"));
    }
    let change = UserChange { email, phone, metadata };
    let updated = state.directory.update_user(&user.id, &change, state.clock.now()).await.map_err(taken)?;
    let updated = updated.ok_or_else(Problem::not_found)?;
    caller.audit(&state, Some(&user.id), "user_updated", json!({}));
    Ok(Json(UserView::full(&state, &updated).await?))
}

/// Deletes a user: sessions end (clients are told), then identifiers, passkeys, sessions and
/// refresh tokens are removed. Audit events stay.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", security(("api_key" = ["users:write"])), params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn delete(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    caller.needs("users:write")?;
    let user = existing(&state, &id).await?;
    if !crate::domain::admin::delete_user(&state, caller.actor(), &user.id).await? {
        return Err(Problem::not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn set_active(state: &Core, caller: &Caller, id: String, active: bool) -> Result<Json<UserView>, Problem> {
    caller.needs("users:write")?;
    let id = UserId(id);
    if !crate::domain::admin::set_active(state, caller.actor(), &id, active).await? {
        return Err(Problem::not_found());
    }
    let user = existing(state, &id.0).await?;
    Ok(Json(UserView::of(&user)))
}

/// Deactivates a user: sign-in is refused, and sessions and refresh tokens end at once.
#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", tag = "users", security(("api_key" = ["users:write"])), params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn deactivate(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<UserView>, Problem> {
    set_active(&state, &caller, id, false).await
}

/// Lets a deactivated user sign in again.
#[utoipa::path(post, path = "/api/v1/users/{id}/activate", tag = "users", security(("api_key" = ["users:write"])), params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn activate(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<UserView>, Problem> {
    set_active(&state, &caller, id, true).await
}

async fn set_operator(state: &Core, caller: &Caller, id: String, operator: bool) -> Result<Json<UserView>, Problem> {
    caller.needs("operators:write")?;
    let id = UserId(id);
    if !crate::domain::admin::set_operator(state, caller.actor(), &id, operator).await? {
        return Err(Problem::not_found());
    }
    Ok(Json(UserView::of(&existing(state, &id.0).await?)))
}

/// Grants the operator role: the user may use the console (`/console`).
#[utoipa::path(put, path = "/api/v1/users/{id}/operator", tag = "users", security(("api_key" = ["operators:write"])), params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn grant_operator(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<UserView>, Problem> {
    set_operator(&state, &caller, id, true).await
}

/// Takes the operator role back.
#[utoipa::path(delete, path = "/api/v1/users/{id}/operator", tag = "users", security(("api_key" = ["operators:write"])), params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn revoke_operator(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<UserView>, Problem> {
    set_operator(&state, &caller, id, false).await
}
