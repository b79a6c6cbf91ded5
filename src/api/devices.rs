//! The management API's view of one user's access: sessions (list, end one, end all), consents
//! (list, take back), passkeys (list, rename, remove), passkey registration tickets and magic
//! links.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::api::users::existing as existing_user;
use crate::api::{Caller, Problem, ProblemBody, body, identifier};
use crate::domain::Core;
use crate::domain::admin::access::{self, LinkOrder, TicketRefused};
use crate::domain::links::LinkType;
use crate::model::{Identifier, User};

#[utoipa::path(get, path = "/api/v1/users/{id}/sessions", tag = "sessions", security(("api_key" = ["users:read"])), params(("id" = String, Path)),
    responses((status = 200, body = Object, description = "`{sessions: [{id, auth_time, amr, acr, expires_at}]}`"),
              (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn sessions(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    caller.needs("users:read")?;
    let user = existing_user(&state, &id).await?;
    let list = state.directory.sessions_of_user(&user.id, state.clock.now()).await?;
    let list: Vec<Value> = list
        .iter()
        .map(|s| json!({"id": s.id, "auth_time": s.auth_time, "amr": s.amr, "acr": s.acr, "expires_at": s.expires_at}))
        .collect();
    Ok(Json(json!({ "sessions": list })))
}

/// Sign out everywhere: every session and every refresh token of the user.
#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions", tag = "sessions", security(("api_key" = ["sessions:write"])), params(("id" = String, Path)),
    responses((status = 200, body = Object, description = "`{sessions_ended, refresh_grants_revoked}`"),
              (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn end_sessions(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    caller.needs("sessions:write")?;
    let user = existing_user(&state, &id).await?;
    let (sessions, grants) = crate::domain::admin::end_sessions(&state, caller.actor(), &user.id).await?;
    Ok(Json(json!({"sessions_ended": sessions, "refresh_grants_revoked": grants})))
}

/// Ends one session; its clients are told (back-channel logout).
#[utoipa::path(delete, path = "/api/v1/sessions/{id}", tag = "sessions", security(("api_key" = ["sessions:write"])), params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn end_session(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    caller.needs("sessions:write")?;
    crate::domain::signout::end_id(&state, &id, "api").await?.ok_or_else(Problem::not_found)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The applications a user consented to, newest first.
#[utoipa::path(get, path = "/api/v1/users/{id}/consents", tag = "sessions", security(("api_key" = ["users:read"])),
    params(("id" = String, Path)),
    responses((status = 200, body = Object, description = "`{consents: [{client_id, scopes, granted_at}]}`"),
              (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn consents(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    caller.needs("users:read")?;
    let user = existing_user(&state, &id).await?;
    let list = state.directory.consents_of_user(&user.id).await?;
    let list: Vec<Value> = list
        .iter()
        .map(|c| json!({"client_id": c.client_id, "scopes": c.scopes, "granted_at": c.granted_at}))
        .collect();
    Ok(Json(json!({ "consents": list })))
}

/// Takes a consent back; the client's refresh tokens for the user are revoked with it.
#[utoipa::path(delete, path = "/api/v1/users/{id}/consents/{client}", tag = "sessions",
    security(("api_key" = ["sessions:write"])), params(("id" = String, Path), ("client" = String, Path)),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn revoke_consent(
    State(state): State<Core>,
    caller: Caller,
    Path((id, client)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    caller.needs("sessions:write")?;
    let user = existing_user(&state, &id).await?;
    if !state.directory.revoke_consent(&user.id, &client, state.clock.now()).await? {
        return Err(Problem::not_found());
    }
    caller.audit(&state, Some(&user.id), "consent_revoked", json!({"client_id": client}));
    Ok(StatusCode::NO_CONTENT)
}

fn passkey_json(p: &crate::model::StoredPasskey) -> Value {
    json!({"id": p.cred_id, "name": p.name, "synced": p.backup_eligible, "created_at": p.created_at,
           "last_used_at": p.last_used_at})
}

/// A user's passkeys, oldest first: Tessera's own, then those made on applications' pages.
#[utoipa::path(get, path = "/api/v1/users/{id}/passkeys", tag = "devices", security(("api_key" = ["users:read"])), params(("id" = String, Path)),
    responses((status = 200, body = Object, description = "`{passkeys: [{id, name, synced, created_at, last_used_at}]}`"),
              (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn passkeys(
    State(state): State<Core>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    caller.needs("users:read")?;
    let user = existing_user(&state, &id).await?;
    let mut list = state.directory.passkeys_of_user(&user.id).await?;
    // Those made on the pages of applications whose users and RP id are Tessera's sign in here too.
    list.extend(crate::domain::embedded_passkeys::hosted::of_user(&state, &user.id).await?);
    Ok(Json(json!({ "passkeys": list.iter().map(passkey_json).collect::<Vec<_>>() })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Rename {
    name: String,
}

/// Renames a passkey.
#[utoipa::path(patch, path = "/api/v1/users/{id}/passkeys/{cred}", tag = "devices", security(("api_key" = ["devices:write"])),
    params(("id" = String, Path), ("cred" = String, Path, description = "credential id")), request_body = Rename,
    responses((status = 200, body = Object, description = "`{id, name}`"), (status = 400, body = ProblemBody),
              (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn rename_passkey(
    State(state): State<Core>,
    caller: Caller,
    Path((id, cred)): Path<(String, String)>,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    caller.needs("devices:write")?;
    let rename: Rename = body(&bytes)?;
    if rename.name.trim().is_empty() {
        return Err(Problem::bad("name", "must not be empty"));
    }
    let name = crate::domain::passkeys::clean_name(&rename.name);
    let user = existing_user(&state, &id).await?;
    if !state.directory.rename_passkey(&user.id, &cred, &name).await? {
        return Err(Problem::not_found());
    }
    Ok(Json(json!({"id": cred, "name": name})))
}

/// Revokes a passkey.
#[utoipa::path(delete, path = "/api/v1/users/{id}/passkeys/{cred}", tag = "devices", security(("api_key" = ["devices:write"])),
    params(("id" = String, Path), ("cred" = String, Path, description = "credential id")),
    responses((status = 204), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn remove_passkey(
    State(state): State<Core>,
    caller: Caller,
    Path((id, cred)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    caller.needs("devices:write")?;
    let user = existing_user(&state, &id).await?;
    if !crate::domain::admin::remove_passkey(&state, caller.actor(), &user.id, &cred).await? {
        return Err(Problem::not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TicketRequest {
    user_id: String,
    username: Option<String>,
    ttl: Option<u64>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    options: Option<crate::domain::passkeys::RegisterOptions>,
}

/// A single-use passkey registration ticket (as Passwordless.dev's `register/token`).
#[utoipa::path(post, path = "/api/v1/passkey-tickets", tag = "devices", security(("api_key" = ["users:write"])), request_body = TicketRequest,
    responses((status = 201, body = Object, description = "`{ticket, url}`"), (status = 400, body = ProblemBody),
              (status = 403, body = ProblemBody), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
pub(super) async fn passkey_ticket(
    State(state): State<Core>,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<Response, Problem> {
    caller.needs("users:write")?;
    let r: TicketRequest = body(&bytes)?;
    let user = existing_user(&state, &r.user_id).await?;
    let options = r.options.unwrap_or_default();
    let ttl = r.ttl.unwrap_or(900);
    let made = match access::passkey_ticket(&state, caller.actor(), &user, r.username.as_deref(), options, ttl) {
        Ok(made) => made,
        Err(off @ TicketRefused::PasskeysOff) => {
            return Err(Problem::new(StatusCode::CONFLICT, "passkeys_off", off.to_string()));
        }
        Err(TicketRefused::Invalid(why)) => return Err(Problem::bad("ticket", &why)),
    };
    Ok((StatusCode::CREATED, Json(json!({"ticket": made.ticket, "url": made.url}))).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct LinkRequest {
    email: Option<String>,
    phone: Option<String>,
    user_id: Option<String>,
    client_id: String,
    redirect_uri: String,
    #[serde(rename = "type", default = "login_type")]
    kind: String,
    ttl: Option<u64>,
    lang: Option<String>,
    #[serde(default)]
    send: bool,
}

fn login_type() -> String {
    "login".into()
}

/// Whom a link is for: the user named by id (at their email address, else phone number), or the
/// owner of the address or number given — for a login link, created if new and sign-up is on.
async fn link_subject(state: &Core, r: &LinkRequest, kind: LinkType) -> Result<(User, Identifier), Problem> {
    match (&r.user_id, r.email.as_deref(), r.phone.as_deref()) {
        (Some(id), None, None) => {
            let user = existing_user(state, id).await?;
            let identifier = user
                .identifier()
                .ok_or_else(|| Problem::bad("user_id", "the user has no email address or phone number"))?;
            Ok((user, identifier))
        }
        (None, email, phone) => {
            let identifier = identifier(email, phone)?;
            let user = match state.directory.user_by_identifier(&identifier).await? {
                Some(user) => user,
                None if kind == LinkType::Login && state.config.login.signup => {
                    state.directory.create_user_with_identifier(&identifier, state.clock.now()).await?
                }
                None => return Err(Problem::not_found()),
            };
            Ok((user, identifier))
        }
        _ => Err(Problem::bad("user_id", "give one of user_id, email or phone")),
    }
}

/// A magic link (as Passage's `createMagicLink`): returned, or sent by Tessera.
#[utoipa::path(post, path = "/api/v1/magic-links", tag = "links", security(("api_key" = ["links:write"])), request_body = LinkRequest,
    responses((status = 201, body = Object, description = "`{url, user_id}`"),
              (status = 202, body = Object, description = "`{sent: true, user_id}` when `send` is true"),
              (status = 400, body = ProblemBody), (status = 403, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(super) async fn magic_link(
    State(state): State<Core>,
    caller: Caller,
    bytes: axum::body::Bytes,
) -> Result<Response, Problem> {
    caller.needs("links:write")?;
    let r: LinkRequest = body(&bytes)?;
    let kind: LinkType = r.kind.parse().map_err(|why: String| Problem::bad("type", &why))?;
    let (user, identifier) = link_subject(&state, &r, kind).await?;
    let client = state.client(&r.client_id).await?.ok_or_else(|| Problem::bad("client_id", "no such client"))?;
    let order = LinkOrder {
        user: &user,
        identifier,
        client: &client,
        redirect_uri: &r.redirect_uri,
        kind,
        lang: r.lang.as_deref().unwrap_or("en"),
        ttl: r.ttl.unwrap_or(900),
        send: r.send,
    };
    let url =
        access::magic_link(&state, caller.actor(), order).map_err(|why| Problem::bad(why.field(), &why.to_string()))?;
    if !r.send {
        return Ok((StatusCode::CREATED, Json(json!({"url": url, "user_id": user.id.0}))).into_response());
    }
    Ok((StatusCode::ACCEPTED, Json(json!({"sent": true, "user_id": user.id.0}))).into_response())
}
