//! Client authentication at the token endpoint (RFC 6749 §2.3, OIDC Core §9): the method the
//! client registered, and only that one.

use std::sync::Arc;

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::crypto;
use crate::domain::client_jwt;
use crate::model::{AuthMethod, Client};
use crate::state::AppState;
use crate::web::oauth_error::{ErrorCode, OAuthError};
use crate::web::params::Params;

struct Presented {
    method: AuthMethod,
    client_id: String,
    /// The secret, or the assertion for `private_key_jwt`.
    secret: Option<String>,
}

fn invalid_client(basic: bool) -> OAuthError {
    let mut e = OAuthError::new(ErrorCode::InvalidClient, "Client authentication failed.");
    e.basic_challenge = basic;
    e
}

/// RFC 6749 §2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| invalid_client(true))?;
    let Some(encoded) = crate::web::origin::credentials(value, "Basic") else {
        return Err(invalid_client(true));
    };
    let decoded = STANDARD.decode(encoded).map_err(|_| invalid_client(true))?;
    let text = String::from_utf8(decoded).map_err(|_| invalid_client(true))?;
    let (id, secret) = text.split_once(':').ok_or_else(|| invalid_client(true))?;
    let unescape = |s: &str| {
        if !s.contains(['%', '+']) {
            return Some(s.to_string());
        }
        form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned())
    };
    match (unescape(id), unescape(secret)) {
        (Some(id), Some(secret)) if !id.is_empty() => Ok(Some((id, secret))),
        _ => Err(invalid_client(true)),
    }
}

fn presented(headers: &HeaderMap, params: &Params) -> Result<Presented, OAuthError> {
    let basic = basic_credentials(headers)?;
    if let Some(kind) = params.get("client_assertion_type") {
        if basic.is_some() || params.get("client_secret").is_some() {
            return Err(OAuthError::invalid_request("Use one client authentication method, not two."));
        }
        if kind != client_jwt::ASSERTION_TYPE {
            return Err(OAuthError::invalid_request("Unsupported client_assertion_type."));
        }
        let assertion = params.required("client_assertion")?;
        let claimed = client_jwt::claimed_client(assertion).ok_or_else(|| invalid_client(false))?;
        let id = params.get("client_id").map(str::to_owned).unwrap_or(claimed.clone());
        if id != claimed {
            return Err(invalid_client(false));
        }
        return Ok(Presented { method: AuthMethod::PrivateKeyJwt, client_id: id, secret: Some(assertion.to_string()) });
    }
    match (basic, params.get("client_secret")) {
        // RFC 6749 §2.3: a client must not use more than one authentication method per request.
        (Some(_), Some(_)) => Err(OAuthError::invalid_request("Use one client authentication method, not two.")),
        (Some((id, secret)), None) => {
            if params.get("client_id").is_some_and(|p| p != id) {
                return Err(OAuthError::invalid_request("client_id does not match the Authorization header."));
            }
            Ok(Presented { method: AuthMethod::ClientSecretBasic, client_id: id, secret: Some(secret) })
        }
        (None, secret) => {
            let id = params.get("client_id").ok_or_else(|| invalid_client(false))?;
            let method = if secret.is_some() { AuthMethod::ClientSecretPost } else { AuthMethod::None };
            Ok(Presented { method, client_id: id.to_string(), secret: secret.map(str::to_owned) })
        }
    }
}

/// Returns the authenticated client, or `invalid_client` (401) without saying which part failed.
pub async fn authenticate(state: &AppState, headers: &HeaderMap, params: &Params) -> Result<Arc<Client>, OAuthError> {
    let p = presented(headers, params)?;
    let basic = p.method == AuthMethod::ClientSecretBasic;
    let client = state.client(&p.client_id).await?.ok_or_else(|| invalid_client(basic))?;
    if client.auth_method != p.method {
        return Err(invalid_client(basic));
    }
    match p.method {
        AuthMethod::None => return Ok(client),
        AuthMethod::PrivateKeyJwt => {
            let assertion = p.secret.unwrap_or_default();
            return match client_jwt::verify(state, &client, &assertion).await {
                Ok(()) => Ok(client),
                Err(e) => {
                    tracing::info!(client_id = %client.id, reason = %e, "client assertion refused");
                    Err(invalid_client(false))
                }
            };
        }
        AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost => {}
    }
    let (Some(secret), Some(expected)) = (p.secret, client.secret_hash) else {
        return Err(invalid_client(basic));
    };
    if !crypto::constant_time_eq(&crypto::sha256(secret.as_bytes()), &expected) {
        return Err(invalid_client(basic));
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(raw: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, format!("Basic {}", STANDARD.encode(raw)).parse().unwrap());
        headers
    }

    #[test]
    fn basic_credentials_are_form_decoded_per_rfc6749_section_2_3_1() {
        assert_eq!(basic_credentials(&header("a%3Ab:s%2Bc+d")).unwrap(), Some(("a:b".into(), "s+c d".into())));
        assert_eq!(
            basic_credentials(&header("app:plain-secret")).unwrap(),
            Some(("app".into(), "plain-secret".into()))
        );
    }

    #[test]
    fn malformed_basic_headers_are_invalid_client() {
        for raw in ["no-colon", ":secret-without-id"] {
            assert!(basic_credentials(&header(raw)).is_err(), "{raw}");
        }
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "Basic !!!not-base64".parse().unwrap());
        assert!(basic_credentials(&headers).is_err());
    }
}
