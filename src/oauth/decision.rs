//! Whether an authorization request can be answered from the browser's session (OIDC Core
//! §3.1.2.3): a pure function of the request, the session and the time.

use crate::clock::UnixTime;
use crate::domain::interaction::AuthRequest;
use crate::model::Session;

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The session satisfies the request: issue a code now.
    Permitted,
    /// `prompt=none`, and the user would have to sign in.
    LoginRequired,
    /// Show the login screens. `reauthenticate` forbids reusing the current session.
    Interact { reauthenticate: bool },
}

pub fn decide(request: &AuthRequest, session: Option<&Session>, now: UnixTime) -> Outcome {
    let ask = |reauthenticate| {
        if request.prompt.none { Outcome::LoginRequired } else { Outcome::Interact { reauthenticate } }
    };
    let Some(session) = session else {
        return ask(true);
    };
    // OIDC Core §3.1.2.1 id_token_hint: a different signed-in user cannot satisfy the request.
    if request.hint_sub.as_ref().is_some_and(|sub| *sub != session.user_id.0) {
        return ask(true);
    }
    if request.prompt.login {
        return ask(true);
    }
    // OIDC Core §3.1.2.1 max_age: re-authenticate when the last authentication is older.
    if request.max_age.is_some_and(|max| now - session.auth_time > max as i64) {
        return ask(true);
    }
    // OIDC Core §3.1.2.1 acr_values, §5.5.1.1 acr: a weaker sign-in steps up.
    if request.acr_demand().is_some_and(|demand| !demand.met_by(&session.acr)) {
        return ask(true);
    }
    if request.prompt.select_account {
        return Outcome::Interact { reauthenticate: false };
    }
    Outcome::Permitted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::interaction::{Prompt, ResponseMode};
    use crate::model::UserId;

    fn request(prompt: Prompt, max_age: Option<u64>) -> AuthRequest {
        AuthRequest {
            client_id: "c".into(),
            redirect_uri: "https://c.example/cb".into(),
            response_mode: ResponseMode::Query,
            scope: vec!["openid".into()],
            state: None,
            nonce: None,
            code_challenge: None,
            prompt,
            max_age,
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

    fn session(auth_time: UnixTime) -> Session {
        Session {
            id: "s".into(),
            user_id: UserId("u".into()),
            auth_time,
            amr: vec![],
            acr: "aal1".into(),
            expires_at: i64::MAX,
            method: "email_code".into(),
            user_agent: String::new(),
            last_seen: auth_time,
        }
    }

    #[test]
    fn live_session_permits_silently() {
        assert_eq!(decide(&request(Prompt::default(), None), Some(&session(100)), 200), Outcome::Permitted);
    }

    #[test]
    fn prompt_none_without_session_is_login_required() {
        let none = Prompt { none: true, ..Prompt::default() };
        assert_eq!(decide(&request(none, None), None, 200), Outcome::LoginRequired);
    }

    #[test]
    fn prompt_login_forces_reauthentication() {
        let login = Prompt { login: true, ..Prompt::default() };
        assert_eq!(decide(&request(login, None), Some(&session(100)), 200), Outcome::Interact { reauthenticate: true });
    }

    #[test]
    fn max_age_older_than_auth_time_forces_reauthentication() {
        assert_eq!(
            decide(&request(Prompt::default(), Some(50)), Some(&session(100)), 200),
            Outcome::Interact { reauthenticate: true }
        );
        assert_eq!(decide(&request(Prompt::default(), Some(150)), Some(&session(100)), 200), Outcome::Permitted);
    }

    #[test]
    fn id_token_hint_for_another_user_is_not_satisfied_silently() {
        let mut r = request(Prompt { none: true, ..Prompt::default() }, None);
        r.hint_sub = Some("someone-else".into());
        assert_eq!(decide(&r, Some(&session(100)), 200), Outcome::LoginRequired);
    }
}
