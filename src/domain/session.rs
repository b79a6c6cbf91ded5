//! The browser SSO session and the browser-binding cookie: create, find, rotate, revoke.
//!
//! The cookie holds a 256-bit random token; the directory holds only its SHA-256, so a copy of
//! the database does not let anyone ride a session.

use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use crate::crypto;
use crate::domain::Core;
use crate::domain::authenticate::Method;
use crate::model::{Session, User, UserId};
use crate::store::StoreResult;

fn name(state: &Core, base: &'static str) -> String {
    cookie_name(state.config.secure_cookies(), base)
}

fn cookie_name(secure: bool, base: &'static str) -> String {
    // `__Host-` requires Secure, which browsers accept only over https (and on localhost).
    if secure { format!("__Host-{base}") } else { base.to_string() }
}

fn cookie(state: &Core, base: &'static str, value: String, max_age: Option<i64>) -> Cookie<'static> {
    build(state.config.secure_cookies(), base, value, max_age)
}

fn build(secure: bool, base: &'static str, value: String, max_age: Option<i64>) -> Cookie<'static> {
    let mut c = Cookie::build((cookie_name(secure, base), value))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax);
    if let Some(secs) = max_age {
        c = c.max_age(time::Duration::seconds(secs));
    }
    c.build()
}

/// The live session of this browser, if any.
pub async fn current(state: &Core, jar: &CookieJar) -> StoreResult<Option<Session>> {
    let Some(hash) = cookie_hash(state, jar) else { return Ok(None) };
    state.directory.session_by_token(&hash, state.clock.now()).await
}

/// The hash the directory keeps of this browser's session cookie, if it has one.
fn cookie_hash(state: &Core, jar: &CookieJar) -> Option<[u8; 32]> {
    jar.get(&name(state, "tessera_session")).map(|token| crypto::sha256(token.value().as_bytes()))
}

/// The live session of this browser with its user, in one directory read; a session whose
/// user was deactivated is no session.
pub async fn current_with_user(state: &Core, jar: &CookieJar) -> StoreResult<Option<(Session, User)>> {
    let Some(hash) = cookie_hash(state, jar) else { return Ok(None) };
    let found = state.directory.session_and_user(&hash, state.clock.now()).await?;
    Ok(found.filter(|(_, user)| user.active))
}

/// A successful sign-in, as the session it starts records it.
pub struct SignIn<'a> {
    pub user_id: UserId,
    /// The method's label in metrics and audit events, such as `email_code`.
    pub method: &'a str,
    pub amr: Vec<String>,
    pub acr: String,
    /// The browser's `User-Agent`, which names the session on the account page.
    pub user_agent: &'a str,
}

impl<'a> SignIn<'a> {
    /// The session of a sign-in `authenticate` accepted.
    pub fn of(user: &User, method: Method<'_>, user_agent: &'a str) -> Self {
        let Method { label, amr, acr } = method;
        SignIn { user_id: user.id.clone(), method: label, amr, acr: acr.to_string(), user_agent }
    }
}

/// Starts a new session after a successful sign-in; any previous session of this browser ends
/// (the identifier is rotated at every authentication, against session fixation).
pub async fn start(state: &Core, jar: CookieJar, sign_in: SignIn<'_>) -> StoreResult<(CookieJar, Session)> {
    let now = state.clock.now();
    if let Some(previous) = current(state, &jar).await? {
        state.directory.revoke_session(&previous.id, now).await?;
    }
    let token = crypto::random_token();
    let lifetime = state.config.lifetimes.session as i64;
    let session = Session {
        id: crypto::random_id(),
        user_id: sign_in.user_id,
        auth_time: now,
        amr: sign_in.amr,
        acr: sign_in.acr,
        expires_at: now + lifetime,
        method: sign_in.method.to_string(),
        user_agent: crate::device::stored(sign_in.user_agent).to_string(),
        last_seen: now,
    };
    state.directory.insert_session(&crypto::sha256(token.as_bytes()), &session, now).await?;
    let jar = jar.add(cookie(state, "tessera_session", token, Some(lifetime)));
    Ok((jar, session))
}

/// A CSRF token for the pages of a signed-in browser (the account page, the passkey offer),
/// derived from its session: valid only with this browser's session cookie.
pub fn csrf(state: &Core, session: &Session) -> String {
    crypto::b64url(&crypto::keyed_hash(&state.secret, &[b"account-csrf", session.id.as_bytes()]))
}

/// How often a session's "last active" time is written: a use within this many seconds of the
/// last recorded one writes nothing, so a busy session costs no write per request.
const SEEN_EVERY: i64 = 60;

/// Records that `session` is being used (single sign-on, the account page).
pub async fn seen(state: &Core, session: &Session) -> StoreResult<()> {
    let now = state.clock.now();
    if now - session.last_seen < SEEN_EVERY {
        return Ok(());
    }
    state.directory.touch_session(&session.id, now).await
}

/// The browser id that binds interactions to the browser that started them; created if absent.
pub fn browser_id(state: &Core, jar: CookieJar) -> (CookieJar, [u8; 32]) {
    let cookie_name = name(state, "tessera_browser");
    if let Some(existing) = jar.get(&cookie_name) {
        let hash = crypto::sha256(existing.value().as_bytes());
        return (jar, hash);
    }
    let token = crypto::random_token();
    let hash = crypto::sha256(token.as_bytes());
    (jar.add(cookie(state, "tessera_browser", token, None)), hash)
}

/// The hash of this browser's id, if it has one.
pub fn browser_hash(state: &Core, jar: &CookieJar) -> Option<[u8; 32]> {
    jar.get(&name(state, "tessera_browser")).map(|c| crypto::sha256(c.value().as_bytes()))
}

/// Remembers in this browser that it last signed in with the upstream `provider`, so the
/// sign-in page offers that one first next time (a year; only an id, nothing about the person).
pub fn remember_upstream(state: &Core, jar: CookieJar, provider: &str) -> CookieJar {
    jar.add(cookie(state, "tessera_last_upstream", provider.to_string(), Some(365 * 24 * 3600)))
}

/// The upstream this browser last signed in with, if it was one.
pub fn last_upstream(state: &Core, jar: &CookieJar) -> Option<String> {
    jar.get(&name(state, "tessera_last_upstream")).map(|c| c.value().to_string())
}

/// Another method was used last: the sign-in page goes back to its usual order.
pub fn forget_upstream(state: &Core, jar: CookieJar) -> CookieJar {
    match last_upstream(state, &jar) {
        Some(_) => jar.remove(cookie(state, "tessera_last_upstream", String::new(), None)),
        None => jar,
    }
}

/// Removes the session cookie from the browser.
pub fn clear(state: &Core, jar: CookieJar) -> CookieJar {
    removed(state.config.secure_cookies(), jar)
}

/// The removal carries the attributes of the cookie it removes: a browser ignores a
/// `__Host-` cookie without `Secure` (RFC 6265bis §4.1.3.2), so it would keep the old session.
fn removed(secure: bool, jar: CookieJar) -> CookieJar {
    jar.remove(build(secure, "tessera_session", String::new(), None))
}

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse;
    use axum_extra::extract::cookie::CookieJar;

    #[test]
    fn removal_cookie_carries_the_attributes_of_the_session_cookie_under_https() {
        let mut request = axum::http::HeaderMap::new();
        request.insert("cookie", "__Host-tessera_session=token".parse().unwrap());
        let response = (super::removed(true, CookieJar::from_headers(&request)), ()).into_response();
        let removal = response.headers()["set-cookie"].to_str().unwrap();
        assert!(removal.starts_with("__Host-tessera_session=;"), "{removal}");
        for attribute in ["Secure", "Path=/", "SameSite=Lax", "HttpOnly", "Max-Age=0"] {
            assert!(removal.split("; ").any(|a| a == attribute), "{attribute} missing: {removal}");
        }
    }
}
