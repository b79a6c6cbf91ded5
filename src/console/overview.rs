//! The console's overview: the last day from the audit events — sign-ins per hour by method,
//! failures by reason, codes and texts sent, rate-limit refusals — and the sessions live now.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::charts::{self, Series};
use super::{Operator, html};
use crate::i18n::AcceptLanguage;
use crate::model::{AuditEvent, AuditQuery};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::ui::Ui;

/// The most events a day's overview reads; past it, the page says its figures are partial.
const READ_AT_MOST: u32 = 20_000;

#[derive(Template)]
#[template(path = "console/overview.html")]
struct OverviewPage<'a> {
    ui: Ui<'a>,
    nav: &'static str,
    operator: String,
    sign_ins: Vec<Series>,
    sign_ins_chart: String,
    failures: Vec<(String, u64)>,
    failures_chart: String,
    sent: Vec<(String, u64)>,
    limited: Vec<(String, u64)>,
    /// Sign-ins, failures, codes sent and rate-limit refusals over the day.
    totals: [u64; 4],
    live_sessions: u64,
    partial: bool,
}

fn sum(list: &[(String, u64)]) -> u64 {
    list.iter().map(|(_, n)| n).sum()
}

impl OverviewPage<'_> {
    /// The hours of the chart's table, oldest first, as "−23 h" … "0 h".
    fn hour_label(&self, index: usize) -> String {
        format!("−{} h", charts::HOURS - 1 - index)
    }
}

/// `field` of the event's detail, for events of `kind`.
fn by<'a>(kind: &'a str, field: &'a str) -> impl Fn(&AuditEvent) -> Option<String> + 'a {
    move |e| (e.kind == kind).then(|| e.detail[field].as_str().unwrap_or("other").to_string())
}

pub async fn page(State(state): State<AppState>, op: Operator, accept: AcceptLanguage) -> Result<Response, PageError> {
    let now = state.clock.now();
    let query = AuditQuery { since: Some(now - 24 * 3600), limit: READ_AT_MOST, ..Default::default() };
    let events = state.directory.audit_events(&query).await?;
    let ui = state.ui(None, &accept, None);
    let none = ui.t("console.chart_none");
    let sign_ins = charts::hourly(&events, now, by("sign_in", "method"));
    let failures = charts::totals(&charts::hourly(&events, now, by("sign_in_failed", "reason")));
    let sent = charts::totals(&charts::hourly(&events, now, by("code_sent", "channel")));
    let limited = charts::totals(&charts::hourly(&events, now, by("rate_limited", "limit")));
    let totals = [sum(&charts::totals(&sign_ins)), sum(&failures), sum(&sent), sum(&limited)];
    let page = OverviewPage {
        nav: "overview",
        operator: super::users::name(&op.user),
        sign_ins_chart: charts::lines(
            ui.t("console.sign_ins_chart"),
            &sign_ins,
            ui.t("console.day_ago"),
            ui.t("console.now"),
            none,
        ),
        failures_chart: charts::bars(ui.t("console.failures_chart"), &failures, none),
        sign_ins,
        failures,
        sent,
        limited,
        totals,
        live_sessions: state.directory.live_sessions(now).await?,
        partial: events.len() == READ_AT_MOST as usize,
        ui,
    };
    html(page)
}
