//! Ending sessions — one, by id, or all of a user's — audited, with back-channel logout to the
//! clients that took part (OIDC Back-Channel Logout 1.0).

use crate::domain::Core;
use crate::domain::backchannel;
use crate::model::Session;

/// Ends the session and tells its clients over the back channel.
pub async fn end(state: &Core, session: &Session, by: &str) {
    if let Err(e) = end_id(state, &session.id, by).await {
        tracing::error!(error = %e, "could not end a session");
    }
}

/// Ends the session `id` if it is live (audited, clients told); returns it.
pub async fn end_id(state: &Core, id: &str, by: &str) -> crate::store::StoreResult<Option<Session>> {
    let ended = state.directory.revoke_session(id, state.clock.now()).await?;
    if let Some(ended) = &ended {
        let detail = serde_json::json!({"session_id": ended.id, "by": by});
        state.audit("session_revoked", Some(&ended.user_id), None, None, detail);
        backchannel::session_ended(state, ended).await;
    }
    Ok(ended)
}

/// Signs a user out everywhere: every live session and every refresh-token family. Returns how
/// many of each ended.
pub async fn end_all(state: &Core, user: &crate::model::UserId, by: &str) -> crate::store::StoreResult<(usize, u64)> {
    let now = state.clock.now();
    let live = state.directory.sessions_of_user(user, now).await?;
    for session in &live {
        end(state, session, by).await;
    }
    Ok((live.len(), state.directory.revoke_refresh_of_user(user, now).await?))
}
