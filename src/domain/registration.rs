//! Dynamic client registration (RFC 7591, OIDC Dynamic Client Registration 1.0): client
//! metadata checked into a client registration, with the rules for `application_type` and a
//! `sector_identifier_uri` fetched and read; RFC 7592's registration access token.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::ClientConfig;
use crate::crypto;
use crate::domain::Core;

/// RFC 7591 §2 and OIDC Registration §2 metadata Tessera acts on; others are ignored (§2:
/// "the authorization server MUST ignore any client metadata ... that it does not understand").
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Metadata {
    pub redirect_uris: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sector_identifier_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token_signed_response_alg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_signed_response_alg: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub post_logout_redirect_uris: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
    pub dpop_bound_access_tokens: bool,
    pub require_pushed_authorization_requests: bool,
    pub require_signed_request_object: bool,
}

/// RFC 7591 §3.2.2: `invalid_redirect_uri` or `invalid_client_metadata`, with a description.
#[derive(Debug, PartialEq, Eq)]
pub enum Invalid {
    RedirectUri(String),
    Metadata(String),
}

const GRANTS: [&str; 3] = ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"];

/// OIDC Registration §2 `application_type`: web clients redirect to https hosts other than
/// localhost; native clients to private-use schemes or loopback http (RFC 8252 §7).
fn check_redirects(m: &Metadata) -> Result<(), Invalid> {
    if m.redirect_uris.is_empty() {
        return Err(Invalid::RedirectUri("redirect_uris is required".into()));
    }
    let native = match m.application_type.as_deref() {
        None | Some("web") => false,
        Some("native") => true,
        Some(other) => return Err(Invalid::Metadata(format!("application_type {other:?} is not web or native"))),
    };
    for uri in &m.redirect_uris {
        crate::config::check_redirect_uri(uri).map_err(|e| Invalid::RedirectUri(format!("{uri}: {e}")))?;
        let url = url::Url::parse(uri).map_err(|e| Invalid::RedirectUri(format!("{uri}: {e}")))?;
        let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        let allowed = match (native, url.scheme()) {
            (false, "https") => !loopback,
            (false, _) => false,
            (true, "http") => loopback,
            (true, "https") => true,
            (true, _) => true,
        };
        if !allowed {
            let rule = if native {
                "native clients use private-use schemes or loopback http"
            } else {
                "web clients use https, not localhost"
            };
            return Err(Invalid::RedirectUri(format!("{uri}: {rule}")));
        }
    }
    Ok(())
}

/// RFC 7591 §2: only the grant and response types Tessera offers.
fn check_types(m: &Metadata) -> Result<(), Invalid> {
    if let Some(grant) = m.grant_types.iter().flatten().find(|g| !GRANTS.contains(&g.as_str())) {
        return Err(Invalid::Metadata(format!("grant_types: {grant:?} is not offered")));
    }
    if let Some(response) = m.response_types.iter().flatten().find(|r| *r != "code") {
        return Err(Invalid::Metadata(format!("response_types: {response:?} is not offered (only code)")));
    }
    Ok(())
}

/// The registration as a client configuration, checked by the same rules as every client.
pub fn client_config(m: &Metadata, id: &str, secret: Option<String>) -> Result<ClientConfig, Invalid> {
    check_redirects(m)?;
    check_types(m)?;
    let c = ClientConfig {
        id: id.to_string(),
        name: m.client_name.clone(),
        secret,
        redirect_uris: m.redirect_uris.clone(),
        post_logout_redirect_uris: m.post_logout_redirect_uris.clone(),
        token_endpoint_auth_method: auth_method(m).to_string(),
        id_token_signed_response_alg: m.id_token_signed_response_alg.clone().unwrap_or_else(|| "RS256".into()),
        jwks_uri: m.jwks_uri.clone(),
        jwks: m.jwks.as_ref().map(Value::to_string),
        backchannel_logout_uri: m.backchannel_logout_uri.clone(),
        backchannel_logout_session_required: m.backchannel_logout_session_required,
        client_credentials_scopes: Vec::new(),
        email_sends: None,
        cross_device_links: None,
        passwordless: false,
        verify_callback_url: None,
        logo_uri: m.logo_uri.clone(),
        primary_color: None,
        // Nobody vouched for a registered client: its users consent to what it asks.
        third_party: true,
        require_pushed_authorization_requests: m.require_pushed_authorization_requests,
        require_signed_request_object: m.require_signed_request_object,
        subject_type: m.subject_type.clone(),
        sector_identifier_uri: m.sector_identifier_uri.clone(),
        userinfo_signed_response_alg: m.userinfo_signed_response_alg.clone(),
        dpop_bound_access_tokens: m.dpop_bound_access_tokens,
        security_profile: None,
    };
    crate::config::check_client(&c).map_err(|(field, why)| match field {
        "redirect_uris" | "post_logout_redirect_uris" => Invalid::RedirectUri(format!("{field}: {why}")),
        _ => Invalid::Metadata(format!("{field}: {why}")),
    })?;
    Ok(c)
}

/// RFC 7591 §2: `client_secret_basic` unless the client says otherwise.
pub fn auth_method(m: &Metadata) -> &str {
    m.token_endpoint_auth_method.as_deref().unwrap_or("client_secret_basic")
}

/// OIDC Registration §5: the `sector_identifier_uri` is a JSON array that lists every
/// redirect URI of the client; it is fetched and read at registration.
pub async fn check_sector(core: &Core, m: &Metadata) -> Result<(), Invalid> {
    let Some(uri) = &m.sector_identifier_uri else { return Ok(()) };
    let refused = |why: String| Invalid::Metadata(format!("sector_identifier_uri: {why}"));
    let request = core.outbound.get(uri).map_err(refused)?;
    let response = request.send().await.map_err(|e| refused(format!("unreachable: {e}")))?;
    if !response.status().is_success() {
        return Err(refused(format!("answered {}", response.status())));
    }
    let body = response.bytes().await.map_err(|e| refused(e.to_string()))?;
    if body.len() > 64 * 1024 {
        return Err(refused("the document is too large".into()));
    }
    let listed: Vec<String> = serde_json::from_slice(&body).map_err(|_| refused("not a JSON array of URIs".into()))?;
    match m.redirect_uris.iter().find(|r| !listed.contains(r)) {
        Some(missing) => Err(refused(format!("does not list {missing}"))),
        None => Ok(()),
    }
}

/// A new registration access token (RFC 7592 §3) and the hash that is kept.
pub fn new_access_token() -> (String, String) {
    let token = crypto::random_token();
    let hash = crypto::sha256_hex(token.as_bytes());
    (token, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(kind: Option<&str>, uri: &str) -> Metadata {
        Metadata { application_type: kind.map(str::to_owned), redirect_uris: vec![uri.into()], ..Metadata::default() }
    }

    #[test]
    fn web_clients_redirect_to_https_hosts_and_native_ones_to_their_schemes_or_loopback() {
        assert_eq!(check_redirects(&meta(None, "https://app.example/cb")), Ok(()));
        assert!(check_redirects(&meta(None, "https://localhost/cb")).is_err(), "web: not localhost");
        assert!(check_redirects(&meta(Some("web"), "http://127.0.0.1:9/cb")).is_err(), "web: not http");
        assert!(check_redirects(&meta(Some("web"), "com.example.app:/cb")).is_err(), "web: not a private scheme");
        assert_eq!(check_redirects(&meta(Some("native"), "com.example.app:/cb")), Ok(()));
        assert_eq!(check_redirects(&meta(Some("native"), "http://127.0.0.1:9/cb")), Ok(()));
        assert!(
            check_redirects(&meta(Some("native"), "http://app.example/cb")).is_err(),
            "native: http only on loopback"
        );
        assert!(matches!(check_redirects(&meta(Some("tv"), "https://app.example/cb")), Err(Invalid::Metadata(_))));
        assert!(matches!(check_redirects(&Metadata::default()), Err(Invalid::RedirectUri(_))));
    }

    #[test]
    fn only_offered_grant_and_response_types_register() {
        let ok = Metadata {
            grant_types: Some(vec!["authorization_code".into(), "refresh_token".into()]),
            ..Metadata::default()
        };
        assert_eq!(check_types(&ok), Ok(()));
        let implicit = Metadata { response_types: Some(vec!["token".into()]), ..Metadata::default() };
        assert!(check_types(&implicit).is_err());
        let password = Metadata { grant_types: Some(vec!["password".into()]), ..Metadata::default() };
        assert!(check_types(&password).is_err());
    }
}
