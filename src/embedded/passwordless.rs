//! Embedded passwordless sign-in, in the shape of Auth0's API, for applications that keep their
//! own login form:
//!
//! - `POST /passwordless/start` (JSON or form, client-authenticated): `connection` `email` or
//!   `sms`, `email` or `phone_number`, `send` `code` or `link` (links for email only; without
//!   `send`, a link by email as at Auth0), optional `authParams` used when a link completes in
//!   the browser, and the `x-request-language` header for the message's language. A
//!   confidential client may pass its end user's address in `auth0-forwarded-for`, so limits
//!   apply to the real user; a public client (SPA, native) is counted by its own address.
//! - `POST /token` with `grant_type=http://auth0.com/oauth/grant-type/passwordless/otp`:
//!   `oauth::grants::passwordless_otp`.
//!
//! The same rules as the login pages: hashed codes, single use, the latest code only, attempt
//! caps, rate limits, and the same answer whether or not the identifier belongs to someone.

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
use crate::domain::authenticate::{Claimant, Context, Method, authenticate};
use crate::domain::otp::{self};
use crate::domain::passwordless::{allowed, end_user_ip, identifier, live_key, may_send, may_start_public};
use crate::domain::session;
use crate::model::Identifier;
use crate::net::ClientAddr;
use crate::oauth::client_auth;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::oauth_error::OAuthError;
use crate::web::params::AnyBody;

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
    let send = send(params.get("send"), &id)?;
    let auth_params = auth_params(params.get("authParams"))?;
    let ip = end_user_ip(&client, &headers, peer.ip);
    may_start_public(&state, &client, ip).await?;
    may_send(&state, &id, &client, ip).await?;
    let known = state.directory.user_by_identifier(&id).await?;
    let (challenge_id, code) = otp::start(&state, &id, &format!("client:{}", client.id)).await?;
    state
        .ephemeral
        .put(&live_key(&state, &client.id, &id), challenge_id.into_bytes(), state.config.lifetimes.otp)
        .await?;
    let link = match send {
        Send::Link => {
            let token = crypto::random_token();
            let record = LinkRecord { client_id: client.id.clone(), identifier: id.clone(), auth_params };
            state.ephemeral.put_json(&link_key(&token), &record, state.config.lifetimes.magic_link).await?;
            Some(state.url(&format!("/passwordless/link/{token}")))
        }
        Send::Code => None,
    };
    if known.is_some() || state.config.login.signup {
        state.metrics.inc("tessera_codes_sent_total", &[("channel", id.kind())]);
        let detail = json!({"channel": id.kind(), "to": id.masked(), "via": "passwordless_api"});
        state.audit("code_sent", known.as_ref().map(|u| &u.id), Some(&client.id), Some(ip), detail);
        let code = link.is_none().then_some(code);
        // The message says how long what it carries works: the link's lifetime, or the code's.
        let expires_secs =
            Some(if link.is_some() { state.config.lifetimes.magic_link } else { state.config.lifetimes.otp });
        let lang = state.locales.negotiate(request_language(&headers), None).lang().to_string();
        let delivery = crate::domain::deliver::Delivery {
            to: id.clone(),
            code,
            link,
            app_name: client.name.clone(),
            lang,
            brand: None,
            expires_secs,
        };
        crate::domain::deliver::deliver_in_background(&state, delivery, Some(client.id.clone()));
    }
    Ok(Json(started(&id)))
}

enum Send {
    Code,
    Link,
}

/// `send`: `code` or `link`. Without it Auth0 sends a link, and so does Tessera by email; a
/// text message carries a code (Tessera sends no links by SMS).
fn send(raw: Option<&str>, id: &Identifier) -> Result<Send, OAuthError> {
    match (raw, id) {
        (Some("code"), _) | (None, Identifier::Phone(_)) => Ok(Send::Code),
        (Some("link") | None, Identifier::Email(_)) => Ok(Send::Link),
        _ => Err(OAuthError::invalid_request("send must be code, or link for the email connection.")),
    }
}

/// Auth0's `x-request-language` header: the language of the email or text (a BCP 47 tag, as
/// `ui_locales` takes them); absent or unknown, the default language.
fn request_language(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-request-language").and_then(|v| v.to_str().ok()).filter(|v| v.len() <= 64)
}

/// `authParams`: the authorization request a link continues with, as a JSON object.
fn auth_params(raw: Option<&str>) -> Result<serde_json::Map<String, Value>, OAuthError> {
    match raw {
        Some(text) => {
            serde_json::from_str(text).map_err(|_| OAuthError::invalid_request("authParams must be an object."))
        }
        None => Ok(Default::default()),
    }
}

/// Auth0's answer to a start: the target, never whether someone owns it.
fn started(id: &Identifier) -> Value {
    let mut answer = json!({ "_id": crypto::random_id() });
    match id {
        Identifier::Email(e) => {
            answer["email"] = json!(e.as_str());
            answer["email_verified"] = json!(false);
        }
        Identifier::Phone(p) => {
            answer["phone_number"] = json!(p.as_str());
            answer["phone_verified"] = json!(false);
        }
    }
    answer
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
