//! The authorization response (RFC 6749 §4.1.2): a redirect with the code or the error, always
//! with `iss` (RFC 9207), or the auto-submitting page of `response_mode=form_post`.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::domain::interaction::{AuthRequest, ResponseMode};
use crate::oauth::request::VerifiedRedirect;
use crate::state::AppState;
use crate::web::oauth_error::ErrorCode;

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
