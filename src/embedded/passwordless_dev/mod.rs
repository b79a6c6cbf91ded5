//! The Passwordless.dev wire protocol over Tessera's embedded passkeys, so both official SDKs
//! work by changing their base URL to `{issuer}/embedded/passkeys`: the backend's calls with
//! the application's secret (`ApiSecret`) in `backend`, the page's ceremonies with its public
//! key (`ApiKey`) in `browser`, CORS for the application's origins in `cors`. Errors are
//! `application/problem+json` with Passwordless.dev's `errorCode` values.

mod backend;
mod browser;
mod cors;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::domain::embedded_passkeys::{Caller, EmbeddedError};
use crate::net::ClientAddr;
use crate::state::AppState;

/// Where the API lives; the SDKs' `baseUrl` / `apiUrl`.
pub const BASE: &str = "/embedded/passkeys";

pub fn routes() -> Router<AppState> {
    let api = backend::routes().merge(browser::routes()).fallback(|| async {
        Problem(EmbeddedError::status(404, "not_found", "There is no such endpoint.")).into_response()
    });
    Router::new().nest(BASE, api)
}

/// An error as Passwordless.dev answers it (RFC 9457 problem details plus `errorCode`).
pub struct Problem(pub EmbeddedError);

impl From<EmbeddedError> for Problem {
    fn from(e: EmbeddedError) -> Self {
        Problem(e)
    }
}

impl From<crate::store::StoreError> for Problem {
    fn from(e: crate::store::StoreError) -> Self {
        Problem(EmbeddedError::Store(e))
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let (status, body, challenge, cause) = match self.0 {
            EmbeddedError::Refused { status, code, title } => {
                let anchor = code.unwrap_or("unknown");
                let mut body = json!({"type": format!("https://docs.passwordless.dev/guide/errors.html#{anchor}"),
                    "title": title, "status": status});
                if let Some(code) = code {
                    body["errorCode"] = json!(code);
                }
                (status, body, None, None)
            }
            EmbeddedError::Unauthenticated { header } => {
                let body = json!({"type": format!("https://docs.passwordless.dev/guide/errors.html#{header}"),
                    "title": format!("A valid '{header}' header is required."), "status": 401,
                    "detail": format!("The value of your '{header}' is missing or not valid.")});
                (401, body, Some(header), None)
            }
            EmbeddedError::Store(e) => {
                let body = json!({"type": "https://docs.passwordless.dev/guide/errors.html#unavailable",
                    "title": "The service cannot answer right now.", "status": 503, "errorCode": "unavailable"});
                (503, body, None, Some(e.to_string()))
            }
        };
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response =
            (status, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string()).into_response();
        if let Some(scheme) = challenge {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static(scheme));
        }
        if let Some(cause) = cause {
            response.extensions_mut().insert(crate::web::ErrorCause(cause));
        }
        response
    }
}

/// A JSON body read into `T`; anything else is refused with a title naming the field.
fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_string() } else { path };
        Problem(EmbeddedError::argument(format!("{field}: {}", e.inner())))
    })
}

/// A header's value, when it is text.
fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What the domain is told about the request.
fn caller<'a>(headers: &'a HeaderMap, peer: &'a ClientAddr) -> Caller<'a> {
    Caller {
        origin: header_text(headers, "origin"),
        agent: header_text(headers, "user-agent").unwrap_or(""),
        ip: peer.ip,
    }
}

/// `{"values": [...]}`: Passwordless.dev's list answers.
fn values<T: serde::Serialize>(list: Vec<T>) -> axum::Json<Value> {
    axum::Json(json!({ "values": list }))
}
