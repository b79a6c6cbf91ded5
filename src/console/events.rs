//! The console's audit events: newest first, filtered by kind, user and period, a page at a
//! time, and the same selection exported as NDJSON (one event per line, as the API shows it).

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::{Operator, html};
use crate::i18n::AcceptLanguage;
use crate::model::{AuditEvent, AuditQuery};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::Ui;

const PAGE: usize = 50;
/// The most events one export writes.
const EXPORT_AT_MOST: usize = 100_000;
/// The periods the filter offers: value, hours (0: all time), and the catalog key of its name.
const PERIODS: [(&str, i64, &str); 5] = [
    ("1h", 1, "console.period_1h"),
    ("24h", 24, "console.period_24h"),
    ("7d", 168, "console.period_7d"),
    ("30d", 720, "console.period_30d"),
    ("all", 0, "console.period_all"),
];

/// The filters of a request, as given (they are repeated in the page's links).
struct Filters {
    kind: String,
    user: String,
    period: String,
}

impl Filters {
    fn read(params: &Params) -> Self {
        let text = |name| params.get(name).map(str::trim).unwrap_or("").to_string();
        let period = text("period");
        let period = if PERIODS.iter().any(|(p, _, _)| *p == period) { period } else { "24h".into() };
        Filters { kind: text("kind"), user: text("user"), period }
    }

    fn query(&self, now: i64, until: Option<i64>, limit: usize) -> AuditQuery {
        let hours = PERIODS.iter().find(|(p, _, _)| *p == self.period).map_or(24, |(_, h, _)| *h);
        AuditQuery {
            user_id: Some(self.user.clone()).filter(|u| !u.is_empty()),
            kind: Some(self.kind.clone()).filter(|k| !k.is_empty()),
            since: (hours > 0).then(|| now - hours * 3600),
            until,
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
        }
    }

    /// The filters as a query string, for the next page's and the export's links.
    fn encoded(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("kind", &self.kind)
            .append_pair("user", &self.user)
            .append_pair("period", &self.period)
            .finish()
    }
}

/// A page of events (newest first, `limit` + 1 read) and the next page's cursor: `until`, the
/// last second it holds (the store's `until` is inclusive). A second is never split across
/// pages: when the event after the page shares the page's oldest second, that second's events
/// go to the next page. A page all of one second is shown whole and the rest of that second
/// skipped.
fn cut(mut events: Vec<AuditEvent>, limit: usize) -> (Vec<AuditEvent>, Option<i64>) {
    let Some(after) = events.get(limit).map(|e| e.at) else { return (events, None) };
    events.truncate(limit);
    let oldest = events.last().map_or(after, |e| e.at);
    if after != oldest || events.first().is_some_and(|e| e.at == oldest) {
        return (events, Some(oldest.saturating_sub(1)));
    }
    events.retain(|e| e.at != oldest);
    (events, Some(oldest))
}

pub struct EventRow {
    pub at: String,
    pub kind: String,
    pub user: Option<String>,
    pub client: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "console/events.html")]
struct EventsPage<'a> {
    ui: Ui<'a>,
    nav: &'static str,
    operator: String,
    kind: String,
    user: String,
    period: String,
    /// Each period's value and the catalog key of its name.
    periods: Vec<(&'static str, &'static str)>,
    events: Vec<EventRow>,
    next: Option<String>,
    export: String,
}

pub async fn page(
    State(state): State<AppState>,
    op: Operator,
    accept: AcceptLanguage,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let params = Params::parse(raw.unwrap_or_default().as_bytes());
    let filters = Filters::read(&params);
    let until = params.get("until").and_then(|u| u.parse().ok());
    let read = state.directory.audit_events(&filters.query(state.clock.now(), until, PAGE + 1)).await?;
    let (events, next) = cut(read, PAGE);
    let ui = state.ui(None, &accept, None);
    let rows = events
        .into_iter()
        .map(|e| EventRow {
            at: crate::dates::date(ui.tr, e.at),
            kind: e.kind,
            user: e.user_id,
            client: e.client_id.unwrap_or_default(),
            detail: e.detail.to_string(),
        })
        .collect();
    let page = EventsPage {
        nav: "events",
        operator: super::users::name(&op.user),
        next: next.map(|until| format!("/console/events?{}&until={until}", filters.encoded())),
        export: format!("/console/events/export?{}", filters.encoded()),
        periods: PERIODS.iter().map(|(p, _, key)| (*p, *key)).collect(),
        kind: filters.kind,
        user: filters.user,
        period: filters.period,
        events: rows,
        ui,
    };
    html(page)
}

/// Every event the filters select, newest first, as NDJSON.
pub async fn export(
    State(state): State<AppState>,
    _op: Operator,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let filters = Filters::read(&Params::parse(raw.unwrap_or_default().as_bytes()));
    let now = state.clock.now();
    let (mut body, mut written, mut until) = (String::new(), 0, None);
    loop {
        let read = state.directory.audit_events(&filters.query(now, until, 1001)).await?;
        let (events, next) = cut(read, 1000);
        for event in &events {
            body += &serde_json::to_string(event).unwrap_or_default();
            body.push('\n');
        }
        written += events.len();
        match next {
            Some(cursor) if written < EXPORT_AT_MOST => until = Some(cursor),
            _ => break,
        }
    }
    let headers = [
        (header::CONTENT_TYPE, "application/x-ndjson"),
        (header::CONTENT_DISPOSITION, "attachment; filename=\"tessera-events.ndjson\""),
    ];
    Ok((headers, body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: &[i64]) -> Vec<AuditEvent> {
        seconds
            .iter()
            .enumerate()
            .map(|(i, t)| AuditEvent {
                id: format!("e{i}"),
                at: *t,
                kind: "sign_in".into(),
                user_id: None,
                client_id: None,
                ip: None,
                detail: serde_json::json!({}),
            })
            .collect()
    }

    fn ats(events: &[AuditEvent]) -> Vec<i64> {
        events.iter().map(|e| e.at).collect()
    }

    #[test]
    fn a_page_never_splits_a_second_and_its_cursor_starts_the_next_at_that_second() {
        let (page, next) = cut(at(&[9, 8, 7]), 3);
        assert_eq!((ats(&page), next), (vec![9, 8, 7], None), "all fit: no next page");
        let (page, next) = cut(at(&[9, 8, 7, 6]), 3);
        assert_eq!((ats(&page), next), (vec![9, 8, 7], Some(6)), "the next page starts at second 6");
        let (page, next) = cut(at(&[9, 8, 7, 7]), 3);
        assert_eq!((ats(&page), next), (vec![9, 8], Some(7)), "both events of second 7 go to the next page");
        let (page, next) = cut(at(&[5, 5, 5, 5]), 3);
        assert_eq!((ats(&page), next), (vec![5, 5, 5], Some(4)), "a page all of one second moves on");
    }
}
