//! The console's signing keys: the schedule of every key in the keys folder (algorithm, kid,
//! state, when it was made, signs, stops signing and leaves the JWKS), rotating in new keys
//! (after the lead time, or at once) and retiring a key after a confirmation; each through
//! `domain::admin::signing_keys` as `tessera keys rotate|retire` does it.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::form;
use super::users::name;
use super::{Confirm, Operator, html};
use crate::dates;
use crate::domain::admin::signing_keys::{self, RetireRefused, Start};
use crate::domain::keys::KeyState;
use crate::i18n::AcceptLanguage;
use crate::model::SigningAlg;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::Ui;

pub struct KeyRow {
    pub alg: &'static str,
    pub kid: String,
    /// A catalog key: next, active or retired.
    pub state: &'static str,
    pub created: String,
    pub signs_from: String,
    pub stops: String,
    pub unpublished: String,
    /// Whether it may be retired: it does not sign now and is not retired yet.
    pub retirable: bool,
}

#[derive(Template)]
#[template(path = "console/keys.html")]
struct KeysPage<'a> {
    ui: Ui<'a>,
    nav: &'static str,
    operator: String,
    csrf: String,
    keys: Vec<KeyRow>,
    algs: [&'static str; 3],
    /// The rotation lead time, in words.
    lead: String,
    jwks: String,
    notice: Option<&'static str>,
    /// A refused form's field id and message key.
    problem: Option<(&'static str, &'static str)>,
}

impl KeysPage<'_> {
    /// The message of a refusal about `field`, as a catalog key.
    fn error(&self, field: &str) -> Option<&'static str> {
        self.problem.filter(|(f, _)| *f == field).map(|(_, key)| key)
    }
}

fn state_key(state: KeyState) -> &'static str {
    match state {
        KeyState::Next => "console_keys.state_next",
        KeyState::Active => "console_keys.state_active",
        KeyState::Retired => "console_keys.state_retired",
    }
}

fn notice(key: Option<&str>) -> Option<&'static str> {
    match key? {
        "rotated" => Some("console_keys.notice_rotated"),
        "rotated_now" => Some("console_keys.notice_rotated_now"),
        "retired" => Some("console_keys.notice_retired"),
        _ => None,
    }
}

async fn render(
    state: &AppState,
    op: &Operator,
    accept: &AcceptLanguage,
    notice: Option<&'static str>,
    problem: Option<(&'static str, &'static str)>,
) -> Result<Response, PageError> {
    let ui = state.ui(None, accept, None);
    let ring = state.keys();
    let when =
        |t: Option<i64>| t.map_or_else(|| ui.t("console_keys.not_scheduled").to_string(), |t| dates::date(ui.tr, t));
    let or = |t: i64, none: &str| if t > 0 { dates::date(ui.tr, t) } else { ui.t(none).to_string() };
    let keys = ring
        .schedule()
        .iter()
        .map(|s| KeyRow {
            alg: s.key.alg.as_str(),
            kid: s.key.kid.clone(),
            state: state_key(s.state),
            // A key placed in the folder without a schedule entry has neither date.
            created: or(s.entry.created, "console_keys.not_recorded"),
            signs_from: or(s.entry.activates, "console_keys.from_start"),
            stops: when(s.stops_signing),
            unpublished: when(s.unpublished_at),
            retirable: s.state == KeyState::Next,
        })
        .collect();
    let page = KeysPage {
        nav: "keys",
        operator: name(&op.user),
        csrf: op.csrf.clone(),
        keys,
        algs: SigningAlg::ALL.map(SigningAlg::as_str),
        lead: ui.tr.duration(state.config.key_rotation_lead_secs),
        jwks: state.url("/jwks"),
        notice,
        problem,
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
    render(&state, &op, &accept, notice(params.get("n")), None).await
}

/// Rotates in a new key for one algorithm, or for each.
pub async fn rotate(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = form::read(&op, &body)?;
    let algs: Vec<SigningAlg> = match form.get("alg") {
        Some("all") => SigningAlg::ALL.to_vec(),
        Some(alg) => match alg.parse() {
            Ok(alg) => vec![alg],
            Err(_) => return render(&state, &op, &accept, None, Some(("alg", "console_keys.alg_invalid"))).await,
        },
        None => return render(&state, &op, &accept, None, Some(("alg", "console_keys.alg_invalid"))).await,
    };
    let start = match form.get("start") {
        Some("lead") => Start::AfterLead,
        Some("now") => Start::Now,
        _ => return render(&state, &op, &accept, None, Some(("start-lead", "console_keys.start_invalid"))).await,
    };
    if let Err(e) = signing_keys::rotate(&state, op.actor(), &algs, start) {
        tracing::error!(error = %e, "signing keys not rotated");
        return render(&state, &op, &accept, None, Some(("alg", "console_keys.folder_failed"))).await;
    }
    let done = if start == Start::Now { "rotated_now" } else { "rotated" };
    Ok(Redirect::to(&format!("/console/keys?n={done}")).into_response())
}

/// Retires a key once the operator has confirmed it.
pub async fn retire(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = form::read(&op, &body)?;
    let kid = form.get("kid").unwrap_or("");
    if form.get("confirm") != Some("1") {
        let ui = state.ui(None, &accept, None);
        let page = Confirm {
            nav: "keys",
            operator: name(&op.user),
            csrf: op.csrf.clone(),
            title: "console_keys.retire_title",
            question: ui.f("console_keys.retire_question", &[("kid", kid)]),
            action: "/console/keys/retire".into(),
            fields: vec![("kid", kid.to_string())],
            button: "console_keys.retire",
            back: "/console/keys".into(),
            ui,
        };
        return html(page);
    }
    let problem = match signing_keys::retire(&state, op.actor(), kid) {
        Ok(_) => return Ok(Redirect::to("/console/keys?n=retired").into_response()),
        Err(RetireRefused::NoSuchKey) => "console_keys.retire_unknown",
        Err(RetireRefused::Retired) => "console_keys.retire_retired",
        Err(RetireRefused::OnlySigner) => "console_keys.retire_signing",
        Err(RetireRefused::Folder(e)) => {
            tracing::error!(error = %e, "signing key not retired");
            "console_keys.folder_failed"
        }
    };
    render(&state, &op, &accept, None, Some(("keys", problem))).await
}
