//! Authorization codes (RFC 6749 §4.1.2): minted with 256 bits, stored hashed in Ephemeral for
//! 60 s, bound to everything the token request must repeat; and the response that carries them.
//!
//! A code is 32 random bytes followed by a 128-bit tag under the server secret. The tag tells a
//! code this server issued from a made-up one after its record is gone, and the grant a code
//! produces is derived from it: a replay, however late, finds what to revoke without a record
//! left behind for every redemption.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use crate::oauth::error::ErrorCode;
use crate::oauth::request::VerifiedRedirect;
use crate::clock::UnixTime;
use crate::crypto;
use crate::interaction::{AuthRequest, ResponseMode};
use crate::model::Session;
use crate::state::AppState;
use crate::store::StoreResult;

/// What a code stands for; kept under `code:{sha256}` until redeemed or expired.
#[derive(Debug, Serialize, Deserialize)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    pub scope: Vec<String>,
    pub user_id: String,
    pub auth_time: UnixTime,
    pub amr: Vec<String>,
    pub acr: String,
    pub session_id: String,
}

pub fn key(code: &str) -> String {
    format!("code:{}", crypto::sha256_hex(code.as_bytes()))
}

const RANDOM: usize = 32;
const TAG: usize = 16;
/// Length of a code: `RANDOM + TAG` bytes in base64url without padding.
const LENGTH: usize = (RANDOM + TAG) * 4 / 3;

fn tag(secret: &[u8], random: &[u8]) -> [u8; 32] {
    crypto::keyed_hash(secret, &[b"authorization code", random])
}

fn mint(secret: &[u8]) -> String {
    let mut bytes = [0u8; RANDOM + TAG];
    let (random, tagged) = bytes.split_at_mut(RANDOM);
    crypto::fill(random);
    tagged.copy_from_slice(&tag(secret, random)[..TAG]);
    crypto::b64url(&bytes)
}

/// The id of the grant `code` produces when redeemed, or `None` if this server (with this
/// secret) did not issue it. Token ids, refresh families and revocation all use this id.
pub fn grant_id(secret: &[u8], code: &str) -> Option<String> {
    use base64::Engine;
    if code.len() != LENGTH {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(code).ok()?;
    let (random, presented) = bytes.split_at_checked(RANDOM)?;
    if !crypto::constant_time_eq(&tag(secret, random)[..TAG], presented) {
        return None;
    }
    Some(crypto::b64url(&crypto::keyed_hash(secret, &[b"authorization code grant", random])[..16]))
}

/// Mints a code for `request` answered by `session`.
pub async fn issue(state: &AppState, request: &AuthRequest, session: &Session) -> StoreResult<String> {
    let code = mint(&state.secret);
    let grant = CodeGrant {
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        nonce: request.nonce.clone(),
        scope: request.scope.clone(),
        user_id: session.user_id.0.clone(),
        auth_time: session.auth_time,
        amr: session.amr.clone(),
        acr: session.acr.clone(),
        session_id: session.id.clone(),
    };
    state.ephemeral.put_json(&key(&code), &grant, state.config.lifetimes.authorization_code).await?;
    Ok(code)
}

/// An authorization response (success or error) to a verified redirect_uri, always with `iss`
/// (RFC 9207 §2) and the client's `state`.
pub struct AuthorizationResponse {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub params: Vec<(&'static str, String)>,
    /// The form_post page's words, in the request's `ui_locales` (only for that mode).
    text: Option<FormPostText>,
}

struct FormPostText {
    lang: String,
    title: String,
    no_js: String,
    button: String,
}

impl FormPostText {
    fn of(state: &AppState, mode: ResponseMode, ui_locales: Option<&str>) -> Option<Self> {
        let t = (mode == ResponseMode::FormPost).then(|| state.locales.negotiate(ui_locales, None))?;
        Some(FormPostText {
            lang: t.lang().into(),
            title: t.t("form_post.title").into(),
            no_js: t.t("form_post.no_js").into(),
            button: t.t("form_post.continue").into(),
        })
    }
}

impl AuthorizationResponse {
    pub fn success(state: &AppState, request: &AuthRequest, code: String) -> Self {
        let mut params = vec![("code", code)];
        params.extend(request.state.clone().map(|s| ("state", s)));
        params.push(("iss", state.issuer().to_string()));
        let text = FormPostText::of(state, request.response_mode, request.ui_locales.as_deref());
        AuthorizationResponse { redirect_uri: request.redirect_uri.clone(), mode: request.response_mode, params, text }
    }

    /// An error for the client (RFC 6749 §4.1.2.1); `ui_locales` words a form_post page.
    pub fn error(
        state: &AppState,
        to: VerifiedRedirect,
        ui_locales: Option<&str>,
        code: ErrorCode,
        description: &str,
    ) -> Self {
        let mut params = vec![("error", code.as_str().to_string()), ("error_description", description.to_string())];
        params.extend(to.state.map(|s| ("state", s)));
        params.push(("iss", state.issuer().to_string()));
        let text = FormPostText::of(state, to.mode, ui_locales);
        AuthorizationResponse { redirect_uri: to.uri, mode: to.mode, params, text }
    }

    /// An error answering a validated request (the user denied or turned back).
    pub fn refused(state: &AppState, request: &AuthRequest, code: ErrorCode, description: &str) -> Self {
        Self::error(state, VerifiedRedirect::of(request), request.ui_locales.as_deref(), code, description)
    }
}

#[derive(Template)]
#[template(path = "form_post.html")]
struct FormPost<'a> {
    action: &'a str,
    fields: &'a [(&'static str, String)],
    text: &'a FormPostText,
}

impl IntoResponse for AuthorizationResponse {
    fn into_response(self) -> Response {
        let no_store = [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))];
        match self.mode {
            ResponseMode::Query => {
                let query = serde_urlencoded::to_string(&self.params).unwrap_or_default();
                let sep = if self.redirect_uri.contains('?') { '&' } else { '?' };
                (no_store, Redirect::to(&format!("{}{sep}{query}", self.redirect_uri))).into_response()
            }
            ResponseMode::FormPost => {
                let Some(text) = &self.text else { return StatusCode::INTERNAL_SERVER_ERROR.into_response() };
                match (FormPost { action: &self.redirect_uri, fields: &self.params, text }).render() {
                    Ok(html) => (no_store, Html(html)).into_response(),
                    Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_carries_256_random_bits_and_names_one_grant() {
        let (a, b) = (mint(b"secret"), mint(b"secret"));
        assert_eq!(a.len(), LENGTH);
        assert_ne!(a, b);
        let grant = grant_id(b"secret", &a).expect("an issued code is recognised");
        assert_eq!(grant.len(), 22, "128-bit grant ids, like random ones");
        assert_eq!(grant_id(b"secret", &a), Some(grant.clone()), "the same code always names the same grant");
        assert_ne!(grant_id(b"secret", &b), Some(grant));
    }

    #[test]
    fn a_code_this_server_did_not_issue_names_no_grant() {
        let code = mint(b"secret");
        assert_eq!(grant_id(b"another secret", &code), None);
        let mut altered = code.clone().into_bytes();
        altered[3] = if altered[3] == b'A' { b'B' } else { b'A' };
        assert_eq!(grant_id(b"secret", std::str::from_utf8(&altered).unwrap()), None);
        for bad in ["", "short", &"x".repeat(LENGTH), &format!("{code}A"), &"é".repeat(LENGTH / 2)] {
            assert_eq!(grant_id(b"secret", bad), None, "{bad}");
        }
    }
}
