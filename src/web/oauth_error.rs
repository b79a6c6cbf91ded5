//! OAuth and OpenID error responses, named as the RFCs name them.

use std::borrow::Cow;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::StoreError;
use crate::web::ErrorCause;

/// Error codes of RFC 6749 §4.1.2.1 / §5.2, RFC 6750 §3.1 and OIDC Core §3.1.2.6.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// RFC 6749 §5.2: missing, repeated or malformed parameter.
    InvalidRequest,
    /// RFC 6749 §5.2: client authentication failed.
    InvalidClient,
    /// RFC 6749 §5.2: the code or refresh token is invalid, expired, revoked or not this client's.
    InvalidGrant,
    /// RFC 6749 §5.2: this client may not use this grant type.
    UnauthorizedClient,
    /// RFC 6749 §5.2: the grant type is not supported.
    UnsupportedGrantType,
    /// RFC 6749 §4.1.2.1: only `code` is supported.
    UnsupportedResponseType,
    /// RFC 6749 §5.2: the requested scope is invalid or exceeds the grant.
    InvalidScope,
    /// RFC 6749 §4.1.2.1: the user or server denied the request.
    AccessDenied,
    /// RFC 6749 §4.1.2.1: an unexpected condition.
    ServerError,
    /// RFC 6749 §4.1.2.1: the server is temporarily unable to handle the request.
    TemporarilyUnavailable,
    /// OIDC Core §3.1.2.6: `prompt=none` and the user must sign in.
    LoginRequired,
    /// OIDC Core §3.1.2.6: `prompt=none` and the user must choose an account.
    AccountSelectionRequired,
    /// OIDC Core §3.1.2.6: `prompt=none` and the user must consent.
    ConsentRequired,
    /// OIDC Core §3.1.2.6, RFC 9101 §6.2: the request object is invalid.
    InvalidRequestObject,
    /// OIDC Core §3.1.2.6, RFC 9101 §6.2: the `request_uri` is invalid, used or expired.
    InvalidRequestUri,
    /// OIDC Core §3.1.2.6: `request_uri` values other than the PAR endpoint's are not supported.
    RequestUriNotSupported,
    /// OIDC Core §3.1.2.6: the `registration` parameter is not supported.
    RegistrationNotSupported,
    /// RFC 8628 §3.5: the person has not answered yet; poll again.
    AuthorizationPending,
    /// RFC 8628 §3.5: polling too fast; the interval grows by five seconds.
    SlowDown,
    /// RFC 8628 §3.5: the device code expired; start again.
    ExpiredToken,
    /// RFC 9449 §12.2: the DPoP proof is missing where required, malformed or does not match.
    InvalidDpopProof,
    /// RFC 9449 §8: the DPoP proof must carry the server nonce sent with this error.
    UseDpopNonce,
    /// OpenID Connect Core Unmet Authentication Requirements 1.0: an essential `acr` could not
    /// be met.
    UnmetAuthenticationRequirements,
    /// RFC 6750 §3.1: the access token is expired, revoked, malformed or invalid.
    InvalidToken,
    /// RFC 6750 §3.1: the token lacks the scope this resource needs.
    InsufficientScope,
    /// RFC 8707 §2: the `resource` (or Auth0's `audience`) names no API this server issues for.
    InvalidTarget,
    /// A rate limit refused the request (answered with 429), as Auth0's passwordless API names it.
    TooManyAttempts,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorCode::LoginRequired => "login_required",
            ErrorCode::ConsentRequired => "consent_required",
            ErrorCode::AccountSelectionRequired => "account_selection_required",
            ErrorCode::InvalidRequestObject => "invalid_request_object",
            ErrorCode::InvalidRequestUri => "invalid_request_uri",
            ErrorCode::RequestUriNotSupported => "request_uri_not_supported",
            ErrorCode::RegistrationNotSupported => "registration_not_supported",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InsufficientScope => "insufficient_scope",
            ErrorCode::UnmetAuthenticationRequirements => "unmet_authentication_requirements",
            ErrorCode::InvalidDpopProof => "invalid_dpop_proof",
            ErrorCode::AuthorizationPending => "authorization_pending",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::ExpiredToken => "expired_token",
            ErrorCode::UseDpopNonce => "use_dpop_nonce",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::InvalidTarget => "invalid_target",
        }
    }
}

/// An error answered as JSON (RFC 6749 §5.2) with `Cache-Control: no-store`.
#[derive(Debug)]
pub struct OAuthError {
    pub code: ErrorCode,
    pub description: Cow<'static, str>,
    /// Set when the client tried HTTP Basic: the 401 then carries a `WWW-Authenticate` challenge.
    pub basic_challenge: bool,
    /// RFC 9449 §8: a server nonce for the client's next DPoP proof (`DPoP-Nonce`).
    pub dpop_nonce: Option<String>,
    cause: Option<String>,
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<Cow<'static, str>>) -> Self {
        OAuthError { code, description: description.into(), basic_challenge: false, dpop_nonce: None, cause: None }
    }

    pub fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    pub fn invalid_grant(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidGrant, description)
    }

    pub fn server_error(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(ErrorCode::ServerError, "The server could not complete the request.");
        e.cause = Some(cause.to_string());
        e
    }

    fn status(&self) -> StatusCode {
        match self.code {
            ErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
            ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        let mut err =
            Self::new(ErrorCode::TemporarilyUnavailable, "The service is temporarily unavailable; try again shortly.");
        err.cause = Some(e.to_string());
        err
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    error_description: &'a str,
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = Body { error: self.code.as_str(), error_description: &self.description };
        let mut response = (self.status(), Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if self.basic_challenge {
            // RFC 6749 §5.2: a 401 for a client that used Basic includes the matching challenge.
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"tessera\", charset=\"UTF-8\""),
            );
        }
        if let Some(nonce) = self.dpop_nonce.and_then(|n| HeaderValue::from_str(&n).ok()) {
            headers.insert("dpop-nonce", nonce);
        }
        if let Some(cause) = self.cause {
            response.extensions_mut().insert(ErrorCause(cause));
        }
        response
    }
}
