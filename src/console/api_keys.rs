//! The console's management API keys: every key (live or revoked) with its scopes, making one
//! with a name and scopes chosen from the known ones (the key itself is shown once, on the page
//! that answers the form), and revoking one after a confirmation; each through
//! `domain::admin::api_keys`.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::form;
use super::user_page::not_found;
use super::users::name;
use super::{Confirm, Operator, html};
use crate::dates;
use crate::domain::admin::api_keys::{self, KeyRefused, NewKey};
use crate::i18n::AcceptLanguage;
use crate::model::{API_SCOPES, ApiKey};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::Ui;

pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub scopes: String,
    pub created: String,
    /// When it was revoked; `None`: live.
    pub revoked: Option<String>,
}

pub struct ScopeChoice {
    pub scope: &'static str,
    /// The checkbox's name and id: `scope-users-read`.
    pub field: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "console/api_keys.html")]
struct ApiKeysPage<'a> {
    ui: Ui<'a>,
    nav: &'static str,
    operator: String,
    csrf: String,
    keys: Vec<KeyRow>,
    scopes: Vec<ScopeChoice>,
    /// The form's name, kept when the form is refused.
    name: String,
    /// A refused form's field (`key-name` or `scopes`) and message key.
    problem: Option<(&'static str, &'static str)>,
    notice: Option<&'static str>,
    /// The key just made: its name and the key itself, shown this once.
    made: Option<(String, String)>,
    max_name: usize,
}

impl ApiKeysPage<'_> {
    /// The message of a refusal about `field`, as a catalog key.
    fn error(&self, field: &str) -> Option<&'static str> {
        self.problem.filter(|(f, _)| *f == field).map(|(_, key)| key)
    }
}

fn field(scope: &str) -> String {
    format!("scope-{}", scope.replace(':', "-"))
}

fn row(ui: &Ui<'_>, k: ApiKey) -> KeyRow {
    KeyRow {
        created: dates::date(ui.tr, k.created_at),
        revoked: k.revoked_at.map(|t| dates::date(ui.tr, t)),
        scopes: k.scopes.join(" "),
        id: k.id,
        name: k.name,
    }
}

/// The page, with the form as it was posted (or blank), and what happened.
async fn render(
    state: &AppState,
    op: &Operator,
    accept: &AcceptLanguage,
    posted: Option<&Params>,
    problem: Option<(&'static str, &'static str)>,
    notice: Option<&'static str>,
    made: Option<(String, String)>,
) -> Result<Response, PageError> {
    let ui = state.ui(None, accept, None);
    let mut keys = state.directory.api_keys().await?;
    keys.sort_by_key(|k| (k.revoked_at.is_some(), std::cmp::Reverse(k.created_at)));
    let keys = keys.into_iter().map(|k| row(&ui, k)).collect();
    let scopes = API_SCOPES
        .iter()
        .map(|&scope| ScopeChoice {
            scope,
            field: field(scope),
            checked: made.is_none() && posted.is_some_and(|p| p.get(&field(scope)) == Some("1")),
        })
        .collect();
    let typed = if made.is_some() { "" } else { posted.and_then(|p| p.get("name")).unwrap_or("") };
    let page = ApiKeysPage {
        nav: "api_keys",
        operator: name(&op.user),
        csrf: op.csrf.clone(),
        name: typed.to_string(),
        max_name: api_keys::MAX_NAME,
        keys,
        scopes,
        problem,
        notice,
        made,
        ui,
    };
    form::refused_if(problem.is_some(), html(page)?)
}

pub async fn page(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw.unwrap_or_default().as_bytes());
    let notice = (params.get("n") == Some("revoked")).then_some("console_keys.notice_revoked");
    render(&state, &op, &accept, None, None, notice, None).await
}

/// Makes a key and answers with the page showing it, this once (the page is never stored:
/// every HTML answer is `no-store`).
pub async fn create(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let posted = form::read(&op, &body)?;
    let chosen: Vec<String> =
        API_SCOPES.iter().filter(|s| posted.get(&field(s)) == Some("1")).map(|s| s.to_string()).collect();
    let typed = posted.get("name").unwrap_or("");
    match api_keys::create(&state, op.actor(), typed, &chosen).await? {
        Ok(NewKey { record, secret }) => {
            let made = Some((record.name, secret));
            render(&state, &op, &accept, Some(&posted), None, Some("console_keys.notice_created"), made).await
        }
        Err(why) => {
            let problem = match why {
                KeyRefused::NoName => ("key-name", "console_keys.name_missing"),
                KeyRefused::LongName => ("key-name", "console_keys.name_long"),
                KeyRefused::NoScopes | KeyRefused::UnknownScope(_) => ("scopes", "console_keys.scopes_missing"),
            };
            render(&state, &op, &accept, Some(&posted), Some(problem), None, None).await
        }
    }
}

/// Revokes a key once the operator has confirmed it.
pub async fn revoke(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = form::read(&op, &body)?;
    let id = form.get("id").unwrap_or("");
    let keys = state.directory.api_keys().await?;
    let key = keys.iter().find(|k| k.id == id && k.revoked_at.is_none()).ok_or_else(not_found)?;
    if form.get("confirm") != Some("1") {
        let ui = state.ui(None, &accept, None);
        let page = Confirm {
            nav: "api_keys",
            operator: name(&op.user),
            csrf: op.csrf.clone(),
            title: "console_keys.revoke_title",
            question: ui.f("console_keys.revoke_question", &[("name", &key.name), ("id", &key.id)]),
            action: "/console/api-keys/revoke".into(),
            fields: vec![("id", key.id.clone())],
            button: "console_keys.revoke",
            back: "/console/api-keys".into(),
            ui,
        };
        return html(page);
    }
    if !api_keys::revoke(&state, op.actor(), id).await? {
        return Err(not_found());
    }
    Ok(Redirect::to("/console/api-keys?n=revoked").into_response())
}
