//! Validation of an authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1) into an
//! `AuthRequest`. Until the client and redirect_uri are verified, errors render a page; after,
//! they travel to the verified redirect_uri — the error type decides, not a flag.

use std::sync::Arc;

use crate::domain::interaction::{AuthRequest, Prompt, ResponseMode};
use crate::domain::jwt;
use crate::domain::keys::KeyRing;
use crate::model::Client;
use crate::oauth::pkce;
use crate::web::PageError;
use crate::web::oauth_error::ErrorCode;
use crate::web::params::Params;

/// Longest accepted `state` and `nonce`: opaque values clients may pack data into.
const MAX_VALUE: usize = 2048;
/// Longest accepted hint or list of locales or ACRs: an address, a phone number, a few tags.
const MAX_HINT: usize = 256;

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
    let state = params.get("state").filter(|s| s.len() <= MAX_VALUE && !params.is_repeated("state")).map(str::to_owned);
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
    match check(params, client, keys, issuer) {
        Ok(mut request) => {
            request.state = redirect.state;
            request.redirect_uri = redirect.uri;
            request.response_mode = redirect.mode;
            Ok(request)
        }
        Err((code, description)) => Err(AuthorizeError::Redirect(redirect, code, description)),
    }
}

type Invalid = (ErrorCode, String);

fn invalid(description: impl Into<String>) -> Invalid {
    (ErrorCode::InvalidRequest, description.into())
}

fn check(p: &Params, client: &Client, keys: &KeyRing, issuer: &str) -> Result<AuthRequest, Invalid> {
    if let Some(name) = p.repeated.first() {
        return Err(invalid(format!("The {name} parameter is repeated.")));
    }
    // OIDC Core §6: request objects are not supported (discovery says so).
    if p.get("request").is_some() {
        return Err((ErrorCode::RequestNotSupported, "Request objects are not supported.".into()));
    }
    if p.get("request_uri").is_some() {
        return Err((ErrorCode::RequestUriNotSupported, "request_uri is not supported.".into()));
    }
    if p.get("registration").is_some() {
        return Err((ErrorCode::RegistrationNotSupported, "The registration parameter is not supported.".into()));
    }
    match p.get("response_type") {
        None => return Err(invalid("The response_type parameter is missing.")),
        Some("code") => {}
        Some(_) => {
            return Err((ErrorCode::UnsupportedResponseType, "Only response_type=code is supported.".into()));
        }
    }
    if let Some(mode) = p.get("response_mode")
        && mode != "query"
        && mode != "form_post"
    {
        return Err(invalid("response_mode must be query or form_post."));
    }
    let scope = scopes(p.get("scope"))?;
    let code_challenge = pkce::challenge(p.get("code_challenge"), p.get("code_challenge_method"), client.is_public())
        .map_err(invalid)?;
    let prompt = prompt(p.get("prompt"))?;
    let max_age = match p.get("max_age") {
        None => None,
        Some(v) => Some(v.parse::<u64>().map_err(|_| invalid("max_age must be a non-negative integer of seconds."))?),
    };
    if let Some(display) = p.get("display")
        && !["page", "popup", "touch", "wap"].contains(&display)
    {
        return Err(invalid("display must be page, popup, touch or wap."));
    }
    let hint_sub = match p.get("id_token_hint") {
        None => None,
        Some(hint) => Some(
            hint_subject(keys, hint, &client.id, issuer)
                .ok_or_else(|| invalid("The id_token_hint is not a valid ID token from this server."))?,
        ),
    };
    let longest = |name| if matches!(name, "state" | "nonce") { MAX_VALUE } else { MAX_HINT };
    for name in ["state", "nonce", "login_hint", "ui_locales", "claims_locales", "acr_values"] {
        if p.get(name).is_some_and(|v| v.len() > longest(name)) {
            return Err(invalid(format!("The {name} parameter is too long.")));
        }
    }
    Ok(AuthRequest {
        client_id: client.id.clone(),
        redirect_uri: String::new(),
        response_mode: ResponseMode::Query,
        scope,
        state: None,
        nonce: p.get("nonce").map(str::to_owned),
        code_challenge,
        prompt,
        max_age,
        login_hint: p.get("login_hint").map(str::to_owned),
        hint_sub,
        ui_locales: p.get("ui_locales").map(str::to_owned),
        acr_values: p.get("acr_values").map(str::to_owned),
    })
}

/// Known scopes in a stable order; unknown ones are ignored (RFC 6749 §3.3). `openid` is required.
fn scopes(raw: Option<&str>) -> Result<Vec<String>, Invalid> {
    let requested: Vec<&str> = raw.unwrap_or("").split(' ').filter(|s| !s.is_empty()).collect();
    if !requested.contains(&"openid") {
        return Err((ErrorCode::InvalidScope, "The openid scope is required.".into()));
    }
    Ok(crate::model::SCOPES.iter().filter(|s| requested.contains(s)).map(|s| s.to_string()).collect())
}

fn prompt(raw: Option<&str>) -> Result<Prompt, Invalid> {
    let mut prompt = Prompt::default();
    for value in raw.unwrap_or("").split(' ').filter(|s| !s.is_empty()) {
        match value {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            "consent" => prompt.consent = true,
            "select_account" => prompt.select_account = true,
            other => return Err(invalid(format!("Unsupported prompt value {other:?}."))),
        }
    }
    // OIDC Core §3.1.2.1: none with any other value is an error.
    if prompt.none && (prompt.login || prompt.consent || prompt.select_account) {
        return Err(invalid("prompt=none cannot be combined with other values."));
    }
    Ok(prompt)
}

#[derive(serde::Deserialize)]
struct HintClaims {
    iss: String,
    sub: String,
    aud: serde_json::Value,
}

/// OIDC Core §3.1.2.1: an ID token we issued to this client; its expiry is tolerated.
fn hint_subject(keys: &KeyRing, token: &str, client_id: &str, issuer: &str) -> Option<String> {
    let claims: HintClaims = jwt::verify(keys, token, "JWT").ok()?;
    if claims.iss != issuer {
        return None;
    }
    let audience_ok = match &claims.aud {
        serde_json::Value::String(a) => a == client_id,
        serde_json::Value::Array(list) => list.iter().any(|a| a == client_id),
        _ => false,
    };
    audience_ok.then_some(claims.sub)
}
