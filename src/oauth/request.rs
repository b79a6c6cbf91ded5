//! Validation of an authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1) into an
//! `AuthRequest`. Until the client and redirect_uri are verified, errors render a page; after,
//! they travel to the verified redirect_uri — the error type decides, not a flag.

use std::sync::Arc;

use crate::domain::interaction::{AuthRequest, ResponseMode};
use crate::domain::keys::KeyRing;
use crate::model::Client;
use crate::web::PageError;
use crate::web::oauth_error::ErrorCode;
use crate::web::params::Params;

/// A redirect_uri that is registered for the client, with what an error response needs.
#[derive(Clone, Debug)]
pub struct VerifiedRedirect {
    pub uri: String,
    pub mode: ResponseMode,
    pub state: Option<String>,
}

impl VerifiedRedirect {
    /// The redirect of a validated request (its redirect_uri was verified to build it).
    pub fn of(request: &AuthRequest) -> Self {
        VerifiedRedirect {
            uri: request.redirect_uri.clone(),
            mode: request.response_mode,
            state: request.state.clone(),
        }
    }
}

#[derive(Debug)]
pub enum AuthorizeError {
    /// Client or redirect_uri not verified: show a page, never redirect (RFC 6749 §4.1.2.1).
    Render(PageError),
    /// Return the error to the client at its verified redirect_uri.
    Redirect(VerifiedRedirect, ErrorCode, String),
}

/// Step one: the client and its redirect_uri. Anything wrong here renders a page.
pub fn verify_redirect(
    params: &Params,
    client: Option<Arc<Client>>,
) -> Result<(VerifiedRedirect, Arc<Client>), PageError> {
    for name in ["client_id", "redirect_uri"] {
        if params.is_repeated(name) {
            return Err(PageError::bad_request(format!("The {name} parameter appears more than once.")));
        }
    }
    if params.get("client_id").is_none() {
        return Err(PageError::bad_request(
            "The request does not say which application it is from (client_id is missing).",
        ));
    }
    let Some(client) = client else {
        return Err(PageError::bad_request(
            "The application that sent you here is not registered (unknown client_id).",
        ));
    };
    let Some(uri) = params.get("redirect_uri") else {
        return Err(PageError::bad_request("The request has no redirect_uri."));
    };
    // RFC 6749 §3.1.2.3, OIDC Core §3.1.2.1: simple string comparison against a registered URI.
    if !client.has_redirect_uri(uri) {
        return Err(PageError::bad_request("The redirect_uri is not registered for this application."));
    }
    let mode = match params.get("response_mode") {
        Some("form_post") => ResponseMode::FormPost,
        _ => ResponseMode::Query,
    };
    let state = params
        .get("state")
        .filter(|s| s.len() <= crate::oauth::checks::MAX_VALUE && !params.is_repeated("state"))
        .map(str::to_owned);
    Ok((VerifiedRedirect { uri: uri.to_string(), mode, state }, client))
}

/// Step two: every other parameter, with errors sent to the verified redirect.
pub fn validate(
    params: &Params,
    client: &Client,
    redirect: VerifiedRedirect,
    keys: &KeyRing,
    issuer: &str,
) -> Result<AuthRequest, AuthorizeError> {
    match crate::oauth::checks::check(params, client, keys, issuer) {
        Ok(mut request) => {
            request.state = redirect.state;
            request.redirect_uri = redirect.uri;
            request.response_mode = redirect.mode;
            Ok(request)
        }
        Err((code, description)) => Err(AuthorizeError::Redirect(redirect, code, description)),
    }
}
