//! Embedded passwordless sign-in, in the shape of Auth0's API, for applications that keep their
//! own login form:
//!
//! - `POST /passwordless/start` (JSON or form, client-authenticated): `connection` `email` or
//!   `sms`, `email` or `phone_number`, `send` `code` or `link` (links for email only), optional
//!   `authParams` used when a link completes in the browser. A confidential client may pass its
//!   end user's address in `auth0-forwarded-for`, so limits apply to the real user.
//! - `POST /token` with `grant_type=http://auth0.com/oauth/grant-type/passwordless/otp`,
//!   `realm`, `username`, `otp`, `scope`: the usual token set.
//!
//! The same rules as the login pages: hashed codes, single use, the latest code only, attempt
//! caps, rate limits, and the same answer whether or not the identifier belongs to someone.

use std::net::IpAddr;

use askama::Template;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::crypto;
use crate::domain::authenticate::{Claimant, Context, Method, Refused, authenticate};
use crate::domain::limits::{self, Limited};
use crate::domain::otp::{self, Check};
use crate::domain::session;
use crate::domain::tokens::{self, Grant, TokenResponse};
use crate::model::{Client, Identifier, Phone};
use crate::net::ClientAddr;
use crate::oauth::client_auth;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::oauth_error::{ErrorCode, OAuthError};
use crate::web::params::{AnyBody, Params};

pub const GRANT: &str = "http://auth0.com/oauth/grant-type/passwordless/otp";
const METHOD: &str = "passwordless_api";

/// The client may use the embedded APIs.
pub fn allowed(client: &Client) -> Result<(), OAuthError> {
    if client.passwordless && !client.is_public() {
        return Ok(());
    }
    Err(OAuthError::new(ErrorCode::UnauthorizedClient, "This client is not allowed the passwordless APIs."))
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
pub fn identifier(state: &AppState, kind: &str, value: &str) -> Result<Identifier, OAuthError> {
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
pub async fn may_send(state: &AppState, id: &Identifier, client: &Client, ip: IpAddr) -> Result<(), OAuthError> {
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
pub async fn may_check(state: &AppState, id: &Identifier, client: &Client, ip: IpAddr) -> Result<(), OAuthError> {
    if let Some(Limited { limit, .. }) = limits::before_check(state, id, &format!("client:{}", client.id), ip).await? {
        state.metrics.inc("tessera_rate_limited_total", &[("limit", limit)]);
        return Err(OAuthError::new(ErrorCode::TooManyAttempts, "Too many attempts; wait and try again."));
    }
    Ok(())
}

fn live_key(state: &AppState, client_id: &str, id: &Identifier) -> String {
    let hash = crypto::keyed_hash(
        &state.secret,
        &[b"pwless", client_id.as_bytes(), id.kind().as_bytes(), id.as_str().as_bytes()],
    );
    format!("pwless:{}", crypto::b64url(&hash))
}

#[derive(Serialize, Deserialize)]
struct LinkRecord {
    client_id: String,
    identifier: Identifier,
    auth_params: serde_json::Map<String, Value>,
}

fn link_key(token: &str) -> String {
    format!("pwless-link:{}", crypto::b64url(&crypto::sha256(token.as_bytes())))
}

pub async fn start(
    State(state): State<AppState>,
    Extension(peer): Extension<ClientAddr>,
    headers: HeaderMap,
    AnyBody(params): AnyBody,
) -> Result<Json<Value>, OAuthError> {
    params.reject_repeats()?;
    let client = client_auth::authenticate(&state, &headers, &params).await?;
    allowed(&client)?;
    let connection = params.required("connection")?;
    let value = match connection {
        "sms" => params.required("phone_number")?,
        _ => params.required("email")?,
    };
    let id = identifier(&state, connection, value)?;
    let send = params.get("send").unwrap_or("code");
    if !matches!((send, &id), ("code", _) | ("link", Identifier::Email(_))) {
        return Err(OAuthError::invalid_request("send must be code, or link for the email connection."));
    }
    let auth_params: serde_json::Map<String, Value> = match params.get("authParams") {
        Some(text) => {
            serde_json::from_str(text).map_err(|_| OAuthError::invalid_request("authParams must be an object."))?
        }
        None => Default::default(),
    };
    let ip = end_user_ip(&client, &headers, peer.ip);
    may_send(&state, &id, &client, ip).await?;
    let known = state.directory.user_by_identifier(&id).await?;
    let (challenge_id, code) = otp::start(&state, &id, &format!("client:{}", client.id)).await?;
    state
        .ephemeral
        .put(&live_key(&state, &client.id, &id), challenge_id.into_bytes(), state.config.lifetimes.otp)
        .await?;
    let link = if send == "link" {
        let token = crypto::random_token();
        let record = LinkRecord { client_id: client.id.clone(), identifier: id.clone(), auth_params };
        state.ephemeral.put_json(&link_key(&token), &record, state.config.lifetimes.magic_link).await?;
        Some(state.url(&format!("/passwordless/link/{token}")))
    } else {
        None
    };
    if known.is_some() || state.config.login.signup {
        state.metrics.inc("tessera_codes_sent_total", &[("channel", id.kind())]);
        let detail = json!({"channel": id.kind(), "to": id.masked(), "via": "passwordless_api"});
        state.audit("code_sent", known.as_ref().map(|u| &u.id), Some(&client.id), Some(ip), detail);
        let code = link.is_none().then_some(code);
        let lang = state.locales.negotiate(None, None).lang().to_string();
        let delivery =
            crate::domain::deliver::Delivery { to: id.clone(), code, link, app_name: client.name.clone(), lang };
        crate::domain::deliver::deliver_in_background(&state, delivery, Some(client.id.clone()));
    }
    let mut answer = json!({ "_id": crypto::random_id() });
    match &id {
        Identifier::Email(e) => {
            answer["email"] = json!(e.as_str());
            answer["email_verified"] = json!(false);
        }
        Identifier::Phone(p) => {
            answer["phone_number"] = json!(p.as_str());
            answer["phone_verified"] = json!(false);
        }
    }
    Ok(Json(answer))
}

/// Scopes the grant can give: the user's own claims and `offline_access`.
const SCOPES: [&str; 5] = crate::model::SCOPES;

/// `grant_type=http://auth0.com/oauth/grant-type/passwordless/otp`.
pub async fn exchange(
    state: &AppState,
    client: &Client,
    params: &Params,
    headers: &HeaderMap,
    peer: IpAddr,
) -> Result<TokenResponse, OAuthError> {
    allowed(client)?;
    // Checks relayed by the client's backend count against its end user, not against the backend.
    let peer = end_user_ip(client, headers, peer);
    let id = identifier(state, params.required("realm")?, params.required("username")?)?;
    let otp_text = params.required("otp")?;
    let scope: Vec<String> =
        params.get("scope").unwrap_or("openid").split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect();
    if let Some(bad) = scope.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(OAuthError::new(ErrorCode::InvalidScope, format!("The scope {bad:?} is not available here.")));
    }
    may_check(state, &id, client, peer).await?;
    let wrong = || OAuthError::invalid_grant("Wrong email or phone number or verification code.");
    let failed = |reason: &'static str| {
        state.metrics.inc("tessera_logins_failed_total", &[("method", METHOD), ("reason", reason)]);
        state.audit(
            "sign_in_failed",
            None,
            Some(&client.id),
            Some(peer),
            json!({"method": METHOD, "reason": reason, "to": id.masked()}),
        );
    };
    let Some(challenge) = state.ephemeral.get(&live_key(state, &client.id, &id)).await? else {
        failed("expired");
        return Err(wrong());
    };
    let challenge = String::from_utf8_lossy(&challenge).to_string();
    let Some(code) = otp::normalize(otp_text) else {
        failed("wrong_code");
        return Err(wrong());
    };
    match otp::check(state, &challenge, &code).await? {
        Check::Accepted(proven) if proven == id => {}
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
    state.ephemeral.delete(&live_key(state, &client.id, &id)).await?;
    let method = Method::otp(METHOD);
    let context = Context { client_id: Some(&client.id), ip: peer, detail: None };
    let user = match authenticate(state, Claimant::Owner(&id), &method, context).await? {
        Ok(user) => user,
        Err(Refused::NoAccount) => return Err(wrong()),
        Err(Refused::Disabled) => return Err(OAuthError::invalid_grant("The user can no longer sign in.")),
    };
    let now = state.clock.now();
    let grant_id = crypto::random_id();
    let g = Grant {
        client,
        user: &user,
        scope: &scope,
        nonce: None,
        auth_time: now,
        amr: &method.amr,
        acr: method.acr,
        session_id: None,
        grant_id: &grant_id,
    };
    let mut response = tokens::mint(state, &g, false)?;
    if scope.iter().any(|s| s == "offline_access") {
        let (token, record) = tokens::new_refresh(state, &g);
        state.directory.insert_refresh(&record).await?;
        response.refresh_token = Some(token);
    }
    Ok(response)
}

#[derive(askama::Template)]
#[template(path = "passwordless_link.html")]
struct LinkPage<'a> {
    ui: crate::web::ui::Ui<'a>,
}

/// `GET /passwordless/link/{token}`: one button; reading the link changes nothing.
pub async fn link_page(
    State(state): State<AppState>,
    accept: crate::i18n::AcceptLanguage,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let record: LinkRecord = state.ephemeral.get_json(&link_key(&token)).await?.ok_or_else(expired)?;
    let client = state.client(&record.client_id).await?.ok_or_else(expired)?;
    let page = LinkPage { ui: state.ui(None, &accept, Some(&client)) };
    Ok(Html(page.render().map_err(PageError::rendering)?).into_response())
}

/// `POST /passwordless/link/{token}`: signs the user in here, then continues with the client's
/// `authParams` as an ordinary authorization request.
pub async fn link_open(
    State(state): State<AppState>,
    Extension(peer): Extension<ClientAddr>,
    jar: CookieJar,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if crate::web::origin::cross_site(&state.config, &headers) {
        return Err(crate::web::origin::cross_site_refused());
    }
    let record: LinkRecord = state.ephemeral.take_json(&link_key(&token)).await?.ok_or_else(expired)?;
    let method = Method::otp("passwordless_link");
    let context = Context { client_id: Some(&record.client_id), ip: peer.ip, detail: None };
    let user = authenticate(&state, Claimant::Owner(&record.identifier), &method, context).await?;
    let user = user.map_err(|_| expired())?;
    let sign_in = session::SignIn::of(&user, method, peer.user_agent());
    let (jar, _) = session::start(&state, jar, sign_in).await?;
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("client_id", &record.client_id);
    for (name, value) in &record.auth_params {
        if name == "client_id" || name == "prompt" {
            continue;
        }
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        query.append_pair(name, &text);
    }
    Ok((jar, Redirect::to(&format!("/authorize?{}", query.finish()))).into_response())
}

fn expired() -> PageError {
    PageError::new(axum::http::StatusCode::BAD_REQUEST, "error.link_used_title", "error.link_used_message")
}
