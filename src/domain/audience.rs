//! Which API an access token is for: Auth0's `audience` or RFC 8707's `resource` naming an API
//! of the registry, and the scopes a grant may then carry.

use crate::config::ApiConfig;
use crate::domain::Core;
use crate::web::oauth_error::{ErrorCode, OAuthError};

fn invalid_target(description: String) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidTarget, description)
}

/// RFC 8707 §2: a resource indicator is an absolute URI without a fragment.
pub fn check_resource(resource: &str) -> Result<(), OAuthError> {
    match url::Url::parse(resource) {
        Ok(uri) if uri.fragment().is_none() => Ok(()),
        _ => Err(OAuthError::invalid_request("resource must be an absolute URI without a fragment.")),
    }
}

/// The API named by `audience` or `resource` (the same thing, so both may be given only when
/// they agree); `None` when neither is given. A name no API is registered under is
/// `invalid_target`.
pub async fn requested(
    state: &Core,
    audience: Option<&str>,
    resource: Option<&str>,
) -> Result<Option<ApiConfig>, OAuthError> {
    if let Some(resource) = resource {
        check_resource(resource)?;
    }
    let named = match (audience, resource) {
        (Some(a), Some(r)) if a != r => {
            return Err(OAuthError::invalid_request("audience and resource name different APIs."));
        }
        (Some(named), _) | (None, Some(named)) => named,
        (None, None) => return Ok(None),
    };
    match state.api(named).await? {
        Some(api) => Ok(Some(api)),
        None => Err(invalid_target(format!("No API is registered as {named:?}."))),
    }
}

/// Every scope is one of OpenID Connect's or, with an API, one of that API's.
pub fn check_scopes(scope: &[String], api: Option<&ApiConfig>) -> Result<(), OAuthError> {
    let known = |s: &String| crate::model::SCOPES.contains(&s.as_str()) || api.is_some_and(|a| a.scopes.contains(s));
    match scope.iter().find(|s| !known(s)) {
        Some(bad) => Err(OAuthError::new(ErrorCode::InvalidScope, format!("The scope {bad:?} is not available here."))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api() -> ApiConfig {
        ApiConfig {
            identifier: "https://notes.example/api".into(),
            name: None,
            scopes: vec!["read:notes".into()],
            token_lifetime_secs: None,
            signing_alg: "RS256".into(),
        }
    }

    #[test]
    fn an_apis_scopes_are_granted_only_for_that_api() {
        let scope = vec!["openid".to_string(), "read:notes".to_string()];
        assert!(check_scopes(&scope, Some(&api())).is_ok());
        assert_eq!(check_scopes(&scope, None).unwrap_err().code.as_str(), "invalid_scope");
    }

    #[test]
    fn a_resource_is_an_absolute_uri_without_a_fragment_per_rfc_8707() {
        assert!(check_resource("https://notes.example/api").is_ok());
        assert!(check_resource("notes").is_err());
        assert!(check_resource("https://notes.example/#x").is_err());
    }
}
