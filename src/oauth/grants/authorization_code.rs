//! `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6, OIDC Core §3.1.3.2).

use crate::domain::claims::Subject;
use crate::domain::code::{self, Redeemed};
use crate::domain::tokens::{self, Grant, TokenResponse};
use crate::model::{Client, UserId};
use crate::oauth::pkce;
use crate::state::AppState;
use crate::web::oauth_error::{ErrorCode, OAuthError};
use crate::web::params::Params;

const INVALID: &str = "The authorization code is invalid, expired or already used.";

pub async fn exchange(
    state: &AppState,
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let code = params.required("code")?;
    let redirect_uri = params.required("redirect_uri")?;
    // Atomic single use: of two concurrent redemptions exactly one finds the grant.
    let (grant, grant_id) = match code::redeem(state, code).await? {
        Redeemed::First(grant, grant_id) => (grant, grant_id),
        Redeemed::Again(grant_id) => return Err(replayed(state, &grant_id).await?),
        Redeemed::Unknown => return Err(OAuthError::invalid_grant(INVALID)),
    };

    // RFC 6749 §4.1.3: issued to this client, with this redirect_uri.
    if grant.client_id != client.id || grant.redirect_uri != redirect_uri {
        return Err(OAuthError::invalid_grant(INVALID));
    }
    match (&grant.code_challenge, params.get("code_verifier")) {
        (Some(challenge), Some(verifier)) if pkce::verify(verifier, challenge) => {}
        (Some(_), _) => {
            return Err(OAuthError::invalid_grant("The code_verifier does not match the code_challenge."));
        }
        // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade attempt.
        (None, Some(_)) => {
            return Err(OAuthError::invalid_grant("This code was issued without a code_challenge."));
        }
        (None, None) => {}
    }
    // RFC 9449 §10: a code bound to a key at the authorization request needs that key's proof.
    if grant.dpop_jkt.as_deref().is_some_and(|bound| Some(bound) != jkt) {
        return Err(OAuthError::new(ErrorCode::InvalidDpopProof, "The code is bound to another DPoP key."));
    }
    // The user as the authorization request read them with the session, else as they are now.
    let user = match grant.subject {
        Some(subject) => subject,
        None => match state.directory.user(&UserId(grant.user_id.clone())).await? {
            Some(user) if user.active => Subject::from(&user),
            _ => return Err(OAuthError::invalid_grant("The user can no longer sign in.")),
        },
    };
    let api = match &grant.audience {
        Some(identifier) => Some(
            state
                .api(identifier)
                .await?
                .ok_or_else(|| OAuthError::invalid_grant("The API this code is for is no longer registered."))?,
        ),
        None => None,
    };
    let g = Grant {
        client,
        user: &user,
        scope: &grant.scope,
        nonce: grant.nonce.as_deref(),
        auth_time: grant.auth_time,
        amr: &grant.amr,
        acr: &grant.acr,
        session_id: Some(&grant.session_id),
        api: api.as_ref(),
        grant_id: &grant_id,
        claims: grant.claims.as_ref(),
        dpop_jkt: jkt,
    };
    let mut response = tokens::mint(state, &g, true)?;
    if client.backchannel_logout_uri.is_some() {
        // Back-Channel Logout: remember that this client holds tokens from the session.
        state.directory.add_session_client(&grant.session_id, &client.id).await?;
    }
    if grant.scope.iter().any(|s| s == "offline_access") {
        let (token, record) = tokens::new_refresh(state, &g);
        state.directory.insert_refresh(&record).await?;
        response.refresh_token = Some(token);
    }
    Ok(response)
}

/// RFC 6749 §4.1.2: a code used twice is refused and what it produced is revoked. A code of
/// ours used before or expired: revoking its grant is right for the first and changes nothing
/// for the second. (A code we did not issue touches nothing.)
async fn replayed(state: &AppState, grant_id: &str) -> Result<OAuthError, OAuthError> {
    tracing::warn!(%grant_id, "authorization code used again or after expiry; revoking what it produced");
    tokens::revoke_grant_access(state, grant_id).await?;
    state.directory.revoke_family(grant_id, state.clock.now()).await?;
    Ok(OAuthError::invalid_grant(INVALID))
}
