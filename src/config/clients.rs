//! `[[clients]]` and `[[bridges]]`: the relying parties and brokers declared in the file (the
//! directory holds those registered at run time, in the same shapes).

use serde::{Deserialize, Serialize};

use super::urls::{check_redirect_uri, check_server_url};
use crate::model::{AuthMethod, SigningAlg, SubjectType};

/// A client declared in the file; clients added with the CLI live in the directory instead.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Absent for public clients (`token_endpoint_auth_method = "none"`).
    #[serde(default)]
    pub secret: Option<String>,
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    #[serde(default = "default_auth_method")]
    pub token_endpoint_auth_method: String,
    #[serde(default = "default_alg")]
    pub id_token_signed_response_alg: String,
    /// For `private_key_jwt`: where the client publishes its JWK Set (fetched and cached) ...
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// ... or the JWK Set itself, as JSON.
    #[serde(default)]
    pub jwks: Option<String>,
    /// OIDC Back-Channel Logout: where to POST a logout token when a session ends.
    #[serde(default)]
    pub backchannel_logout_uri: Option<String>,
    #[serde(default)]
    pub backchannel_logout_session_required: bool,
    /// Scopes the client may request for itself with the client_credentials grant.
    #[serde(default)]
    pub client_credentials_scopes: Vec<String>,
    /// Overrides `login.email_sends` for this client: `code`, `link` or `both`.
    #[serde(default)]
    pub email_sends: Option<String>,
    /// Overrides `login.cross_device_links` for this client.
    #[serde(default)]
    pub cross_device_links: Option<bool>,
    /// Allows the embedded APIs: `/passwordless/start` and the passwordless OTP grant (public
    /// clients too, as at Auth0), and `/verify` (confidential clients only).
    #[serde(default)]
    pub passwordless: bool,
    /// Where `/verify` requests POST their final status (a JWT signed by Tessera).
    #[serde(default)]
    pub verify_callback_url: Option<String>,
    /// The application's logo on the login pages (https).
    #[serde(default)]
    pub logo_uri: Option<String>,
    /// The application's accent colour on the login pages, as `#rrggbb`.
    #[serde(default)]
    pub primary_color: Option<String>,
    /// A third-party application: the user is asked to consent to the scopes it requests.
    #[serde(default)]
    pub third_party: bool,
    /// RFC 9126: authorization requests only through the pushed authorization request endpoint.
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    /// RFC 9101: authorization requests only as request objects signed with the client's keys.
    #[serde(default)]
    pub require_signed_request_object: bool,
    /// OIDC Core §8: `public` (the default) or `pairwise` subject identifiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_type: Option<String>,
    /// For pairwise subjects: the https URL whose host names the client's sector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector_identifier_uri: Option<String>,
    /// Userinfo answers as a JWT signed with RS256, ES256 or EdDSA (absent: plain JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_signed_response_alg: Option<String>,
    /// RFC 9449: every access token must be DPoP-bound (token requests without a proof fail).
    #[serde(default)]
    pub dpop_bound_access_tokens: bool,
    /// `fapi2`: the FAPI 2.0 Security Profile (PAR, PKCE, DPoP, private_key_jwt, no RS256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_profile: Option<String>,
}

fn default_auth_method() -> String {
    "client_secret_basic".into()
}

fn default_alg() -> String {
    "RS256".into()
}

/// Checks one client; the error names the field inside the client.
pub fn validate_client(c: &ClientConfig) -> Result<(), (&'static str, String)> {
    if c.id.is_empty() || c.id.len() > 128 || !c.id.chars().all(|ch| ch.is_ascii_graphic()) {
        return Err(("id", "must be 1-128 visible ASCII characters".into()));
    }
    let method: AuthMethod = c.token_endpoint_auth_method.parse().map_err(|e| ("token_endpoint_auth_method", e))?;
    c.id_token_signed_response_alg.parse::<SigningAlg>().map_err(|e| ("id_token_signed_response_alg", e))?;
    match (method, &c.secret) {
        (AuthMethod::None | AuthMethod::PrivateKeyJwt, Some(_)) => {
            return Err(("secret", format!("a client using {} has no secret", method.as_str())));
        }
        (AuthMethod::None, None) => {}
        (AuthMethod::PrivateKeyJwt, None) => check_client_keys(c)?,
        (_, None) => return Err(("secret", "required for a confidential client".into())),
        (_, Some(s)) if s.len() < 16 => {
            return Err(("secret", "must be at least 16 characters".into()));
        }
        (_, Some(_)) => {}
    }
    if c.redirect_uris.is_empty() {
        return Err(("redirect_uris", "at least one is required".into()));
    }
    for uri in &c.redirect_uris {
        check_redirect_uri(uri).map_err(|e| ("redirect_uris", format!("{uri:?}: {e}")))?;
    }
    for uri in &c.post_logout_redirect_uris {
        check_redirect_uri(uri).map_err(|e| ("post_logout_redirect_uris", format!("{uri:?}: {e}")))?;
    }
    if let Some(uri) = &c.backchannel_logout_uri {
        check_server_url(uri).map_err(|e| ("backchannel_logout_uri", format!("{uri:?}: {e}")))?;
    }
    if let Some(uri) = &c.verify_callback_url {
        check_server_url(uri).map_err(|e| ("verify_callback_url", format!("{uri:?}: {e}")))?;
    }
    if c.verify_callback_url.is_some() && method == AuthMethod::None {
        return Err(("verify_callback_url", "the verify API needs a confidential client".into()));
    }
    // The embedded APIs issue tokens without a consent page.
    if c.passwordless && c.third_party {
        return Err((
            "passwordless",
            "a third-party client must ask for consent, so it cannot use the embedded APIs".into(),
        ));
    }
    if let Some(sends) = &c.email_sends {
        sends.parse::<crate::model::EmailSends>().map_err(|e| ("email_sends", e))?;
    }
    if let Some(uri) = &c.logo_uri {
        check_server_url(uri).map_err(|e| ("logo_uri", format!("{uri:?}: {e}")))?;
    }
    if let Some(color) = &c.primary_color {
        crate::config::theme::check_color(color).map_err(|e| ("primary_color", e))?;
    }
    check_subjects(c)?;
    check_profile(c, method)?;
    if let Some(alg) = &c.userinfo_signed_response_alg {
        alg.parse::<SigningAlg>().map_err(|e| ("userinfo_signed_response_alg", e))?;
    }
    let signs = method == AuthMethod::PrivateKeyJwt || c.require_signed_request_object;
    if !signs && (c.jwks.is_some() || c.jwks_uri.is_some()) {
        return Err((
            "jwks",
            "keys are used with token_endpoint_auth_method = \"private_key_jwt\" or signed request objects".into(),
        ));
    }
    if c.require_signed_request_object && method != AuthMethod::PrivateKeyJwt {
        check_client_keys(c)
            .map_err(|(field, why)| (field, format!("{why} (request objects are signed with them)")))?;
    }
    Ok(())
}

/// OIDC Core §8.1: pairwise subjects are computed for one sector, the host of the
/// `sector_identifier_uri` or of every redirect URI.
fn check_subjects(c: &ClientConfig) -> Result<(), (&'static str, String)> {
    let kind = c.subject_type.as_deref().unwrap_or("public").parse::<SubjectType>().map_err(|e| ("subject_type", e))?;
    if let Some(uri) = &c.sector_identifier_uri {
        if kind != SubjectType::Pairwise {
            return Err(("sector_identifier_uri", "is used only with subject_type = \"pairwise\"".into()));
        }
        return check_server_url(uri).map_err(|e| ("sector_identifier_uri", format!("{uri:?}: {e}")));
    }
    let hosts: std::collections::BTreeSet<_> =
        c.redirect_uris.iter().filter_map(|u| url::Url::parse(u).ok()?.host_str().map(str::to_owned)).collect();
    if kind == SubjectType::Pairwise && hosts.len() > 1 {
        return Err(("sector_identifier_uri", "redirect URIs on several hosts need one to name the sector".into()));
    }
    Ok(())
}

/// FAPI 2.0 Security Profile §5.3.2.1 and §5.4: confidential clients by `private_key_jwt`, and
/// no RS256 signatures.
fn check_profile(c: &ClientConfig, method: AuthMethod) -> Result<(), (&'static str, String)> {
    match c.security_profile.as_deref() {
        None => Ok(()),
        Some("fapi2") if method != AuthMethod::PrivateKeyJwt => {
            Err(("token_endpoint_auth_method", "FAPI 2.0 clients authenticate with private_key_jwt".into()))
        }
        Some("fapi2") if c.id_token_signed_response_alg == "RS256" => {
            Err(("id_token_signed_response_alg", "FAPI 2.0 allows ES256 or EdDSA here, not RS256".into()))
        }
        Some("fapi2") => Ok(()),
        Some(other) => Err(("security_profile", format!("{other:?} is not a profile Tessera knows (fapi2)"))),
    }
}

/// RFC 7523 clients register exactly one of `jwks` (a JWK Set) and `jwks_uri`.
fn check_client_keys(c: &ClientConfig) -> Result<(), (&'static str, String)> {
    match (&c.jwks, &c.jwks_uri) {
        (Some(_), Some(_)) => Err(("jwks", "set jwks or jwks_uri, not both".into())),
        (None, None) => Err(("jwks_uri", "private_key_jwt needs jwks or jwks_uri".into())),
        (Some(set), None) => serde_json::from_str::<jsonwebtoken::jwk::JwkSet>(set)
            .map(drop)
            .map_err(|e| ("jwks", format!("not a JWK Set: {e}"))),
        (None, Some(uri)) => check_server_url(uri).map_err(|e| ("jwks_uri", format!("{uri:?}: {e}"))),
    }
}
