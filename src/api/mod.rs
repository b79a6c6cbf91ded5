//! The management API (`/api/v1`): for operators and application backends, authenticated by API
//! keys (`Authorization: Bearer tsk_…`, stored as SHA-256, scoped, revocable), answering errors
//! as RFC 7807 `application/problem+json` with a stable `code`. Every route is declared with its
//! OpenAPI description (utoipa), so `/api/v1/openapi.json` and the router cannot disagree.
//! Users in `users`, their import and export in `transfer`; a user's sessions, passkeys, tickets and links in `devices`; clients and
//! bridges in `clients`; the API registry in `apis`; applications with embedded passkeys in
//! `apps`; upstream identity providers in `upstreams`; audit events in `events`.

mod apis;
mod apps;
mod clients;
mod devices;
mod events;
mod identities;
mod transfer;
mod upstreams;
mod users;

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::Core;
use crate::model::{ApiKey, Email, Identifier, Phone};
use crate::store::StoreError;

#[derive(OpenApi)]
#[openapi(
    info(title = "Tessera management API", version = "1", description = "Users, devices, sessions, clients, \
        bridges, APIs, upstream providers, magic links and audit events. Authenticate with an API key: `Authorization: Bearer tsk_…`."),
    modifiers(&BearerKeys),
    security(("api_key" = [])),
    components(schemas(ProblemBody)),
)]
struct ApiDoc;

struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("tsk_…").build();
        components.add_security_scheme("api_key", SecurityScheme::Http(scheme));
    }
}

/// The API's routes and their OpenAPI description, built from the same declarations.
fn documented() -> (Router<Core>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(app))
        .routes(routes!(users::list, users::create))
        .routes(routes!(transfer::import))
        .routes(routes!(transfer::export))
        .routes(routes!(users::lookup))
        .routes(routes!(users::get, users::update, users::delete))
        .routes(routes!(users::deactivate))
        .routes(routes!(users::activate))
        .routes(routes!(users::grant_operator, users::revoke_operator))
        .routes(routes!(devices::sessions, devices::end_sessions))
        .routes(routes!(devices::end_session))
        .routes(routes!(devices::consents))
        .routes(routes!(devices::revoke_consent))
        .routes(routes!(devices::passkeys))
        .routes(routes!(identities::list))
        .routes(routes!(identities::unlink))
        .routes(routes!(devices::rename_passkey, devices::remove_passkey))
        .routes(routes!(devices::passkey_ticket))
        .routes(routes!(devices::magic_link))
        .routes(routes!(clients::list, clients::create))
        .routes(routes!(clients::get, clients::update, clients::delete))
        .routes(routes!(clients::new_secret))
        .routes(routes!(clients::list_bridges, clients::create_bridge))
        .routes(routes!(clients::get_bridge, clients::update_bridge, clients::delete_bridge))
        .routes(routes!(apis::list, apis::create))
        .routes(routes!(apis::get, apis::update, apis::delete))
        .routes(routes!(apps::list, apps::create))
        .routes(routes!(apps::get, apps::update, apps::delete))
        .routes(routes!(apps::new_keys))
        .routes(routes!(apps::user_passkeys))
        .routes(routes!(upstreams::list, upstreams::create))
        .routes(routes!(upstreams::get, upstreams::update, upstreams::delete))
        .routes(routes!(events::list))
        .split_for_parts()
}

/// The OpenAPI 3.1 document of the management API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().1
}

pub fn routes() -> Router<Core> {
    let (router, doc) = documented();
    let body = doc.to_json().unwrap_or_default();
    router.route(
        "/api/v1/openapi.json",
        axum::routing::get(move || async move { ([(header::CONTENT_TYPE, "application/json")], body) }),
    )
}

/// An RFC 7807 problem with a stable `code`.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    code: &'static str,
    detail: String,
}

/// The body of every error answer (RFC 7807 §3.1).
#[derive(Serialize, ToSchema)]
struct ProblemBody {
    /// `urn:tessera:problem:<code>`.
    r#type: String,
    title: String,
    status: u16,
    /// What went wrong; a bad field is named first, as `field: why`.
    detail: String,
    /// Stable: `unauthenticated`, `insufficient_scope`, `invalid_field`, `not_found`, `conflict`,
    /// `identifier_taken`, `managed_by_config`, `passkeys_off`, `unavailable`.
    code: String,
}

impl Problem {
    pub(super) fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Problem { status, code, detail: detail.into() }
    }

    pub(super) fn bad(field: &str, why: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_field", format!("{field}: {why}"))
    }

    pub(super) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "No such resource.")
    }

    pub(super) fn conflict(code: &'static str, detail: &str) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }
}

/// The answer to a path under `/api/` that names no operation.
pub fn unknown_route() -> Response {
    Problem::not_found().into_response()
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => Self::conflict("conflict", "It exists already."),
            other => {
                tracing::error!(error = %other, "management API store error");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "The service cannot answer right now.")
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = ProblemBody {
            r#type: format!("urn:tessera:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or_default().into(),
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code.into(),
        };
        let body = serde_json::to_string(&body).unwrap_or_default();
        (self.status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response()
    }
}

/// Reads a JSON body; a bad field is named by its path (`redirect_uris[1]`).
pub(super) fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body" } else { path.as_str() };
        Problem::bad(field, &e.inner().to_string())
    })
}

/// Reads query parameters (after the scope check); a bad one is named.
pub(super) fn query<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, Problem> {
    let reader = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.unwrap_or_default().as_bytes()));
    serde_path_to_error::deserialize(reader).map_err(|e| {
        let path = e.path().to_string();
        Problem::bad(if path == "." { "query" } else { &path }, &e.inner().to_string())
    })
}

/// The API key of the request.
pub struct Caller(pub ApiKey);

impl FromRequestParts<Core> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &Core) -> Result<Self, Problem> {
        let unauthenticated =
            || Problem::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Send an API key as Authorization: Bearer.");
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| crate::web::origin::credentials(v, "Bearer"))
            .ok_or_else(unauthenticated)?;
        let key = state.directory.api_key_by_hash(&crate::crypto::sha256(token.as_bytes())).await?;
        key.map(Caller).ok_or_else(unauthenticated)
    }
}

impl Caller {
    pub(super) fn needs(&self, scope: &'static str) -> Result<(), Problem> {
        if self.0.scopes.iter().any(|s| s == scope) {
            return Ok(());
        }
        Err(Problem::new(StatusCode::FORBIDDEN, "insufficient_scope", format!("This key lacks the {scope} scope.")))
    }

    /// This key, as the actor of the domain's administrative changes.
    pub(super) fn actor(&self) -> crate::domain::admin::Actor<'_> {
        crate::domain::admin::Actor::Key(&self.0.id)
    }

    /// Records an administrative change made with this key.
    pub(super) fn audit(&self, state: &Core, user: Option<&crate::model::UserId>, action: &str, extra: Value) {
        self.actor().audit(state, user, action, extra);
    }
}

/// Checks a page size against its bounds.
pub(super) fn limit(given: Option<u32>, default: u32, max: u32) -> Result<u32, Problem> {
    let limit = given.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(Problem::bad("limit", &format!("must be between 1 and {max}")));
    }
    Ok(limit)
}

pub(super) fn identifier(email: Option<&str>, phone: Option<&str>) -> Result<Identifier, Problem> {
    match (email, phone) {
        (Some(e), None) => e.parse::<Email>().map(Identifier::Email).map_err(|why| Problem::bad("email", why)),
        (None, Some(p)) => Phone::parse(p, None).map(Identifier::Phone).map_err(|why| Problem::bad("phone", why)),
        _ => Err(Problem::bad("email", "give email or phone")),
    }
}

/// RFC 7396 JSON Merge Patch: `null` removes a member, objects merge, anything else replaces.
pub(super) fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

/// What this server offers.
#[derive(Serialize, ToSchema)]
struct AppInfo {
    issuer: String,
    /// Enabled sign-in methods: `email_code`, `email_link`, `sms_code`, `passkey`.
    methods: Vec<&'static str>,
    /// Whether an unknown identifier may create an account by signing in.
    signup: bool,
    /// Lifetimes in seconds, by name.
    #[schema(value_type = Object)]
    lifetimes: Value,
}

/// Issuer, enabled methods, sign-up policy and lifetimes. Any valid key may read it.
#[utoipa::path(get, path = "/api/v1/app", tag = "app",
    responses((status = 200, body = AppInfo), (status = 401, body = ProblemBody)))]
async fn app(State(state): State<Core>, _caller: Caller) -> Result<Json<AppInfo>, Problem> {
    let c = &state.config;
    let mut methods = vec![];
    if c.login.email_code {
        methods.push("email_code");
        if c.login.email_sends.link() {
            methods.push("email_link");
        }
    }
    if c.sms.enabled() {
        methods.push("sms_code");
    }
    if state.webauthn.is_some() {
        methods.push("passkey");
    }
    let lifetimes = serde_json::to_value(&c.lifetimes).unwrap_or_default();
    Ok(Json(AppInfo { issuer: state.issuer().into(), methods, signup: c.login.signup, lifetimes }))
}
