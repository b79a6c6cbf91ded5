//! `grant_type=refresh_token` (RFC 6749 §6, OIDC Core §12) with rotation on every use and
//! family revocation on reuse (RFC 9700 §4.14.2).

use crate::crypto;
use crate::domain::claims::Subject;
use crate::domain::tokens::{self, Grant, TokenResponse};
use crate::model::Client;
use crate::state::AppState;
use crate::store::{RefreshToken, Rotation};
use crate::web::oauth_error::{ErrorCode, OAuthError};
use crate::web::params::Params;

const INVALID: &str = "The refresh token is invalid, expired or revoked.";

pub async fn exchange(
    state: &AppState,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let presented = crypto::sha256(params.required("refresh_token")?.as_bytes());
    let requested: Option<Vec<String>> =
        params.get("scope").map(|s| s.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect());
    let now = state.clock.now();
    // Read once, and only when a check below needs the record before the token is used.
    let live = match client.is_public() || requested.is_some() || client.options.fapi2 {
        true => state.directory.live_refresh_token(&presented, now).await?,
        false => None,
    };
    // RFC 9449 §5: a public client's bound token needs its key's proof; checked before the
    // rotation, so a thief without the key cannot use the token up.
    if client.is_public()
        && let Some(current) = &live
        && current.dpop_jkt.as_deref().is_some_and(|bound| Some(bound) != jkt)
    {
        return Err(OAuthError::new(ErrorCode::InvalidDpopProof, "The refresh token is bound to another DPoP key."));
    }
    // RFC 6749 §6: a narrower scope may be asked for, never a wider one; checked before the
    // token is rotated so a refused request does not cost the client its token. A token that is
    // not live goes on to the rotation, which tells reuse (the family is revoked, RFC 9700
    // §4.14.2) from an unknown token.
    if let (Some(requested), Some(current)) = (&requested, &live) {
        check_scope(requested, &current.scope)?;
    }
    let (current, next) = used(state, client, &presented, live, now).await?;
    let user = state.directory.user(&current.user_id).await?;
    let Some(user) = user.filter(|u| u.active) else {
        state.directory.revoke_family(&current.family_id, now).await?;
        return Err(OAuthError::invalid_grant("The user can no longer sign in."));
    };
    if let Some(requested) = &requested {
        check_scope(requested, &current.scope)?;
    }
    let granted: Vec<String> = current.scope.split(' ').map(str::to_owned).collect();
    let claims = current.claims.as_deref().and_then(|c| serde_json::from_str(c).ok());
    // The family keeps the API it was granted for; one since removed ends it.
    let api = match &current.audience {
        Some(identifier) => Some(
            state
                .api(identifier)
                .await?
                .ok_or_else(|| OAuthError::invalid_grant("The API this grant is for is no longer registered."))?,
        ),
        None => None,
    };
    let g = Grant {
        client,
        user: &Subject::from(&user),
        scope: requested.as_deref().unwrap_or(&granted),
        nonce: None,
        auth_time: current.auth_time,
        amr: &current.amr,
        acr: &current.acr,
        session_id: current.session_id.as_deref(),
        grant_id: &current.family_id,
        claims: claims.as_ref(),
        dpop_jkt: jkt,
        api: api.as_ref(),
    };
    let mut response = tokens::mint(state, &g, false)?;
    response.refresh_token = next;
    Ok(response)
}

/// The presented token's record, and the token that replaces it: rotated on every use (RFC 9700
/// §4.14.2), where reuse revokes the family; for a FAPI 2.0 client kept as it is (FAPI 2.0
/// §5.3.2.1: no rotation, `live` being its record as read), so the answer carries no new one.
async fn used(
    state: &AppState,
    client: &Client,
    presented: &[u8; 32],
    live: Option<RefreshToken>,
    now: i64,
) -> Result<(Box<RefreshToken>, Option<String>), OAuthError> {
    if client.options.fapi2 {
        let live = live.filter(|t| t.client_id == client.id);
        return live.map(|t| (Box::new(t), None)).ok_or_else(|| OAuthError::invalid_grant(INVALID));
    }
    let next = crypto::random_token();
    let next_hash = crypto::sha256(next.as_bytes());
    let expires = now + state.config.lifetimes.refresh_token as i64;
    match state.directory.rotate_refresh(presented, &client.id, &next_hash, expires, now).await? {
        Rotation::Rotated(current) => Ok((current, Some(next))),
        Rotation::Reused { family_id } => {
            tracing::warn!(family_id = %family_id, client_id = %client.id, "refresh token reused; family revoked");
            let detail = serde_json::json!({"family_id": family_id});
            state.audit("refresh_token_reused", None, Some(&client.id), None, detail);
            tokens::revoke_grant_access(state, &family_id).await?;
            Err(OAuthError::invalid_grant(INVALID))
        }
        Rotation::Invalid => Err(OAuthError::invalid_grant(INVALID)),
    }
}

/// RFC 6749 §6: the requested scope "MUST NOT include any scope not originally granted".
fn check_scope(requested: &[String], granted: &str) -> Result<(), OAuthError> {
    let granted: Vec<&str> = granted.split(' ').collect();
    if requested.iter().all(|s| granted.contains(&s.as_str())) {
        Ok(())
    } else {
        Err(OAuthError::new(ErrorCode::InvalidScope, "The requested scope exceeds the original grant."))
    }
}
