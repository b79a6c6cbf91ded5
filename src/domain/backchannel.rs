//! OpenID Connect Back-Channel Logout 1.0: when a session ends, every client that received tokens
//! from it and registered a `backchannel_logout_uri` gets a signed logout token, with retries.

use std::time::Duration;

use serde::Serialize;
use serde_json::json;

use crate::clock::UnixTime;
use crate::crypto;
use crate::domain::Core;
use crate::domain::jwt;
use crate::model::{Client, Session};

/// Back-Channel Logout §2.4: the claims of a logout token (never a `nonce`).
#[derive(Serialize)]
struct LogoutClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    iat: UnixTime,
    exp: UnixTime,
    jti: String,
    sub: &'a str,
    sid: &'a str,
    events: serde_json::Value,
}

/// Delays between delivery attempts; a receiver that is down gets four tries in total.
const BACKOFF_MS: [u64; 3] = [250, 1000, 3000];

/// Tells the session's clients that it ended. Delivery runs in the background.
pub async fn session_ended(state: &Core, session: &Session) {
    let clients = match state.directory.session_clients(&session.id).await {
        Ok(clients) => clients,
        Err(e) => {
            tracing::error!(error = %e, "cannot list the clients of an ended session");
            return;
        }
    };
    for client_id in clients {
        let Ok(Some(client)) = state.client(&client_id).await else { continue };
        let Some(uri) = client.backchannel_logout_uri.clone() else { continue };
        match logout_token(state, &client, session) {
            Ok(token) => {
                tokio::spawn(deliver(state.outbound.clone(), client.id.clone(), uri, token));
            }
            Err(e) => tracing::error!(client_id = %client.id, error = %e, "cannot sign a logout token"),
        }
    }
}

fn logout_token(state: &Core, client: &Client, session: &Session) -> Result<String, crate::domain::keys::KeyError> {
    let now = state.clock.now();
    let sub = crate::domain::subjects::of(&state.secret, client, &session.user_id);
    let claims = LogoutClaims {
        iss: state.issuer(),
        aud: &client.id,
        iat: now,
        exp: now + 120,
        jti: crypto::random_id(),
        sub: &sub,
        sid: &session.id,
        events: json!({ "http://schemas.openid.net/event/backchannel-logout": {} }),
    };
    jwt::sign(state.keys().active(client.signing_alg), "logout+jwt", &claims)
}

async fn deliver(http: crate::outbound::Outbound, client_id: String, uri: String, token: String) {
    for attempt in 0..=BACKOFF_MS.len() {
        let request = match http.post(&uri) {
            Ok(request) => request,
            Err(e) => return tracing::warn!(%client_id, error = %e, "back-channel logout not sent"),
        };
        match request.form(&[("logout_token", &token)]).send().await {
            Ok(r) if r.status().is_success() => return,
            // §2.8: a 400 means the RP refused this token; sending it again will not help.
            Ok(r) if r.status().is_client_error() => {
                tracing::warn!(%client_id, status = r.status().as_u16(), "back-channel logout refused by the client");
                return;
            }
            Ok(r) => tracing::warn!(%client_id, status = r.status().as_u16(), attempt, "back-channel logout failed"),
            Err(e) => tracing::warn!(%client_id, error = %e, attempt, "back-channel logout failed"),
        }
        if let Some(ms) = BACKOFF_MS.get(attempt) {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
        }
    }
    tracing::error!(%client_id, "back-channel logout not delivered after retries");
}
