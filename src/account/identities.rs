//! "Connected accounts" on the account page — the upstream identities that sign this user in —
//! and disconnecting one: `POST /account/identities/remove` asks to confirm, then unlinks.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde_json::json;

use crate::config::UpstreamConfig;
use crate::i18n::AcceptLanguage;
use crate::model::{LinkedIdentity, UserId};
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::Ui;

/// One line of "Connected accounts".
pub struct IdentityRow {
    pub provider: String,
    pub subject: String,
    /// The provider's name as configured or registered (its id once it is removed).
    pub name: String,
    pub line: String,
}

/// The name of `provider` among `upstreams`, or its id when it is gone.
fn provider_name(upstreams: &[UpstreamConfig], provider: &str) -> String {
    let found = upstreams.iter().find(|u| u.id == provider);
    found.map_or_else(|| provider.to_string(), |u| u.display_name().to_string())
}

pub async fn rows(state: &AppState, ui: &Ui<'_>, user: &UserId) -> Result<Vec<IdentityRow>, PageError> {
    let identities: Vec<LinkedIdentity> = state.directory.identities_of_user(user).await?;
    let upstreams = if identities.is_empty() { Vec::new() } else { state.upstreams().await? };
    Ok(identities
        .into_iter()
        .map(|i| IdentityRow {
            name: provider_name(&upstreams, &i.provider),
            line: ui.f(
                "account.identity_line",
                &[("email", i.email.as_deref().unwrap_or("")), ("date", &crate::dates::date(ui.tr, i.created_at))],
            ),
            provider: i.provider,
            subject: i.subject,
        })
        .collect())
}

pub async fn remove(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    form: Params,
) -> Result<Response, PageError> {
    let Some(current) = super::checked(&state, &jar, &form).await? else {
        return Ok(Redirect::to("/account").into_response());
    };
    let provider = form.get("provider").unwrap_or_default();
    let subject = form.get("subject").unwrap_or_default();
    if !super::confirmed(&form) {
        let owned = state.directory.identity(provider, subject).await?.filter(|i| i.user_id == current.user_id);
        if owned.is_none() {
            return Ok(Redirect::to("/account").into_response());
        }
        let ui = state.ui(None, &accept, None);
        let upstreams: Vec<UpstreamConfig> = state.upstream(provider).await?.into_iter().collect();
        let question = ui.f("account.confirm_disconnect", &[("provider", &provider_name(&upstreams, provider))]);
        let fields = vec![("provider", provider.to_string()), ("subject", subject.to_string())];
        let ask = super::Ask { action: "/account/identities/remove", question, button: "account.disconnect", fields };
        return super::ask_first(&state, ui, &current, ask);
    }
    // Only the user's own identity is removed: the owner is part of the statement.
    if state.directory.unlink_identity(&current.user_id, provider, subject).await? {
        state.audit(
            "identity_unlinked",
            Some(&current.user_id),
            None,
            None,
            json!({"provider": provider, "by": "user"}),
        );
    }
    Ok(Redirect::to("/account?n=disconnected").into_response())
}
