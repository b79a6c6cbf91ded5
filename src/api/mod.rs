//! The management API (`/api/v1`): for operators and application backends, authenticated by API
//! keys (`Authorization: Bearer tsk_…`, stored as SHA-256, scoped, revocable), answering errors
//! as RFC 7807 `application/problem+json` with a stable `code`. Users and events here; a user's
//! sessions, passkeys, passkey tickets and magic links in `devices`.

mod devices;

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::model::{ApiKey, AuditQuery, Email, Identifier, Phone, User, UserId};
use crate::state::AppState;
use crate::store::StoreError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/app", get(app))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/api/v1/users/{id}", get(get_user))
        .route("/api/v1/users/{id}/deactivate", post(deactivate))
        .route("/api/v1/users/{id}/activate", post(activate))
        .route("/api/v1/events", get(events))
        .route("/api/v1/users/{id}/sessions", get(devices::sessions).delete(devices::end_sessions))
        .route("/api/v1/sessions/{id}", axum::routing::delete(devices::end_session))
        .route("/api/v1/users/{id}/passkeys", get(devices::passkeys))
        .route(
            "/api/v1/users/{id}/passkeys/{cred}",
            axum::routing::patch(devices::rename_passkey).delete(devices::remove_passkey),
        )
        .route("/api/v1/passkey-tickets", post(devices::passkey_ticket))
        .route("/api/v1/magic-links", post(devices::magic_link))
}

/// An RFC 7807 problem with a stable `code`.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    code: &'static str,
    detail: String,
}

impl Problem {
    pub(super) fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Problem { status, code, detail: detail.into() }
    }

    pub(super) fn bad(field: &str, why: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_field", format!("{field}: {why}"))
    }

    pub(super) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "No such resource.")
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => Self::new(StatusCode::CONFLICT, "conflict", "It exists already."),
            other => {
                tracing::error!(error = %other, "management API store error");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "The service cannot answer right now.")
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = json!({"type": format!("urn:tessera:problem:{}", self.code), "title": self.status.canonical_reason(),
                          "status": self.status.as_u16(), "detail": self.detail, "code": self.code});
        (self.status, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string()).into_response()
    }
}

/// The API key of the request.
pub struct Caller(pub ApiKey);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let unauthenticated =
            || Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Send an API key as Authorization: Bearer.");
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unauthenticated)?;
        let key = state.directory.api_key_by_hash(&crate::crypto::sha256(token.trim().as_bytes())).await?;
        key.map(Caller).ok_or_else(unauthenticated)
    }
}

impl Caller {
    pub(super) fn needs(&self, scope: &'static str) -> Result<(), Problem> {
        if self.0.scopes.iter().any(|s| s == scope) {
            return Ok(());
        }
        Err(Problem::new(StatusCode::FORBIDDEN, "insufficient_scope", format!("This key lacks the {scope} scope.")))
    }
}

fn user_json(u: &User) -> Value {
    json!({
        "id": u.id.0,
        "status": if u.active { "active" } else { "deactivated" },
        "emails": u.email.as_ref().map(|e| vec![json!({"value": e.as_str(), "verified": u.email_verified})]).unwrap_or_default(),
        "phones": u.phone.as_ref().map(|p| vec![json!({"value": p.as_str(), "verified": u.phone_verified})]).unwrap_or_default(),
        "created_at": u.created_at,
        "updated_at": u.updated_at,
    })
}

async fn app(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, Problem> {
    let _ = caller;
    let c = &state.config;
    let mut methods = vec![];
    if c.login.email_code {
        methods.push("email_code");
        if c.login.email_sends.link() {
            methods.push("email_link");
        }
    }
    if c.sms.enabled() {
        methods.push("sms_code");
    }
    if state.webauthn.is_some() {
        methods.push("passkey");
    }
    Ok(Json(json!({
        "issuer": state.issuer(),
        "methods": methods,
        "signup": c.login.signup,
        "lifetimes": c.lifetimes,
    })))
}

pub(super) fn identifier(email: Option<&str>, phone: Option<&str>) -> Result<Identifier, Problem> {
    match (email, phone) {
        (Some(e), None) => e.parse::<Email>().map(Identifier::Email).map_err(|why| Problem::bad("email", why)),
        (None, Some(p)) => Phone::parse(p, None).map(Identifier::Phone).map_err(|why| Problem::bad("phone", why)),
        _ => Err(Problem::bad("email", "give email or phone")),
    }
}

#[derive(Deserialize)]
struct NewUser {
    email: Option<String>,
    phone: Option<String>,
}

async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    caller.needs("users:write")?;
    let new: NewUser = serde_json::from_slice(&body).map_err(|e| Problem::bad("body", &e.to_string()))?;
    let id = identifier(new.email.as_deref(), new.phone.as_deref())?;
    if state.directory.user_by_identifier(&id).await?.is_some() {
        return Err(Problem::new(StatusCode::CONFLICT, "identifier_taken", "A user owns this identifier already."));
    }
    let user = state.directory.create_user_with_identifier(&id, state.clock.now()).await?;
    state.audit(
        "admin",
        Some(&user.id),
        None,
        None,
        json!({"action": "user_created", "via": "api", "key": caller.0.id}),
    );
    Ok((StatusCode::CREATED, Json(user_json(&user))).into_response())
}

async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    caller.needs("users:read")?;
    let user = state.directory.user(&UserId(id)).await?.ok_or_else(Problem::not_found)?;
    Ok(Json(user_json(&user)))
}

#[derive(Deserialize)]
struct ListQuery {
    after: Option<String>,
    limit: Option<u32>,
    identifier: Option<String>,
    status: Option<String>,
}

async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<Value>, Problem> {
    caller.needs("users:read")?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(Problem::bad("limit", "must be between 1 and 500"));
    }
    let wanted = match q.status.as_deref() {
        None => None,
        Some("active") => Some(true),
        Some("deactivated") => Some(false),
        Some(_) => return Err(Problem::bad("status", "must be active or deactivated")),
    };
    if let Some(text) = q.identifier.as_deref() {
        let id = if text.contains('@') { identifier(Some(text), None)? } else { identifier(None, Some(text))? };
        let found = state.directory.user_by_identifier(&id).await?;
        let users: Vec<Value> = found.iter().filter(|u| wanted.is_none_or(|w| u.active == w)).map(user_json).collect();
        return Ok(Json(json!({"users": users, "next": null})));
    }
    let page = state.directory.users(q.after.as_deref(), limit).await?;
    let next = (page.len() == limit as usize).then(|| page.last().map(|u| u.id.0.clone())).flatten();
    let users: Vec<Value> = page.iter().filter(|u| wanted.is_none_or(|w| u.active == w)).map(user_json).collect();
    Ok(Json(json!({"users": users, "next": next})))
}

async fn set_active(state: &AppState, caller: &Caller, id: String, active: bool) -> Result<Json<Value>, Problem> {
    caller.needs("users:write")?;
    let id = UserId(id);
    let now = state.clock.now();
    if !state.directory.set_user_active(&id, active, now).await? {
        return Err(Problem::not_found());
    }
    if !active {
        // A deactivated user's sessions and refresh tokens end at once.
        crate::oauth::logout::end_all(state, &id, "api").await?;
    }
    let action = if active { "user_activated" } else { "user_deactivated" };
    state.audit("admin", Some(&id), None, None, json!({"action": action, "via": "api", "key": caller.0.id}));
    let user = state.directory.user(&id).await?.ok_or_else(Problem::not_found)?;
    Ok(Json(user_json(&user)))
}

async fn deactivate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    set_active(&state, &caller, id, false).await
}

async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    set_active(&state, &caller, id, true).await
}

#[derive(Deserialize)]
struct EventQuery {
    user_id: Option<String>,
    kind: Option<String>,
    since: Option<i64>,
    until: Option<i64>,
    limit: Option<u32>,
}

async fn events(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<EventQuery>,
) -> Result<Json<Value>, Problem> {
    caller.needs("events:read")?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(Problem::bad("limit", "must be between 1 and 1000"));
    }
    let query = AuditQuery { user_id: q.user_id, kind: q.kind, since: q.since, until: q.until, limit };
    let events = state.directory.audit_events(&query).await?;
    Ok(Json(json!({ "events": events })))
}
