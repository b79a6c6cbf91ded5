//! Revoked access tokens (RFC 7009): marks in Ephemeral by grant and by `jti`, kept as long as
//! such a token may live, and the check every token reader makes.

use super::AccessClaims;
use crate::domain::Core;
use crate::domain::jwt;
use crate::web::oauth_error::OAuthError;

/// Ephemeral key that marks every access token of a grant as revoked.
pub fn revoked_grant_key(grant_id: &str) -> String {
    format!("revoked-grant:{grant_id}")
}

/// Revokes every access token minted for `grant_id` (they are checked at userinfo and
/// introspection), for as long as any of them may live (an API may give longer lifetimes).
pub async fn revoke_grant_access(state: &Core, grant_id: &str) -> Result<(), OAuthError> {
    let longest = state.config.lifetimes.access_token.max(crate::config::apis::MAX_TOKEN_LIFETIME_SECS);
    state.ephemeral.put(&revoked_grant_key(grant_id), vec![1], longest).await?;
    Ok(())
}

/// Ephemeral key that marks one access token as revoked (RFC 7009), until it would expire.
pub fn revoked_jti_key(jti: &str) -> String {
    format!("revoked-jti:{jti}")
}

/// The claims of an access token this server issued that is still live: signature, issuer and
/// expiry check out, and neither it nor its grant has been revoked. (Audience is the caller's.)
pub async fn live_access_token(state: &Core, token: &str) -> Result<Option<AccessClaims>, crate::store::StoreError> {
    let Ok(at) = jwt::verify::<AccessClaims>(&state.keys(), token, "at+jwt") else { return Ok(None) };
    if at.iss != state.issuer() || at.exp <= state.clock.now() {
        return Ok(None);
    }
    if state.ephemeral.get(&revoked_grant_key(&at.gid)).await?.is_some()
        || state.ephemeral.get(&revoked_jti_key(&at.jti)).await?.is_some()
    {
        return Ok(None);
    }
    Ok(Some(at))
}
