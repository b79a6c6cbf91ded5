//! `finish`: the single way out of every login method — start a fresh SSO session, record the
//! login, mark the interaction done and send the browser back to `/authorize/resume/{id}`.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use crate::domain::interaction::{Interaction, Purpose};
use crate::domain::session;
use crate::login::{load_for_post, save};
use crate::model::User;
use crate::net::ClientAddr;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;

/// Where a completed interaction continues.
pub fn resume_path(ix: &Interaction) -> String {
    match ix.purpose {
        Purpose::Authorize(_) => format!("/authorize/resume/{}", ix.id),
        Purpose::Account => "/account".into(),
        Purpose::Bridge(_) => format!("/bridge/resume/{}", ix.id),
    }
}

fn resume(ix: &Interaction) -> Redirect {
    Redirect::to(&resume_path(ix))
}

/// What a login method proved about the user.
pub struct Proof<'a> {
    pub user: &'a User,
    /// The method label in metrics and audit events, such as `email_code`.
    pub method: &'static str,
    /// Authentication Method References (RFC 8176).
    pub amr: Vec<String>,
    pub acr: &'a str,
}

/// Completes a successful authentication by any method.
pub async fn finish(
    state: &AppState,
    jar: CookieJar,
    mut ix: Interaction,
    client: &ClientAddr,
    proof: Proof<'_>,
) -> Result<Response, PageError> {
    let Proof { user, method, amr, acr } = proof;
    if !user.active {
        let detail = serde_json::json!({"method": method, "reason": "account_disabled"});
        state.audit("sign_in_failed", Some(&user.id), ix.client_id(), Some(client.ip), detail);
        return Err(PageError::new(
            axum::http::StatusCode::FORBIDDEN,
            "error.disabled_title",
            "error.disabled_message",
        ));
    }
    let detail = serde_json::json!({"method": method, "amr": amr});
    let sign_in = session::SignIn {
        user_id: user.id.clone(),
        method,
        amr,
        acr: acr.to_string(),
        user_agent: client.user_agent(),
    };
    let (jar, session) = session::start(state, jar, sign_in).await?;
    state.directory.record_login(&user.id, state.clock.now()).await?;
    ix.session_id = Some(session.id);
    save_finished(state, &ix).await?;
    state.metrics.inc("tessera_logins_completed_total", &[("method", method)]);
    state.audit("sign_in", Some(&user.id), ix.client_id(), Some(client.ip), detail);
    if crate::login::passkey::should_offer(state, &jar, &ix, method, user).await {
        return Ok((jar, Redirect::to(&format!("/login/{}/passkey/offer", ix.id))).into_response());
    }
    Ok((jar, resume(&ix)).into_response())
}

/// "Continue as …": answers the interaction with the browser's existing session, when the
/// request allows it (no `prompt=login`, `max_age` satisfied).
pub async fn continue_session(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = Params::parse(&body);
    let mut ix = load_for_post(&state, &jar, &id, &form).await?;
    let current = session::current(&state, &jar).await?;
    let Some(current) = current.filter(|_| !ix.reauthenticate) else {
        return Ok(Redirect::to(&ix.login_path()).into_response());
    };
    ix.session_id = Some(current.id);
    save_finished(&state, &ix).await?;
    Ok(resume(&ix).into_response())
}

/// Saves the interaction answered, and the record that tells its pages, revisited by Back or
/// Reload, that it is finished.
async fn save_finished(state: &AppState, ix: &Interaction) -> Result<(), PageError> {
    save(state, ix).await?;
    let finished = crate::domain::interaction::Finished { browser: ix.browser, afterwards: ix.afterwards() };
    let key = crate::domain::interaction::finished_key(&ix.id);
    state.ephemeral.put_json(&key, &finished, state.config.lifetimes.interaction).await?;
    Ok(())
}
