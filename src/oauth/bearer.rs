//! How an access token is presented to Tessera as a resource (userinfo): the Bearer scheme
//! (RFC 6750 §2) or, for a token bound to a key, the DPoP scheme with a proof (RFC 9449 §7),
//! and the `WWW-Authenticate` challenges of a refusal (RFC 6750 §3, RFC 9449 §7.1).

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::domain::dpop::{self, Expected};
use crate::domain::tokens::AccessClaims;
use crate::state::AppState;
use crate::web::ErrorCause;
use crate::web::oauth_error::ErrorCode;

/// A refusal with its `WWW-Authenticate` challenge.
pub struct BearerError {
    pub(super) status: StatusCode,
    pub(super) code: Option<ErrorCode>,
    pub(super) description: &'static str,
    pub(super) cause: Option<String>,
    /// Challenge with the DPoP scheme: the token is DPoP-bound or was presented as one.
    pub(super) dpop: bool,
}

impl BearerError {
    /// RFC 6750 §3.1: a request without any token gets a bare challenge, no error code.
    pub(super) fn missing() -> Self {
        BearerError { status: StatusCode::UNAUTHORIZED, code: None, description: "", cause: None, dpop: false }
    }

    pub(super) fn invalid(description: &'static str) -> Self {
        let code = Some(ErrorCode::InvalidToken);
        BearerError { status: StatusCode::UNAUTHORIZED, code, description, cause: None, dpop: false }
    }

    pub(super) fn bad_request(description: &'static str) -> Self {
        let code = Some(ErrorCode::InvalidRequest);
        BearerError { status: StatusCode::BAD_REQUEST, code, description, cause: None, dpop: false }
    }

    pub(super) fn unavailable(e: crate::store::StoreError) -> Self {
        BearerError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: Some(ErrorCode::TemporarilyUnavailable),
            description: "The service is temporarily unavailable.",
            cause: Some(e.to_string()),
            dpop: false,
        }
    }

    /// RFC 9449 §7.1: a refusal of a DPoP-bound or DPoP-presented token.
    fn dpop(description: &'static str, cause: Option<String>) -> Self {
        BearerError { cause, dpop: true, ..Self::invalid(description) }
    }
}

impl IntoResponse for BearerError {
    fn into_response(self) -> Response {
        let scheme = if self.dpop {
            format!("DPoP realm=\"tessera\", algs=\"{}\"", dpop::ALGS.join(" "))
        } else {
            "Bearer realm=\"tessera\"".to_string()
        };
        let challenge = match self.code {
            None => scheme,
            Some(code) => format!("{scheme}, error=\"{}\", error_description=\"{}\"", code.as_str(), self.description),
        };
        let body = self.code.map(|c| json!({"error": c.as_str(), "error_description": self.description}));
        let mut response = (self.status, Json(body.unwrap_or(Value::Null))).into_response();
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(cause) = self.cause {
            response.extensions_mut().insert(ErrorCause(cause));
        }
        response
    }
}

/// A token as the request presents it.
pub struct Presented<'a> {
    pub token: &'a str,
    /// With the DPoP scheme (RFC 9449 §7.1) rather than Bearer.
    pub dpop: bool,
}

/// The token of the `Authorization` header: `Bearer` or `DPoP`.
pub fn header_token(headers: &HeaderMap) -> Result<Option<Presented<'_>>, BearerError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| BearerError::invalid("Malformed Authorization header."))?;
    if let Some(token) = crate::web::origin::credentials(value, "Bearer") {
        return Ok(Some(Presented { token, dpop: false }));
    }
    match crate::web::origin::credentials(value, "DPoP") {
        Some(token) => Ok(Some(Presented { token, dpop: true })),
        None => Err(BearerError::invalid("The Authorization header must use the Bearer or DPoP scheme.")),
    }
}

/// RFC 9449 §7: a bound token only with the DPoP scheme and a proof by its key for this
/// request; an unbound one only as a Bearer token.
pub async fn check_binding(
    state: &AppState,
    headers: &HeaderMap,
    (method, path): (&str, &str),
    presented: &Presented<'_>,
    at: &AccessClaims,
) -> Result<(), BearerError> {
    let Some(cnf) = &at.cnf else {
        if presented.dpop {
            return Err(BearerError::dpop("The access token is not DPoP-bound; present it as a Bearer token.", None));
        }
        return Ok(());
    };
    if !presented.dpop {
        return Err(BearerError::dpop("The access token is DPoP-bound; present it with the DPoP scheme.", None));
    }
    let proof = crate::oauth::dpop::proof_header(headers).map_err(|why| BearerError::dpop(why, None))?;
    let proof = proof.ok_or_else(|| BearerError::dpop("Send one DPoP proof with the token.", None))?;
    let expected = Expected { method, url: &state.url(path), access_token: Some(presented.token) };
    match dpop::verify(state, proof, expected).await {
        Ok(jkt) if crate::crypto::constant_time_eq(jkt.as_bytes(), cnf.jkt.as_bytes()) => Ok(()),
        Ok(_) => Err(BearerError::dpop("The DPoP proof is made with another key than the token's.", None)),
        Err(e) => Err(BearerError::dpop("The DPoP proof is invalid.", Some(format!("{e:?}")))),
    }
}
