//! The passwordless OTP grant (`grant_type=http://auth0.com/oauth/grant-type/passwordless/otp`,
//! in the shape of Auth0's API): `realm`, `username`, `otp`, `scope` for the usual token set,
//! and `audience` (or RFC 8707 `resource`) for an access token to a registered API.
//! The same rules as the login pages: hashed codes, single use, the latest code only, attempt
//! caps and rate limits.

use std::net::IpAddr;

use axum::http::HeaderMap;
use serde_json::json;

use crate::config::ApiConfig;
use crate::domain::audience;
use crate::domain::authenticate::{Claimant, Context, Method, Refused, authenticate};
use crate::domain::claims::Subject;
use crate::domain::otp::{self, Check};
use crate::domain::passwordless::{METHOD, allowed, end_user_ip, identifier, live_key, may_check};
use crate::domain::tokens::{self, Grant, TokenResponse};
use crate::model::{Client, Identifier, User};
use crate::state::AppState;
use crate::web::oauth_error::OAuthError;
use crate::web::params::Params;

/// `grant_type=http://auth0.com/oauth/grant-type/passwordless/otp`.
pub async fn exchange(
    state: &AppState,
    client: &Client,
    params: &Params,
    headers: &HeaderMap,
    peer: IpAddr,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    allowed(client)?;
    // Checks relayed by the client's backend count against its end user, not against the backend.
    let peer = end_user_ip(client, headers, peer);
    let id = identifier(state, params.required("realm")?, params.required("username")?)?;
    let otp_text = params.required("otp")?;
    let api = audience::requested(state, params.get("audience"), params.get("resource")).await?;
    let scope = scopes(params.get("scope"));
    audience::check_scopes(&scope, api.as_ref())?;
    may_check(state, &id, client, peer).await?;
    prove(state, client, &id, otp_text, peer).await?;
    let method = Method::otp(METHOD);
    let context = Context { client_id: Some(&client.id), ip: peer, detail: None };
    let user = match authenticate(state, Claimant::Owner(&id), &method, context).await? {
        Ok(user) => user,
        Err(Refused::NoAccount) => return Err(wrong()),
        Err(Refused::Disabled) => return Err(OAuthError::invalid_grant("The user can no longer sign in.")),
    };
    issue(state, client, &user, &scope, &method, api.as_ref(), jkt).await
}

/// The scopes asked for (the user's own claims, `offline_access`, the API's); `openid` when
/// none is.
fn scopes(raw: Option<&str>) -> Vec<String> {
    raw.unwrap_or("openid").split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The same answer for an unknown identifier, a wrong code and an expired one.
fn wrong() -> OAuthError {
    OAuthError::invalid_grant("Wrong email or phone number or verification code.")
}

/// Checks `otp_text` against the client's live code for `id`, which it spends when right.
async fn prove(
    state: &AppState,
    client: &Client,
    id: &Identifier,
    otp_text: &str,
    peer: IpAddr,
) -> Result<(), OAuthError> {
    let failed = |reason: &'static str| {
        state.metrics.inc("tessera_logins_failed_total", &[("method", METHOD), ("reason", reason)]);
        let detail = json!({"method": METHOD, "reason": reason, "to": id.masked()});
        state.audit("sign_in_failed", None, Some(&client.id), Some(peer), detail);
    };
    let live = live_key(state, &client.id, id);
    let Some(challenge) = state.ephemeral.get(&live).await? else {
        failed("expired");
        return Err(wrong());
    };
    let Some(code) = otp::normalize(otp_text) else {
        failed("wrong_code");
        return Err(wrong());
    };
    match otp::check(state, &String::from_utf8_lossy(&challenge), &code).await? {
        Check::Accepted(proven) if &proven == id => {}
        Check::Accepted(_) | Check::Expired => {
            failed("expired");
            return Err(wrong());
        }
        Check::Wrong { .. } => {
            failed("wrong_code");
            return Err(wrong());
        }
        Check::Locked => {
            failed("too_many_attempts");
            return Err(OAuthError::invalid_grant(
                "You have reached the maximum number of attempts. Request a new code to sign in.",
            ));
        }
    }
    state.ephemeral.delete(&live).await?;
    Ok(())
}

/// The token set for a user signed in by the grant: no session, a refresh token with
/// `offline_access`.
async fn issue(
    state: &AppState,
    client: &Client,
    user: &User,
    scope: &[String],
    method: &Method<'_>,
    api: Option<&ApiConfig>,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let grant_id = crate::crypto::random_id();
    let subject = Subject::from(user);
    let g = Grant {
        client,
        user: &subject,
        scope,
        nonce: None,
        auth_time: state.clock.now(),
        amr: &method.amr,
        acr: method.acr,
        session_id: None,
        grant_id: &grant_id,
        claims: None,
        dpop_jkt: jkt,
        api,
    };
    let mut response = tokens::mint(state, &g, false)?;
    if scope.iter().any(|s| s == "offline_access") {
        let (token, record) = tokens::new_refresh(state, &g);
        state.directory.insert_refresh(&record).await?;
        response.refresh_token = Some(token);
    }
    Ok(response)
}
