//! Microsoft Entra ID's multi-tenant endpoints (`common`, `organizations`): the discovery
//! document names the issuer as a template, `https://login.microsoftonline.com/{tenantid}/v2.0`,
//! which no token carries as such. Each ID token is checked against its own tenant: its `iss`
//! must be the template with the token's `tid` in it (Microsoft identity platform, "Validate
//! the issuer"). A single-tenant issuer has no template, and the check is plain equality.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::CoreJsonWebKeySet;

use super::Failure;
use crate::config::UpstreamConfig;
use crate::domain::Core;

const TEMPLATE: &str = "{tenantid}";

/// The metadata and keys, read without the crate's issuer equality (the template never equals
/// the address it was fetched from).
pub async fn discover(core: &Core, upstream: &UpstreamConfig) -> Result<super::client::Metadata, Failure> {
    let url = format!("{}/.well-known/openid-configuration", upstream.issuer().trim_end_matches('/'));
    let metadata: super::client::Metadata = fetch(core, &url).await?;
    let jwks: CoreJsonWebKeySet = fetch(core, metadata.jwks_uri().as_str()).await?;
    Ok(metadata.set_jwks(jwks))
}

async fn fetch<T: serde::de::DeserializeOwned>(core: &Core, url: &str) -> Result<T, Failure> {
    let request = core.outbound.get(url).map_err(|_| Failure::Unreachable)?;
    let response = request.send().await.map_err(|_| Failure::Unreachable)?;
    if !response.status().is_success() {
        return Err(Failure::Unreachable);
    }
    response.json().await.map_err(|_| Failure::Unreachable)
}

/// The token's `iss` is the issuer template with its own `tid`.
pub fn check_tenant(id_token: &str, template: &str) -> Result<(), Failure> {
    let payload = id_token.split('.').nth(1).ok_or(Failure::BadToken)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| Failure::BadToken)?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| Failure::BadToken)?;
    let tid =
        claims["tid"].as_str().filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    let Some(tid) = tid else { return Err(Failure::BadToken) };
    let expected = template.replace(TEMPLATE, tid);
    if claims["iss"].as_str() == Some(expected.as_str()) { Ok(()) } else { Err(Failure::BadToken) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(claims: serde_json::Value) -> String {
        format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(claims.to_string()))
    }

    const COMMON: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

    #[test]
    fn the_issuer_must_be_the_tenant_the_token_names() {
        let ok = token(serde_json::json!({"iss": "https://login.microsoftonline.com/t-1/v2.0", "tid": "t-1"}));
        assert_eq!(check_tenant(&ok, COMMON), Ok(()));
        let other = token(serde_json::json!({"iss": "https://login.microsoftonline.com/t-2/v2.0", "tid": "t-1"}));
        assert_eq!(check_tenant(&other, COMMON), Err(Failure::BadToken));
        let none = token(serde_json::json!({"iss": "https://login.microsoftonline.com/t-1/v2.0"}));
        assert_eq!(check_tenant(&none, COMMON), Err(Failure::BadToken), "no tid, no tenant");
        let odd = token(serde_json::json!({"iss": "https://login.microsoftonline.com/a/b/v2.0", "tid": "a/b"}));
        assert_eq!(check_tenant(&odd, COMMON), Err(Failure::BadToken), "a tid is one path segment");
    }
}
