//! The application's request to skip the choice page and send the person straight to one
//! upstream provider, under the names other providers give it: Auth0's `connection` and
//! Keycloak's `kc_idp_hint`. Either names an upstream by its id; both may be sent if they agree.
//!
//! ```text
//! /authorize?...&connection=corp --> Interaction { upstream: corp } --> 303 /login/upstream/corp
//! the upstream fails or refuses --> redirect_uri?error=temporarily_unavailable|access_denied&state&iss
//! ```

use crate::domain::interaction::AuthRequest;
use crate::oauth::checks::Invalid;
use crate::state::AppState;
use crate::web::oauth_error::ErrorCode;
use crate::web::params::Params;

/// The parameters that name the upstream, in the order they are read.
pub const NAMES: [&str; 2] = ["connection", "kc_idp_hint"];

fn invalid(description: impl Into<String>) -> Invalid {
    (ErrorCode::InvalidRequest, description.into())
}

/// The upstream id the request names, if any: the parameters that are present must agree
/// (RFC 6749 §4.1.2.1 `invalid_request` otherwise).
pub fn named(p: &Params) -> Result<Option<&str>, Invalid> {
    let mut found: Option<&str> = None;
    for name in NAMES {
        match (found, p.get(name)) {
            (_, None) => {}
            (Some(earlier), Some(this)) if earlier != this => {
                return Err(invalid("The connection and kc_idp_hint parameters name different providers."));
            }
            (_, Some(this)) => found = Some(this),
        }
    }
    Ok(found)
}

/// Records in `request` the upstream it names, once that upstream is known to exist and able to
/// meet what the request demands of the sign-in.
pub async fn apply(state: &AppState, p: &Params, request: &mut AuthRequest) -> Result<(), Invalid> {
    let Some(id) = named(p)? else { return Ok(()) };
    let found = state.upstream(id).await.map_err(|e| {
        tracing::error!(error = %e, "store error reading an upstream");
        (ErrorCode::TemporarilyUnavailable, "The service is temporarily unavailable.".to_string())
    })?;
    if found.is_none() {
        return Err(invalid("The connection names no provider known here."));
    }
    // An upstream sign-in counts as `aal1`: it never meets a demand for a passkey.
    if state.webauthn.is_some() && request.acr_demand().is_some_and(|d| d.needs_passkey()) {
        return Err(invalid("The connection cannot meet the acr asked for: only a passkey can."));
    }
    request.upstream = Some(id.to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn either_parameter_names_the_upstream_and_two_must_agree() {
        assert_eq!(named(&Params::parse(b"connection=corp")), Ok(Some("corp")));
        assert_eq!(named(&Params::parse(b"kc_idp_hint=corp")), Ok(Some("corp")));
        assert_eq!(named(&Params::parse(b"connection=corp&kc_idp_hint=corp")), Ok(Some("corp")));
        assert_eq!(named(&Params::parse(b"scope=openid")), Ok(None));
        let disagree = Params::parse(b"connection=corp&kc_idp_hint=google");
        assert_eq!(named(&disagree).map_err(|e| e.0), Err(ErrorCode::InvalidRequest));
    }
}
