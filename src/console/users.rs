//! The console's users: search by identifier or id, filter by status, page through; and the
//! changes an operator makes to one (end sessions, deactivate, activate, remove a passkey,
//! delete), each through `domain::admin` as the management API makes them. One user's page is
//! `user_page`; the access handed to them, `user_access`.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::user_page::{existing, not_found};
use super::{Operator, form, html};
use crate::dates;
use crate::domain::admin;
use crate::i18n::AcceptLanguage;
use crate::model::{Email, Identifier, Phone, User, UserId, UserQuery};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::Ui;

const PAGE: u32 = 50;

pub struct UserRow {
    pub id: String,
    /// The email address, else the phone number, else the id.
    pub name: String,
    pub status: &'static str,
    pub created: String,
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage<'a> {
    ui: Ui<'a>,
    nav: &'static str,
    operator: String,
    q: String,
    status: String,
    users: Vec<UserRow>,
    /// Why the search found nothing it could look for: a catalog key.
    problem: Option<&'static str>,
    notice: Option<&'static str>,
    next: Option<String>,
}

pub(super) fn status_key(user: &User) -> &'static str {
    if user.active { "console.active" } else { "console.deactivated" }
}

fn row(ui: &Ui<'_>, user: &User) -> UserRow {
    UserRow {
        id: user.id.0.clone(),
        name: user.identifier().map_or_else(|| user.id.0.clone(), |i| i.as_str().to_string()),
        status: status_key(user),
        created: dates::date(ui.tr, user.created_at),
    }
}

/// What the search box holds: an email address, a phone number (starting with `+`), or a user id.
fn find(q: &str) -> Result<Result<Identifier, UserId>, &'static str> {
    if q.contains('@') {
        return q.parse::<Email>().map(|e| Ok(Identifier::Email(e))).map_err(|_| "console.search_invalid");
    }
    if q.starts_with('+') {
        return Phone::parse(q, None).map(|p| Ok(Identifier::Phone(p))).map_err(|_| "console.search_invalid");
    }
    Ok(Err(UserId(q.to_string())))
}

pub async fn list(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw.unwrap_or_default().as_bytes());
    let ui = state.ui(None, &accept, None);
    let q = params.get("q").map(str::trim).unwrap_or("").to_string();
    let status = params.get("status").unwrap_or("").to_string();
    let active = match status.as_str() {
        "active" => Some(true),
        "deactivated" => Some(false),
        _ => None,
    };
    let query = UserQuery { after: params.get("after").map(str::to_owned), limit: PAGE, active, ..Default::default() };
    let (mut problem, mut next) = (None, None);
    let found = if q.is_empty() {
        let page = state.directory.users(&query).await?;
        next = (page.len() == PAGE as usize).then(|| page.last().map(|u| u.id.0.clone())).flatten();
        page
    } else {
        let found = match find(&q) {
            Ok(Ok(identifier)) => state.directory.user_by_identifier(&identifier).await?,
            Ok(Err(id)) => state.directory.user(&id).await?,
            Err(why) => {
                problem = Some(why);
                None
            }
        };
        found.into_iter().filter(|u| query.admits(u)).collect()
    };
    let users = found.iter().map(|u| row(&ui, u)).collect();
    let page = UsersPage {
        nav: "users",
        operator: name(&op.user),
        notice: (params.get("n") == Some("deleted")).then_some("console.notice_deleted"),
        ui,
        q,
        status,
        users,
        problem,
        next,
    };
    html(page)
}

/// How the console names a user: the email address, else the phone number, else the id.
pub fn name(user: &User) -> String {
    user.identifier().map_or_else(|| user.id.0.clone(), |i| i.as_str().to_string())
}

pub(super) fn back(id: &str, notice: &str) -> Response {
    Redirect::to(&format!("/console/users/{}?n={notice}", urlencoding(id))).into_response()
}

/// A user id in a path: base64url already, but anything else is escaped rather than trusted.
pub(super) fn urlencoding(id: &str) -> String {
    form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

pub async fn end_sessions(
    State(state): State<AppState>,
    op: Operator,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    form::read(&op, &body)?;
    let user = existing(&state, &id).await?;
    admin::end_sessions(&state, op.actor(), &user.id).await?;
    Ok(back(&id, "ended"))
}

async fn set_active(
    state: &AppState,
    op: &Operator,
    id: &str,
    body: &[u8],
    active: bool,
) -> Result<Response, PageError> {
    form::read(op, body)?;
    if !admin::set_active(state, op.actor(), &UserId(id.to_string()), active).await? {
        return Err(not_found());
    }
    Ok(back(id, if active { "activated" } else { "deactivated" }))
}

pub async fn deactivate(
    State(state): State<AppState>,
    op: Operator,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    set_active(&state, &op, &id, &body, false).await
}

pub async fn activate(
    State(state): State<AppState>,
    op: Operator,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    set_active(&state, &op, &id, &body, true).await
}

pub async fn remove_passkey(
    State(state): State<AppState>,
    op: Operator,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = form::read(&op, &body)?;
    let user = existing(&state, &id).await?;
    if !admin::remove_passkey(&state, op.actor(), &user.id, form.get("passkey").unwrap_or("")).await? {
        return Err(not_found());
    }
    Ok(back(&id, "removed"))
}

pub async fn delete(
    State(state): State<AppState>,
    op: Operator,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = form::read(&op, &body)?;
    // The page asks to tick "I understand" first; without it nothing happens.
    if form.get("confirm") != Some("1") {
        return Ok(back(&id, ""));
    }
    if !admin::delete_user(&state, op.actor(), &UserId(id)).await? {
        return Err(not_found());
    }
    Ok(Redirect::to("/console/users?n=deleted").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_box_takes_an_address_a_number_or_an_id_and_names_what_it_cannot_read() {
        assert!(matches!(find("Ada@Example.com"), Ok(Ok(Identifier::Email(e))) if e.as_str() == "ada@example.com"));
        assert!(matches!(find("+44 7911 123456"), Ok(Ok(Identifier::Phone(_)))));
        assert!(matches!(find("u_123"), Ok(Err(UserId(id))) if id == "u_123"));
        assert_eq!(find("not@an address").unwrap_err(), "console.search_invalid");
        assert_eq!(find("+12").unwrap_err(), "console.search_invalid");
    }
}
