//! The management API's audit events: sign-ins, failures, codes sent, passkeys added, admin
//! changes, newest first, filtered by user, kind and time.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{Caller, Problem, ProblemBody, limit, query};
use crate::domain::Core;
use crate::model::{AuditEvent, AuditQuery};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct EventQuery {
    user_id: Option<String>,
    /// `sign_in`, `sign_in_failed`, `code_sent`, `rate_limited`, `passkey_added`, `admin` ...
    kind: Option<String>,
    /// At or after (Unix seconds).
    since: Option<i64>,
    /// Before (Unix seconds).
    until: Option<i64>,
    /// 1 to 1000; 100 by default.
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct EventPage {
    events: Vec<AuditEvent>,
}

/// Audit events, newest first.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", security(("api_key" = ["events:read"])), params(EventQuery),
    responses((status = 200, body = EventPage), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody)))]
pub(super) async fn list(
    State(state): State<Core>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<Json<EventPage>, Problem> {
    caller.needs("events:read")?;
    let q: EventQuery = query(raw.as_deref())?;
    let limit = limit(q.limit, 100, 1000)?;
    let query = AuditQuery { user_id: q.user_id, kind: q.kind, since: q.since, until: q.until, limit };
    Ok(Json(EventPage { events: state.directory.audit_events(&query).await? }))
}
