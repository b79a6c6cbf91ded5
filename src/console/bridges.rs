//! The console's bridges: the list (the configuration file's, read-only, then those registered
//! at run time), registering one, a bridge's page to edit it, and deleting it. The access key is
//! write-only: the page says whether one is set, never what it is. Every change is
//! `domain::registry::bridges`', as the management API makes it.

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::bridge_form::{apply, blank, entered, fields};
use super::form::{self, Field, not_found, page_error, place, refused_if, segment};
use super::users::name;
use super::{Operator, html};
use crate::config::BridgeConfig;
use crate::domain::registry::bridges;
use crate::i18n::AcceptLanguage;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::Ui;

pub struct BridgeRow {
    pub href: String,
    pub id: String,
    pub name: String,
    pub format: String,
    /// Catalog key: declared in the configuration file, or registered here or by the API.
    pub source: &'static str,
}

#[derive(Template)]
#[template(path = "console/bridges.html")]
struct BridgesPage<'a> {
    ui: Ui<'a>,
    nav: &'static str,
    operator: String,
    csrf: String,
    bridges: Vec<BridgeRow>,
    fields: Vec<Field>,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "console/bridge.html")]
struct BridgePage<'a> {
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
    key_set: bool,
    fields: Vec<Field>,
    error: Option<String>,
    notice: Option<&'static str>,
}

fn row(b: &BridgeConfig, source: &'static str) -> BridgeRow {
    BridgeRow {
        href: format!("/console/bridges/{}", segment(&b.id)),
        id: b.id.clone(),
        name: b.name.clone().unwrap_or_else(|| b.id.clone()),
        format: b.format.clone(),
        source,
    }
}

async fn list_page(
    state: &AppState,
    op: &Operator,
    ui: Ui<'_>,
    (fields, error): (Vec<Field>, Option<String>),
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    let mut rows: Vec<BridgeRow> =
        state.config.bridges.iter().map(|b| row(b, "console_clients.source_config")).collect();
    rows.extend(state.directory.bridges().await?.iter().map(|b| row(b, "console_clients.source_registered")));
    let invalid = fields.iter().any(|f| f.error.is_some()) || error.is_some();
    let page = BridgesPage {
        ui,
        nav: "bridges",
        operator: name(&op.user),
        csrf: op.csrf.clone(),
        bridges: rows,
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
    let notice = (params.get("n") == Some("deleted")).then_some("console_clients.notice_bridge_deleted");
    list_page(&state, &op, state.ui(None, &accept, None), (fields(&blank(), true), None), notice).await
}

pub async fn create(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = form::read(&op, &body)?;
    let bridge = apply(&form, blank(), true);
    match bridges::create(&state, op.actor(), &bridge).await {
        Ok(()) => Ok(Redirect::to(&format!("/console/bridges/{}?n=created", segment(&bridge.id))).into_response()),
        Err(refusal) => {
            let ui = state.ui(None, &accept, None);
            let mut fields = entered(&form, &bridge, true);
            let error = place(&ui, &mut fields, refusal)?;
            list_page(&state, &op, ui, (fields, error), None).await
        }
    }
}

fn bridge_page(
    op: Operator,
    ui: Ui<'_>,
    bridge: &BridgeConfig,
    read_only: bool,
    form: Option<(Vec<Field>, Option<String>)>,
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    let (fields, error) = form.unwrap_or_else(|| (fields(bridge, false), None));
    let invalid = fields.iter().any(|f| f.error.is_some()) || error.is_some();
    // Read-only, the key's field would say nothing; whether one is set is said apart.
    let fields = fields.into_iter().filter(|f| !read_only || f.name != "access_key").collect();
    let page = BridgePage {
        ui,
        nav: "bridges",
        operator: name(&op.user),
        csrf: op.csrf,
        id: bridge.id.clone(),
        path: segment(&bridge.id),
        name: bridge.name.clone().unwrap_or_else(|| bridge.id.clone()),
        read_only,
        key_set: bridge.access_key.is_some(),
        fields,
        error,
        notice,
    };
    refused_if(invalid, html(page)?)
}

/// The notice named by `?n=`, as a catalog key: nothing from the URL is echoed.
fn notice(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "created" => Some("console_clients.notice_bridge_created"),
        "saved" => Some("console_clients.notice_saved"),
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
    let bridge = state.bridge(&id).await?.ok_or_else(not_found)?;
    let read_only = bridges::configured(&state, &id).is_some();
    bridge_page(op, state.ui(None, &accept, None), &bridge, read_only, None, notice(params.get("n")))
}

pub async fn save(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = form::read(&op, &body)?;
    let current = bridges::stored(&state, &id).await.map_err(page_error)?;
    let bridge = apply(&form, current.clone(), false);
    match bridges::update(&state, op.actor(), &id, &bridge).await {
        Ok(()) => Ok(Redirect::to(&format!("/console/bridges/{}?n=saved", segment(&id))).into_response()),
        Err(refusal) => {
            let ui = state.ui(None, &accept, None);
            let mut fields = entered(&form, &bridge, false);
            let error = place(&ui, &mut fields, refusal)?;
            bridge_page(op, ui, &current, false, Some((fields, error)), None)
        }
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
        return Ok(Redirect::to(&format!("/console/bridges/{}", segment(&id))).into_response());
    }
    bridges::delete(&state, op.actor(), &id).await.map_err(page_error)?;
    Ok(Redirect::to("/console/bridges?n=deleted").into_response())
}
