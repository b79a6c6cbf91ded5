//! The login screens. Each method has its own file and ends in `finish::finish`, the single way
//! out; this module holds what every screen shares: loading the interaction bound to this
//! browser, the CSRF check, and saving the interaction back.

mod cancel;
mod code;
pub mod finish;
mod link;
mod notice;
mod passkey;
mod resume;
mod send;
mod upstream;

use axum::Router;
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;

use crate::crypto;
use crate::domain::interaction::{self, Interaction};
use crate::domain::session;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/authorize/resume/{id}", get(resume::resume))
        .route("/login/{id}", get(code::identify_page))
        .route("/login/{id}/email", post(send::send_email))
        .route("/login/{id}/phone", get(code::phone_page).post(send::send_sms))
        .route("/login/{id}/code", get(code::code_page).post(code::verify_code))
        .route("/login/{id}/resend", post(send::resend))
        .route("/login/{id}/wait", get(link::wait))
        .route("/login/{id}/status", get(link::status))
        .route("/login/link/{token}", get(link::page).post(link::open))
        .route("/login/upstream/{provider}", get(upstream::start))
        .route("/login/upstream/{provider}/callback", get(upstream::callback_get).post(upstream::callback_post))
        .route("/login/{id}/continue", post(finish::continue_session))
        .route("/login/{id}/cancel", post(cancel::cancel))
        .route("/login/{id}/passkey/start", post(passkey::start))
        .route("/login/{id}/passkey/finish", post(passkey::complete))
        .route("/login/{id}/passkey/offer", get(passkey::offer))
        // Sign-in pages hold addresses and one-time state: never stored, so Back and Reload ask
        // the server again (and learn that a sign-in finished) instead of showing a stale form.
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        ))
}

/// The interaction `id`, if it is live and was started by this browser.
pub async fn load(state: &AppState, jar: &CookieJar, id: &str) -> Result<Interaction, PageError> {
    let ix: Option<Interaction> = state.ephemeral.get_json(&interaction::key(id)).await?;
    match ix {
        Some(ix) if bound(state, jar, &ix.browser) && ix.session_id().is_none() => Ok(ix),
        _ => Err(gone(state, jar, id).await?),
    }
}

fn bound(state: &AppState, jar: &CookieJar, browser: &[u8; 32]) -> bool {
    session::browser_hash(state, jar).is_some_and(|h| crypto::constant_time_eq(&h, browser))
}

/// The page for a sign-in that is no longer live: "you are signed in" (with the way on) when
/// this browser finished it and is still signed in, as after Back or Reload; else "expired".
pub async fn gone(state: &AppState, jar: &CookieJar, id: &str) -> Result<PageError, PageError> {
    let finished: Option<interaction::Finished> = state.ephemeral.get_json(&interaction::finished_key(id)).await?;
    let Some(finished) = finished.filter(|f| bound(state, jar, &f.browser)) else { return Ok(PageError::expired()) };
    if session::current(state, jar).await?.is_none() {
        return Ok(PageError::expired());
    }
    Ok(PageError::signed_in(finished.afterwards))
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
) -> Result<crate::web::ui::Ui<'a>, PageError> {
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
