//! "Applications with access" on the account page, and taking consent back:
//! `POST /account/consents/revoke` asks to confirm, then (confirm=1) forgets the consent.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde_json::json;

use crate::i18n::AcceptLanguage;
use crate::model::UserId;
use crate::state::AppState;
use crate::web::PageError;
use crate::web::params::Params;
use crate::web::ui::Ui;

/// One line of the account page's "Applications with access".
pub struct ConsentRow {
    pub client_id: String,
    pub app: String,
    pub granted: String,
    pub scopes: String,
}

/// The user's consents, described in the page's language.
pub async fn rows(state: &AppState, ui: &Ui<'_>, user: &UserId) -> Result<Vec<ConsentRow>, PageError> {
    let mut rows = vec![];
    for consent in state.directory.consents_of_user(user).await? {
        let app = state.client(&consent.client_id).await?.map_or_else(|| consent.client_id.clone(), |c| c.name.clone());
        let scopes: Vec<&str> =
            consent.scopes.iter().filter_map(|s| crate::web::ui::scope_label(s)).map(|k| ui.t(k)).collect();
        rows.push(ConsentRow {
            granted: crate::dates::date(ui.tr, consent.granted_at),
            scopes: scopes.join("; "),
            app,
            client_id: consent.client_id,
        });
    }
    Ok(rows)
}

pub async fn revoke(
    State(state): State<AppState>,
    jar: CookieJar,
    accept: AcceptLanguage,
    form: Params,
) -> Result<Response, PageError> {
    let Some(current) = super::checked(&state, &jar, &form).await? else {
        return Ok(Redirect::to("/account").into_response());
    };
    let client_id = form.get("client").unwrap_or_default();
    if !super::confirmed(&form) {
        if state.directory.consent(&current.user_id, client_id).await?.is_none() {
            return Ok(Redirect::to("/account").into_response());
        }
        let app = state.client(client_id).await?.map_or_else(|| client_id.to_string(), |c| c.name.clone());
        let ui = state.ui(None, &accept, None);
        let question = ui.f("account.confirm_revoke", &[("app", &app)]);
        let fields = vec![("client", client_id.to_string())];
        let ask = super::Ask { action: "/account/consents/revoke", question, button: "account.revoke", fields };
        return super::ask_first(&state, ui, &current, ask);
    }
    if state.directory.revoke_consent(&current.user_id, client_id, state.clock.now()).await? {
        state.audit("consent_revoked", Some(&current.user_id), Some(client_id), None, json!({"by": "user"}));
    }
    Ok(Redirect::to("/account?n=revoked").into_response())
}
