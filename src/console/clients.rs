//! The console's clients: the list (the configuration file's, read-only, then those registered
//! at run time), registering one, a client's page to edit it, a new secret, and deleting it. A
//! generated secret is shown in the answer to the post that made it, that once, never stored
//! in clear. Every change is `domain::registry::clients`', as the management API makes it.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::client_form::{apply, blank, fields};
use super::form::{self, Field, not_found, page_error, place, refused_if, segment};
use super::users::name;
use super::{Operator, html};
use crate::config::ClientConfig;
use crate::domain::registry::Refusal;
use crate::domain::registry::clients::{self, spec_of};
use crate::i18n::AcceptLanguage;
use crate::model::Client;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::Ui;

pub struct ClientRow {
    pub href: String,
    pub id: String,
    pub name: String,
    pub method: String,
    /// Catalog key: declared in the configuration file, or registered here or by the API.
    pub source: &'static str,
}

#[derive(Template)]
#[template(path = "console/clients.html")]
struct ClientsPage<'a> {
    ui: Ui<'a>,
    nav: &'static str,
    operator: String,
    csrf: String,
    clients: Vec<ClientRow>,
    fields: Vec<Field>,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "console/client.html")]
struct ClientPage<'a> {
    ui: Ui<'a>,
    nav: &'static str,
    operator: String,
    csrf: String,
    id: String,
    /// `id` as a path segment.
    path: String,
    name: String,
    /// Declared in the configuration file: shown, not editable.
    read_only: bool,
    has_secret: bool,
    /// A secret this answer shows, its only time.
    secret: Option<String>,
    fields: Vec<Field>,
    error: Option<String>,
    notice: Option<&'static str>,
}

fn row(client: &Client, source: &'static str) -> ClientRow {
    ClientRow {
        href: format!("/console/clients/{}", segment(&client.id)),
        id: client.id.clone(),
        name: client.name.clone(),
        method: client.auth_method.as_str().into(),
        source,
    }
}

async fn list_page(
    state: &AppState,
    op: &Operator,
    ui: Ui<'_>,
    fields: Vec<Field>,
    error: Option<String>,
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    let mut clients: Vec<ClientRow> = state
        .config
        .clients
        .iter()
        .map(|c| row(&crate::domain::clients::from_config(c), "console_clients.source_config"))
        .collect();
    clients.extend(state.directory.clients().await?.iter().map(|c| row(c, "console_clients.source_registered")));
    let invalid = fields.iter().any(|f| f.error.is_some()) || error.is_some();
    let page = ClientsPage {
        ui,
        nav: "clients",
        operator: name(&op.user),
        csrf: op.csrf.clone(),
        clients,
        fields,
        error,
        notice,
    };
    refused_if(invalid, html(page)?)
}

pub async fn list(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw.unwrap_or_default().as_bytes());
    let notice = (params.get("n") == Some("deleted")).then_some("console_clients.notice_deleted");
    list_page(&state, &op, state.ui(None, &accept, None), fields(&blank(), true), None, notice).await
}

pub async fn create(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = form::read(&op, &body)?;
    let ui = state.ui(None, &accept, None);
    let spec = apply(&form, blank(), true);
    match clients::create(&state, op.actor(), spec.clone()).await {
        Ok(made) => {
            let shown =
                Shown { secret: made.secret, notice: Some("console_clients.notice_created"), ..Shown::default() };
            client_page(op, ui, &made.client, shown)
        }
        Err(refusal) => {
            let mut fields = fields(&spec, true);
            let error = place(&ui, &mut fields, refusal)?;
            list_page(&state, &op, ui, fields, error, None).await
        }
    }
}

/// What a client's page shows beside the client: a fresh secret, a notice, a refused form.
#[derive(Default)]
struct Shown {
    secret: Option<String>,
    notice: Option<&'static str>,
    /// The refused form's fields, showing what was entered, and a message for no one field.
    form: Option<(Vec<Field>, Option<String>)>,
    read_only: bool,
}

fn client_page(op: Operator, ui: Ui<'_>, client: &Client, shown: Shown) -> Result<Response, PageError> {
    let (fields, error) = shown.form.unwrap_or_else(|| (fields(&spec_of(client), false), None));
    let invalid = fields.iter().any(|f| f.error.is_some()) || error.is_some();
    let with_secret = shown.secret.is_some();
    let page = ClientPage {
        ui,
        nav: "clients",
        operator: name(&op.user),
        csrf: op.csrf,
        id: client.id.clone(),
        path: segment(&client.id),
        name: client.name.clone(),
        read_only: shown.read_only,
        has_secret: client.secret_hash.is_some(),
        secret: shown.secret,
        fields,
        error,
        notice: shown.notice,
    };
    let mut response = refused_if(invalid, html(page)?)?;
    if with_secret {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

/// The notice named by `?n=`, as a catalog key: nothing from the URL is echoed.
fn notice(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "saved" => Some("console_clients.notice_saved"),
        "no_secret" => Some("console_clients.no_secret"),
        _ => None,
    }
}

pub async fn detail(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw.unwrap_or_default().as_bytes());
    let client = state.client(&id).await?.ok_or_else(not_found)?;
    let shown = Shown { read_only: state.is_static_client(&id), notice: notice(params.get("n")), ..Shown::default() };
    client_page(op, state.ui(None, &accept, None), &client, shown)
}

pub async fn save(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = form::read(&op, &body)?;
    let current = clients::stored(&state, &id).await.map_err(page_error)?;
    let spec: ClientConfig = apply(&form, spec_of(&current), false);
    let ui = state.ui(None, &accept, None);
    match clients::update(&state, op.actor(), &current, spec.clone()).await {
        Ok(made) if made.secret.is_some() => {
            let shown = Shown { secret: made.secret, notice: Some("console_clients.notice_saved"), ..Shown::default() };
            client_page(op, ui, &made.client, shown)
        }
        Ok(_) => Ok(Redirect::to(&format!("/console/clients/{}?n=saved", segment(&id))).into_response()),
        Err(refusal) => {
            let mut fields = fields(&spec, false);
            let error = place(&ui, &mut fields, refusal)?;
            client_page(op, ui, &current, Shown { form: Some((fields, error)), ..Shown::default() })
        }
    }
}

pub async fn rotate(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    form::read(&op, &body)?;
    match clients::new_secret(&state, op.actor(), &id).await {
        Ok(made) => {
            let shown =
                Shown { secret: made.secret, notice: Some("console_clients.notice_rotated"), ..Shown::default() };
            client_page(op, state.ui(None, &accept, None), &made.client, shown)
        }
        Err(Refusal::NoSecret) => {
            Ok(Redirect::to(&format!("/console/clients/{}?n=no_secret", segment(&id))).into_response())
        }
        Err(refusal) => Err(page_error(refusal)),
    }
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
        return Ok(Redirect::to(&format!("/console/clients/{}", segment(&id))).into_response());
    }
    clients::delete(&state, op.actor(), &id).await.map_err(page_error)?;
    Ok(Redirect::to("/console/clients?n=deleted").into_response())
}
