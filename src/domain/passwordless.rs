//! The rules the embedded passwordless API shares between `/passwordless/start` and its token
//! grant (and `/verify`): which clients may use it, whose address the limits count, the target
//! of a request, the send and check limits, and the live code of each client and target.

use std::net::IpAddr;

use axum::http::HeaderMap;
use serde_json::json;

use crate::crypto;
use crate::domain::Core;
use crate::domain::limits::{self, Limited};
use crate::model::{Client, Identifier, Phone};
use crate::web::oauth_error::{ErrorCode, OAuthError};

pub const GRANT: &str = "http://auth0.com/oauth/grant-type/passwordless/otp";

pub const METHOD: &str = "passwordless_api";

/// The client may use `/passwordless/start` and the OTP grant. As at Auth0, public clients
/// (single-page and native applications, `token_endpoint_auth_method = "none"`) may too: they
/// identify themselves by `client_id` alone, and the limits count the caller's own address.
pub fn allowed(client: &Client) -> Result<(), OAuthError> {
    if client.passwordless {
        return Ok(());
    }
    Err(OAuthError::new(ErrorCode::UnauthorizedClient, "This client is not allowed the passwordless APIs."))
}

/// The client may use `/verify`: a server-side API, so only a confidential client.
pub fn allowed_verify(client: &Client) -> Result<(), OAuthError> {
    allowed(client)?;
    if client.is_public() {
        return Err(OAuthError::new(ErrorCode::UnauthorizedClient, "The verify API needs a confidential client."));
    }
    Ok(())
}

/// Auth0's "Get Passwordless Code or Link" limit for callers without a secret: 50 an hour from
/// one address (on top of Tessera's own send limits, which apply to every client).
pub const PUBLIC_STARTS_PER_HOUR: u64 = 50;

/// The extra limit on `/passwordless/start` for a public client, counted per source address.
pub async fn may_start_public(state: &Core, client: &Client, ip: IpAddr) -> Result<(), OAuthError> {
    if !client.is_public() {
        return Ok(());
    }
    let key = format!("rl:pwless-public:{}", limits::source(ip));
    if state.ephemeral.incr(&key, 3600).await? > PUBLIC_STARTS_PER_HOUR {
        state.metrics.inc("tessera_rate_limited_total", &[("limit", "public_start_per_ip")]);
        return Err(OAuthError::new(ErrorCode::TooManyAttempts, "Too many codes requested; wait and try again."));
    }
    Ok(())
}

/// The end user's address: a confidential client may forward it.
pub fn end_user_ip(client: &Client, headers: &HeaderMap, peer: IpAddr) -> IpAddr {
    if client.is_public() {
        return peer;
    }
    headers
        .get("auth0-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(peer)
}

/// Parses the target of a request: an email address, or a phone number when SMS is on.
pub fn identifier(state: &Core, kind: &str, value: &str) -> Result<Identifier, OAuthError> {
    match kind {
        "email" => value.parse().map(Identifier::Email).map_err(OAuthError::invalid_request),
        "sms" if !state.config.sms.enabled() => Err(OAuthError::invalid_request("SMS is not available here.")),
        "sms" => {
            let region = Some(state.config.sms.default_region.as_str()).filter(|r| !r.is_empty());
            Phone::parse(value, region).map(Identifier::Phone).map_err(OAuthError::invalid_request)
        }
        _ => Err(OAuthError::invalid_request("connection must be email or sms.")),
    }
}

/// Rate limits and the SMS defences before a send, as OAuth errors.
pub async fn may_send(state: &Core, id: &Identifier, client: &Client, ip: IpAddr) -> Result<(), OAuthError> {
    if let Some(Limited { limit, .. }) = limits::before_send(state, id, &format!("client:{}", client.id), ip).await? {
        state.metrics.inc("tessera_rate_limited_total", &[("limit", limit)]);
        state.audit("rate_limited", None, Some(&client.id), Some(ip), json!({"limit": limit, "to": id.masked()}));
        return Err(OAuthError::new(ErrorCode::TooManyAttempts, "Too many codes requested; wait and try again."));
    }
    if let Identifier::Phone(phone) = id
        && let Some(reason) = limits::sms_refusal(state, phone).await?
    {
        state.audit("sms_refused", None, Some(&client.id), Some(ip), json!({"reason": reason, "to": phone.masked()}));
        return Err(OAuthError::invalid_request("A text message cannot be sent to this number."));
    }
    Ok(())
}

/// The check limits (per IP, per identifier, per client) before a code is compared, as an OAuth
/// error.
pub async fn may_check(state: &Core, id: &Identifier, client: &Client, ip: IpAddr) -> Result<(), OAuthError> {
    if let Some(Limited { limit, .. }) = limits::before_check(state, id, &format!("client:{}", client.id), ip).await? {
        state.metrics.inc("tessera_rate_limited_total", &[("limit", limit)]);
        return Err(OAuthError::new(ErrorCode::TooManyAttempts, "Too many attempts; wait and try again."));
    }
    Ok(())
}

pub fn live_key(state: &Core, client_id: &str, id: &Identifier) -> String {
    let hash = crypto::keyed_hash(
        &state.secret,
        &[b"pwless", client_id.as_bytes(), id.kind().as_bytes(), id.as_str().as_bytes()],
    );
    format!("pwless:{}", crypto::b64url(&hash))
}
