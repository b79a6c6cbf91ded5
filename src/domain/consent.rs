//! The consent rule (OIDC Core §3.1.2.4): when a signed-in user is asked before a client gets
//! what it requests, and the interaction the consent page continues.

use crate::domain::Core;
use crate::domain::interaction::{self, AuthRequest, Interaction, Purpose, Stage};
use crate::model::{Client, Consent, Session};

const OFFLINE_ACCESS: &str = "offline_access";

/// Whether the user must be asked before `client` gets what `request` asks for. First-party
/// clients are trusted; a third-party client needs a consent covering every requested scope.
pub fn needed(request: &AuthRequest, client: &Client, granted: Option<&Consent>) -> bool {
    // OIDC Core §3.1.2.1 prompt=consent: ask even when consent was given before.
    if request.prompt.consent {
        return true;
    }
    client.third_party && granted.is_none_or(|c| !request.scope.iter().all(|s| c.scopes.contains(s)))
}

/// What to do with a signed-in user's authorization request.
pub enum Gate {
    /// Issue the code now.
    Pass,
    /// `prompt=none` and the user would have to be asked (OIDC Core §3.1.2.6 `consent_required`).
    Required,
    /// Ask on the consent page (`ask`).
    Ask,
}

/// OIDC Core §11: a refresh token for offline access needs the user's consent to it, asked now
/// (`prompt=consent`, which always shows the page) or given before; otherwise the
/// `offline_access` request is ignored.
pub fn offline_permitted(request: &AuthRequest, granted: Option<&Consent>) -> bool {
    request.prompt.consent || granted.is_some_and(|c| c.scopes.iter().any(|s| s == OFFLINE_ACCESS))
}

/// Decides for the session's user, first dropping an `offline_access` the user has not agreed
/// to; reads the directory only for a third-party client or an `offline_access` request.
pub async fn gate(
    state: &Core,
    request: &mut AuthRequest,
    client: &Client,
    session: &Session,
) -> crate::store::StoreResult<Gate> {
    let offline = request.scope.iter().any(|s| s == OFFLINE_ACCESS);
    let granted = match client.third_party || offline {
        true => state.directory.consent(&session.user_id, &client.id).await?,
        false => None,
    };
    if offline && !offline_permitted(request, granted.as_ref()) {
        request.scope.retain(|s| s != OFFLINE_ACCESS);
    }
    Ok(match needed(request, client, granted.as_ref()) {
        false => Gate::Pass,
        true if request.prompt.none => Gate::Required,
        true => Gate::Ask,
    })
}

/// Stores the interaction (bound to the browser and the session) the consent page continues,
/// and returns the page's path.
pub async fn ask(
    state: &Core,
    request: &AuthRequest,
    client: &Client,
    session: &Session,
    browser: [u8; 32],
) -> crate::store::StoreResult<String> {
    let purpose = Purpose::Authorize(Box::new(request.clone()));
    let mut ix = Interaction::new(purpose, client.name.clone(), browser, false, state.clock.now());
    ix.stage = Stage::Consent { session_id: session.id.clone() };
    state.ephemeral.put_json(&interaction::key(&ix.id), &ix, state.config.lifetimes.interaction).await?;
    Ok(format!("/consent/{}", ix.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::interaction::{Prompt, ResponseMode};

    fn request(scope: &[&str], prompt: Prompt) -> AuthRequest {
        AuthRequest {
            client_id: "app".into(),
            redirect_uri: "https://app.example/cb".into(),
            response_mode: ResponseMode::Query,
            scope: scope.iter().map(|s| s.to_string()).collect(),
            state: None,
            nonce: None,
            code_challenge: None,
            prompt,
            max_age: None,
            login_hint: None,
            hint_sub: None,
            ui_locales: None,
            acr_values: None,
            claims: None,
            dpop_jkt: None,
            fapi2: false,
            audience: None,
            upstream: None,
        }
    }

    fn client(third_party: bool) -> Client {
        Client { third_party, ..crate::domain::clients::demo("https://login.example") }
    }

    fn granted(scopes: &[&str]) -> Consent {
        Consent { client_id: "app".into(), scopes: scopes.iter().map(|s| s.to_string()).collect(), granted_at: 0 }
    }

    #[test]
    fn a_first_party_client_is_never_asked_about() {
        assert!(!needed(&request(&["openid", "email"], Prompt::default()), &client(false), None));
    }

    #[test]
    fn a_third_party_client_needs_consent_covering_every_requested_scope() {
        let asks = request(&["openid", "email"], Prompt::default());
        assert!(needed(&asks, &client(true), None));
        assert!(needed(&asks, &client(true), Some(&granted(&["openid"]))), "email was never granted");
        assert!(!needed(&asks, &client(true), Some(&granted(&["openid", "email", "phone"]))));
    }

    #[test]
    fn prompt_consent_asks_again_even_after_consent_was_given() {
        let prompt = Prompt { consent: true, ..Prompt::default() };
        assert!(needed(&request(&["openid"], prompt), &client(false), None));
        assert!(needed(&request(&["openid"], prompt), &client(true), Some(&granted(&["openid"]))));
    }

    #[test]
    fn offline_access_needs_consent_asked_now_or_given_before() {
        let offline = request(&["openid", "offline_access"], Prompt::default());
        assert!(!offline_permitted(&offline, None), "OIDC Core §11: ignored without prompt=consent");
        assert!(!offline_permitted(&offline, Some(&granted(&["openid"]))));
        assert!(offline_permitted(&offline, Some(&granted(&["openid", "offline_access"]))));
        let asked = request(&["openid", "offline_access"], Prompt { consent: true, ..Prompt::default() });
        assert!(offline_permitted(&asked, None));
    }
}
