//! `[[apis]]`: the APIs an access token can be for (Auth0's `audience`, RFC 8707's `resource`),
//! each with its identifier, scopes, token lifetime and signing algorithm.

use serde::{Deserialize, Serialize};

use crate::model::SigningAlg;

/// One API (a resource server) that access tokens are issued for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// The `aud` of its access tokens: what clients pass as `audience` or `resource`.
    pub identifier: String,
    #[serde(default)]
    pub name: Option<String>,
    /// The scopes of this API a client may ask for, besides the OpenID Connect ones.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Seconds its access tokens live; absent: `lifetimes.access_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_lifetime_secs: Option<u64>,
    /// The algorithm of Tessera's key that signs its access tokens (RS256, ES256, EdDSA).
    #[serde(default = "default_alg")]
    pub signing_alg: String,
}

fn default_alg() -> String {
    "RS256".into()
}

/// Longest access-token lifetime an API may ask for: 30 days, Auth0's ceiling.
pub const MAX_TOKEN_LIFETIME_SECS: u64 = 30 * 24 * 3600;

impl ApiConfig {
    pub fn alg(&self) -> SigningAlg {
        self.signing_alg.parse().unwrap_or(SigningAlg::RS256)
    }

    pub fn lifetime(&self, default: u64) -> u64 {
        self.token_lifetime_secs.unwrap_or(default)
    }
}

/// Checks one API; the error names the field inside it.
pub fn check(api: &ApiConfig) -> Result<(), (&'static str, String)> {
    let id = &api.identifier;
    if id.is_empty() || id.len() > 600 || !id.chars().all(|c| c.is_ascii_graphic()) {
        return Err(("identifier", "must be 1-600 visible ASCII characters".into()));
    }
    // RFC 8707 §2: a resource indicator is an absolute URI without a fragment; an identifier
    // that is a URI must be one a client can pass as `resource`.
    if id.contains("://") && !url::Url::parse(id).is_ok_and(|u| u.fragment().is_none()) {
        return Err(("identifier", "a URI identifier must be absolute, without a fragment".into()));
    }
    api.signing_alg.parse::<SigningAlg>().map_err(|e| ("signing_alg", e))?;
    if let Some(bad) =
        api.scopes.iter().find(|s| s.is_empty() || !s.chars().all(|c| c.is_ascii_graphic() && c != '"' && c != '\\'))
    {
        return Err(("scopes", format!("{bad:?} is not a scope token (RFC 6749 §3.3)")));
    }
    if let Some(bad) = api.scopes.iter().find(|s| crate::model::SCOPES.contains(&s.as_str())) {
        return Err(("scopes", format!("{bad:?} is an OpenID Connect scope, granted without an API")));
    }
    match api.token_lifetime_secs {
        Some(secs) if secs == 0 || secs > MAX_TOKEN_LIFETIME_SECS => {
            Err(("token_lifetime_secs", format!("must be 1..={MAX_TOKEN_LIFETIME_SECS}")))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(identifier: &str) -> ApiConfig {
        ApiConfig {
            identifier: identifier.into(),
            name: None,
            scopes: vec!["read:notes".into()],
            token_lifetime_secs: Some(600),
            signing_alg: "ES256".into(),
        }
    }

    #[test]
    fn an_identifier_is_a_uri_or_a_plain_name() {
        assert!(check(&api("https://notes.example/api")).is_ok());
        assert!(check(&api("urn:notes")).is_ok());
        assert!(check(&api("notes-api")).is_ok());
        assert_eq!(check(&api("https://notes.example/#frag")).unwrap_err().0, "identifier");
        assert_eq!(check(&api("")).unwrap_err().0, "identifier");
    }

    #[test]
    fn scopes_lifetime_and_algorithm_are_checked() {
        assert_eq!(check(&ApiConfig { scopes: vec!["openid".into()], ..api("a") }).unwrap_err().0, "scopes");
        assert_eq!(check(&ApiConfig { scopes: vec!["a b".into()], ..api("a") }).unwrap_err().0, "scopes");
        assert_eq!(
            check(&ApiConfig { token_lifetime_secs: Some(0), ..api("a") }).unwrap_err().0,
            "token_lifetime_secs"
        );
        assert_eq!(check(&ApiConfig { signing_alg: "HS256".into(), ..api("a") }).unwrap_err().0, "signing_alg");
    }
}
