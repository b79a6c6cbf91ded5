//! `finish`: the single way out of every login method — authenticate (`domain::authenticate`),
//! start a fresh SSO session, mark the interaction done and send the browser back to
//! `/authorize/resume/{id}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use crate::domain::authenticate::{Claimant, Context, Method, Refused, authenticate};
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
        Purpose::Console { .. } => "/console".into(),
        Purpose::Bridge(_) => format!("/bridge/resume/{}", ix.id),
        Purpose::Device(ref user_code) => crate::domain::interaction::device_path(user_code),
    }
}

fn resume(ix: &Interaction) -> Redirect {
    Redirect::to(&resume_path(ix))
}

/// What a login method proved: about whom, and how.
pub struct Proof<'a> {
    pub claimant: Claimant<'a>,
    pub method: Method<'a>,
}

/// Completes a successful authentication by any method.
pub async fn finish(
    state: &AppState,
    jar: CookieJar,
    ix: Interaction,
    client: &ClientAddr,
    proof: Proof<'_>,
) -> Result<Response, PageError> {
    // One sign-in per interaction: of two methods finishing at once (a passkey's button and its
    // autofill, two tabs), only the first starts a session.
    let claim = format!("ix-finishing:{}", ix.id);
    if !state.ephemeral.put_new(&claim, vec![1], state.config.lifetimes.interaction).await? {
        return Err(PageError::signed_in(ix.afterwards()));
    }
    let context = Context { client_id: ix.client_id(), ip: client.ip, detail: None };
    let refused = match authenticate(state, proof.claimant, &proof.method, context).await? {
        Ok(user) => return signed_in(state, jar, ix, client, user, proof.method).await,
        Err(refused) => refused,
    };
    state.ephemeral.delete(&claim).await?;
    match refused {
        Refused::NoAccount => Ok(Redirect::to(&format!("/login/{}?e=noaccount", ix.id)).into_response()),
        Refused::Disabled => {
            Err(PageError::new(StatusCode::FORBIDDEN, "error.disabled_title", "error.disabled_message"))
        }
    }
}

/// Starts the session of an authenticated user and answers the interaction.
async fn signed_in(
    state: &AppState,
    jar: CookieJar,
    mut ix: Interaction,
    client: &ClientAddr,
    user: User,
    method: Method<'_>,
) -> Result<Response, PageError> {
    let label = method.label;
    if let Some(identity) = ix.upstream_link.take() {
        // The person proved this upstream account earlier in the sign-in, and now their own.
        crate::domain::upstream::accounts::link(state, &user.id, &identity).await?;
    }
    let jar = if label == crate::domain::upstream::METHOD { jar } else { session::forget_upstream(state, jar) };
    let (jar, session) = session::start(state, jar, session::SignIn::of(&user, method, client.user_agent())).await?;
    ix.signed_in(session.id);
    save_finished(state, &ix).await?;
    if crate::login::passkey::should_offer(state, &jar, &ix, label, &user).await {
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
    ix.signed_in(current.id);
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
