//! One user's page in the console: identifiers, metadata, sessions, passkeys, consents, linked
//! identities, the ten latest events, and the forms of every action on the user. Rendered for a
//! `GET`, and again with a message when one of its forms was refused.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;

use super::user_access::{self, Access};
use super::users::{name, status_key};
use super::{Operator, html};
use crate::dates;
use crate::i18n::AcceptLanguage;
use crate::model::{AuditQuery, User, UserId};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::Ui;

pub struct SessionRow {
    pub device: String,
    pub line: String,
}

pub struct PasskeyRow {
    pub cred_id: String,
    pub name: String,
    pub line: String,
}

pub struct EventRow {
    pub at: String,
    pub kind: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "console/user.html")]
struct UserPage<'a> {
    ui: Ui<'a>,
    nav: &'static str,
    operator: String,
    csrf: String,
    id: String,
    name: String,
    user: User,
    status: &'static str,
    created: String,
    last_login: String,
    metadata: String,
    sessions: Vec<SessionRow>,
    passkeys: Vec<PasskeyRow>,
    consents: Vec<(String, String)>,
    events: Vec<EventRow>,
    notice: Option<&'static str>,
    /// What the operator can hand the user (links, a ticket) and their linked identities.
    access: Access,
    /// A refused form's message, as a catalog key.
    problem: Option<Problem>,
}

/// Why a form on the page was refused: the field at fault (its `id`) and the message's key.
#[derive(Clone, Copy, Debug)]
pub struct Problem {
    pub field: &'static str,
    pub key: &'static str,
}

impl UserPage<'_> {
    /// The message of a refused form about `field`, as a catalog key.
    fn error(&self, field: &str) -> Option<&'static str> {
        self.problem.filter(|p| p.field == field).map(|p| p.key)
    }
}

/// The notice named by `?n=`, as a catalog key: nothing from the URL is echoed.
fn notice(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "ended" => Some("console.notice_ended"),
        "deactivated" => Some("console.notice_deactivated"),
        "activated" => Some("console.notice_activated"),
        "removed" => Some("console.notice_removed"),
        "link_sent" => Some("console_keys.notice_link_sent"),
        "unlinked" => Some("console_keys.notice_unlinked"),
        _ => None,
    }
}

pub(super) async fn existing(state: &AppState, id: &str) -> Result<User, PageError> {
    state.directory.user(&UserId(id.to_string())).await?.ok_or_else(not_found)
}

pub(super) fn not_found() -> PageError {
    PageError::new(axum::http::StatusCode::NOT_FOUND, "error.not_found_title", "error.not_found_message")
}

pub async fn detail(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw.unwrap_or_default().as_bytes());
    let user = existing(&state, &id).await?;
    render(&state, &op, &accept, user, notice(params.get("n")), None).await
}

/// The page of `user`, with a notice of what was done or the problem of a refused form.
pub(super) async fn render(
    state: &AppState,
    op: &Operator,
    accept: &AcceptLanguage,
    user: User,
    notice: Option<&'static str>,
    problem: Option<Problem>,
) -> Result<Response, PageError> {
    let ui = state.ui(None, accept, None);
    let now = state.clock.now();
    let sessions = state.directory.sessions_of_user(&user.id, now).await?;
    let sessions = sessions
        .iter()
        .map(|s| SessionRow {
            device: ui.device(&s.user_agent),
            line: ui.f(
                "console.session_line",
                &[
                    ("date", &dates::date(ui.tr, s.auth_time)),
                    ("method", ui.t(crate::web::ui::sign_in_method(s))),
                    ("ago", &dates::ago(ui.tr, s.last_seen, now)),
                ],
            ),
        })
        .collect();
    let passkeys = state.directory.passkeys_of_user(&user.id).await?;
    let passkeys = passkeys
        .into_iter()
        .map(|p| PasskeyRow {
            line: ui.f("console.passkey_line", &[("added", &dates::date(ui.tr, p.created_at))]),
            cred_id: p.cred_id,
            name: p.name,
        })
        .collect();
    let mut consents = vec![];
    for c in state.directory.consents_of_user(&user.id).await? {
        let app = state.client(&c.client_id).await?.map_or_else(|| c.client_id.clone(), |c| c.name.clone());
        consents.push((app, c.scopes.join(" ")));
    }
    let query = AuditQuery { user_id: Some(user.id.0.clone()), limit: 10, ..Default::default() };
    let events = state.directory.audit_events(&query).await?;
    let events = events
        .into_iter()
        .map(|e| EventRow { at: dates::date(ui.tr, e.at), kind: e.kind, detail: e.detail.to_string() })
        .collect();
    let page = UserPage {
        nav: "users",
        operator: name(&op.user),
        csrf: op.csrf.clone(),
        id: user.id.0.clone(),
        name: name(&user),
        status: status_key(&user),
        created: dates::date(ui.tr, user.created_at),
        last_login: user.last_login_at.map_or_else(|| ui.t("console.never").to_string(), |t| dates::date(ui.tr, t)),
        metadata: serde_json::to_string_pretty(&user.metadata).unwrap_or_default(),
        access: user_access::of(state, &ui, &user).await?,
        notice,
        problem,
        sessions,
        passkeys,
        consents,
        events,
        user,
        ui,
    };
    let mut response = html(page)?;
    if problem.is_some() {
        *response.status_mut() = axum::http::StatusCode::BAD_REQUEST;
    }
    Ok(response)
}
