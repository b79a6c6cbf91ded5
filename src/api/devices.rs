//! The management API's view of one user's access: sessions (list, end one, end all),
//! passkeys (list, rename, remove), passkey registration tickets and magic links.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Caller, Problem, identifier};
use crate::model::{User, UserId};
use crate::state::AppState;

async fn existing_user(state: &AppState, id: &str) -> Result<User, Problem> {
    state.directory.user(&UserId(id.to_string())).await?.ok_or_else(Problem::not_found)
}

pub(super) async fn sessions(
    State(state): State<AppState>,
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
pub(super) async fn end_sessions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    caller.needs("sessions:write")?;
    let user = existing_user(&state, &id).await?;
    let (sessions, grants) = crate::oauth::logout::end_all(&state, &user.id, "api").await?;
    Ok(Json(json!({"sessions_ended": sessions, "refresh_grants_revoked": grants})))
}

pub(super) async fn end_session(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    caller.needs("sessions:write")?;
    crate::oauth::logout::end_id(&state, &id, "api").await?.ok_or_else(Problem::not_found)?;
    Ok(StatusCode::NO_CONTENT)
}

fn passkey_json(p: &crate::model::StoredPasskey) -> Value {
    json!({"id": p.cred_id, "name": p.name, "synced": p.backup_eligible, "created_at": p.created_at,
           "last_used_at": p.last_used_at})
}

pub(super) async fn passkeys(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    caller.needs("users:read")?;
    let user = existing_user(&state, &id).await?;
    let list = state.directory.passkeys_of_user(&user.id).await?;
    Ok(Json(json!({ "passkeys": list.iter().map(passkey_json).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
struct Rename {
    name: String,
}

pub(super) async fn rename_passkey(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, cred)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    caller.needs("devices:write")?;
    let rename: Rename = serde_json::from_slice(&body).map_err(|e| Problem::bad("name", &e.to_string()))?;
    if rename.name.trim().is_empty() {
        return Err(Problem::bad("name", "must not be empty"));
    }
    let name = crate::passkeys::clean_name(&rename.name);
    let user = existing_user(&state, &id).await?;
    if !state.directory.rename_passkey(&user.id, &cred, &name).await? {
        return Err(Problem::not_found());
    }
    Ok(Json(json!({"id": cred, "name": name})))
}

pub(super) async fn remove_passkey(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, cred)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    caller.needs("devices:write")?;
    let user = existing_user(&state, &id).await?;
    if !state.directory.delete_passkey(&user.id, &cred).await? {
        return Err(Problem::not_found());
    }
    state.audit(
        "passkey_removed",
        Some(&user.id),
        None,
        None,
        json!({"cred_id": cred, "by": "api", "key": caller.0.id}),
    );
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct TicketRequest {
    user_id: String,
    username: Option<String>,
    ttl: Option<u64>,
    #[serde(default)]
    options: Option<crate::passkeys::RegisterOptions>,
}

/// A single-use passkey registration ticket (as Passwordless.dev's `register/token`).
pub(super) async fn passkey_ticket(
    State(state): State<AppState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    caller.needs("users:write")?;
    if state.webauthn.is_none() {
        return Err(Problem::new(StatusCode::CONFLICT, "passkeys_off", "Passkeys are not available on this server."));
    }
    let r: TicketRequest = serde_json::from_slice(&body).map_err(|e| Problem::bad("body", &e.to_string()))?;
    let user = existing_user(&state, &r.user_id).await?;
    let username =
        r.username.or_else(|| user.email.as_ref().map(|e| e.as_str().to_string())).unwrap_or_else(|| user.id.0.clone());
    let options = r.options.unwrap_or_default();
    let ticket = crate::passkeys::tickets::mint(
        &state.keys(),
        state.issuer(),
        &user.id,
        &username,
        options,
        r.ttl.unwrap_or(900),
        state.clock.now(),
    )
    .map_err(|why| Problem::bad("ticket", &why))?;
    let url = state.url(&format!("/passkeys/register?ticket={ticket}"));
    Ok((StatusCode::CREATED, Json(json!({"ticket": ticket, "url": url}))).into_response())
}

#[derive(Deserialize)]
struct LinkRequest {
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

/// A magic link (as Passage's `createMagicLink`): returned, or sent by Tessera.
pub(super) async fn magic_link(
    State(state): State<AppState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    use crate::magic_links::{LinkType, Request};
    caller.needs("links:write")?;
    let r: LinkRequest = serde_json::from_slice(&body).map_err(|e| Problem::bad("body", &e.to_string()))?;
    let kind: LinkType = r.kind.parse().map_err(|why: String| Problem::bad("type", &why))?;
    let (user, identifier) = match (&r.user_id, r.email.as_deref(), r.phone.as_deref()) {
        (Some(id), None, None) => {
            let user = existing_user(&state, id).await?;
            let identifier = user
                .identifier()
                .ok_or_else(|| Problem::bad("user_id", "the user has no email address or phone number"))?;
            (user, identifier)
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
            (user, identifier)
        }
        _ => return Err(Problem::bad("user_id", "give one of user_id, email or phone")),
    };
    let client = state.client(&r.client_id).await?.ok_or_else(|| Problem::bad("client_id", "no such client"))?;
    let request = Request {
        user: &user,
        identifier: identifier.clone(),
        client: &client,
        redirect_uri: &r.redirect_uri,
        kind,
        lang: r.lang.as_deref().unwrap_or("en"),
        ttl: r.ttl.unwrap_or(900),
    };
    let url =
        crate::magic_links::mint(&state.keys(), state.issuer(), state.config.base_url(), request, state.clock.now())
            .map_err(|why| Problem::bad("redirect_uri", &why))?;
    state.audit(
        "admin",
        Some(&user.id),
        Some(&client.id),
        None,
        json!({"action": "magic_link_created", "via": "api", "key": caller.0.id}),
    );
    if !r.send {
        return Ok((StatusCode::CREATED, Json(json!({"url": url, "user_id": user.id.0}))).into_response());
    }
    crate::login::deliver_in_background(
        &state,
        identifier,
        None,
        Some(url),
        client.name.clone(),
        Some(client.id.clone()),
    );
    Ok((StatusCode::ACCEPTED, Json(json!({"sent": true, "user_id": user.id.0}))).into_response())
}
