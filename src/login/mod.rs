//! The login screens. Each method has its own file and ends in `finish::finish`, the single way
//! out; this module holds what every screen shares: loading the interaction bound to this
//! browser, the CSRF check, and saving the interaction back.

mod cancel;
mod code;
pub mod finish;
pub mod limits;
mod link;
pub mod otp;
mod passkey;

use axum::Router;
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;

use crate::crypto;
use crate::http::PageError;
use crate::interaction::{self, Interaction};
use crate::oauth::params::Params;
use crate::session;
use crate::state::AppState;

pub use code::{Delivery, deliver_in_background};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login/{id}", get(code::identify_page))
        .route("/login/{id}/email", post(code::send_email))
        .route("/login/{id}/phone", get(code::phone_page).post(code::send_sms))
        .route("/login/{id}/code", get(code::code_page).post(code::verify_code))
        .route("/login/{id}/resend", post(code::resend))
        .route("/login/{id}/wait", get(link::wait))
        .route("/login/link/{token}", get(link::page).post(link::open))
        .route("/login/{id}/continue", post(finish::continue_session))
        .route("/login/{id}/cancel", post(cancel::cancel))
        .route("/login/{id}/passkey/start", post(passkey::start))
        .route("/login/{id}/passkey/finish", post(passkey::complete))
        .route("/login/{id}/passkey/offer", get(passkey::offer))
}

/// The interaction `id`, if it is live and was started by this browser.
pub async fn load(state: &AppState, jar: &CookieJar, id: &str) -> Result<Interaction, PageError> {
    let ix: Interaction = state.ephemeral.get_json(&interaction::key(id)).await?.ok_or_else(PageError::expired)?;
    let bound = session::browser_hash(state, jar).is_some_and(|h| crypto::constant_time_eq(&h, &ix.browser));
    if !bound || ix.session_id.is_some() {
        return Err(PageError::expired());
    }
    Ok(ix)
}

/// Loads the interaction for a form post and checks its CSRF token.
pub async fn load_for_post(
    state: &AppState,
    jar: &CookieJar,
    id: &str,
    form: &Params,
) -> Result<Interaction, PageError> {
    let ix = load(state, jar, id).await?;
    let token = form.get("csrf").unwrap_or("");
    if form.is_repeated("csrf") || !crypto::constant_time_eq(token.as_bytes(), ix.csrf.as_bytes()) {
        return Err(PageError::form_expired());
    }
    Ok(ix)
}

/// The frame of an interaction's pages: its language, and the application with its logo and
/// colour.
pub async fn frame<'a>(
    state: &'a AppState,
    ix: &Interaction,
    accept: &crate::i18n::AcceptLanguage,
) -> Result<crate::ui::Ui<'a>, PageError> {
    let client = match ix.client_id() {
        Some(id) => state.client(id).await?,
        None => None,
    };
    Ok(state.ui(ix.ui_locales(), accept, client.as_deref()).named(&ix.client_name))
}

/// Writes the interaction back for the rest of its original lifetime.
pub async fn save(state: &AppState, ix: &Interaction) -> Result<(), PageError> {
    let elapsed = (state.clock.now() - ix.created_at).max(0) as u64;
    let left = state.config.lifetimes.interaction.saturating_sub(elapsed);
    if left == 0 {
        return Err(PageError::expired());
    }
    state.ephemeral.put_json(&interaction::key(&ix.id), ix, left).await?;
    Ok(())
}
