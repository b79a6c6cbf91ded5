//! Where an authorization request's parameters come from: the query or form, a request object
//! signed by the client (RFC 9101, OIDC Core §6.1), or a pushed request (RFC 9126 §4); and
//! whether the client's registration lets it use that source.

use std::sync::Arc;

use crate::domain::request_object;
use crate::model::Client;
use crate::oauth::par;
use crate::oauth::request::{self, AuthorizeError};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::oauth_error::ErrorCode;
use crate::web::params::Params;

/// The parameters to validate, and how they arrived.
pub struct Sourced {
    pub params: Params,
    pub client: Option<Arc<Client>>,
    pub pushed: bool,
    pub signed: bool,
}

/// Opens `request_uri` or `request` into the parameters they carry. A request that cannot be
/// opened has no trustworthy redirect_uri, so its errors are pages unless the outer request's
/// own redirect_uri is registered.
pub async fn resolve(state: &AppState, params: Params) -> Result<Sourced, AuthorizeError> {
    let client = match params.get("client_id").filter(|_| !params.is_repeated("client_id")) {
        Some(id) => state.client(id).await.map_err(|e| AuthorizeError::Render(e.into()))?,
        None => None,
    };
    if let Some(uri) = params.get("request_uri") {
        return pushed(state, &params, client, uri).await;
    }
    let Some(jwt) = params.get("request") else {
        return Ok(Sourced { params, client, pushed: false, signed: false });
    };
    let Some(found) = client.clone() else {
        return Err(AuthorizeError::Render(request::verify_redirect(&params, None).err().unwrap_or_else(unknown)));
    };
    match request_object::open(state, &found, jwt).await {
        Ok(opened) => {
            let merged = params.overridden_by(Params::from_pairs(opened));
            Ok(Sourced { params: merged, client, pushed: false, signed: true })
        }
        Err(e) => {
            let description = format!("The request object is invalid: {e}.");
            let (redirect, _) = request::verify_redirect(&params, client).map_err(AuthorizeError::Render)?;
            Err(AuthorizeError::Redirect(redirect, ErrorCode::InvalidRequestObject, description))
        }
    }
}

/// RFC 9126 §4: `client_id` is required beside the `request_uri`, which is used once.
async fn pushed(
    state: &AppState,
    params: &Params,
    client: Option<Arc<Client>>,
    uri: &str,
) -> Result<Sourced, AuthorizeError> {
    let Some(client) = client else {
        return Err(AuthorizeError::Render(request::verify_redirect(params, None).err().unwrap_or_else(unknown)));
    };
    if params.get("request").is_some() {
        return Err(AuthorizeError::Render(PageError::bad_request("Use request or request_uri, not both.")));
    }
    if !par::is_pushed(uri) {
        // OIDC Core §6.2 request_uri by reference is not offered; discovery says so.
        let (redirect, _) = request::verify_redirect(params, Some(client)).map_err(AuthorizeError::Render)?;
        let description = "request_uri must come from this server's pushed authorization request endpoint.";
        return Err(AuthorizeError::Redirect(redirect, ErrorCode::RequestUriNotSupported, description.into()));
    }
    let Some(found) = par::take(state, &client.id, uri).await.map_err(|e| AuthorizeError::Render(e.into()))? else {
        let detail = Some("The request_uri is unknown, used or expired (invalid_request_uri).".into());
        return Err(AuthorizeError::Render(PageError { detail, ..PageError::expired() }));
    };
    let params = Params::from_pairs(found.params);
    Ok(Sourced { params, client: Some(client), pushed: true, signed: found.signed })
}

fn unknown() -> PageError {
    PageError::bad_request("The application that sent you here is not registered (unknown client_id).")
}

/// The sources the client's registration and the server require (RFC 9126 §5-6,
/// RFC 9101 §10.5), checked once its redirect_uri is known to be registered.
pub fn allowed(state: &AppState, client: &Client, sourced: &Sourced) -> Result<(), (ErrorCode, String)> {
    let par_required = state.config.oauth.require_pushed_authorization_requests || client.options.requires_par();
    if par_required && !sourced.pushed {
        return Err((ErrorCode::InvalidRequest, "This client must use pushed authorization requests.".into()));
    }
    if client.options.require_signed_request_object && !sourced.signed {
        return Err((ErrorCode::InvalidRequest, "This client must send a signed request object.".into()));
    }
    Ok(())
}
