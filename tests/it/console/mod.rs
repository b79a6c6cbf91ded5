//! The operator console (`/console`) in headless Chromium, driven by clicks and typing only:
//! operators sign in through Tessera itself (here with a passkey, stepping up from an email
//! code), everyone else is refused, and every form needs the session's CSRF token.

mod access;
mod api_keys;
mod bridges;
mod clients;
mod events;
mod overview;
mod pages;
mod settings;
mod signing_keys;
mod user_access;
mod users;

use openidconnect::OAuth2TokenResponse;

use crate::support::chrome::{Authenticator, Page};
use crate::support::{TestServer, rp, signed_in};

pub const OPERATOR: &str = "ops@example.com";
pub const USER: &str = "ada@example.com";

pub fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// A server whose console takes only passkeys, with `OPERATOR` named by the config.
pub async fn server() -> TestServer {
    TestServer::start_with(|c| {
        c.console.acr = "phr".into();
        c.console.operators = vec![OPERATOR.into()];
    })
    .await
}

/// Waits until a click has led to the page at `path` (fully loaded).
pub async fn arrive(page: &Page<'_>, path: &str) {
    page.wait_for(&format!("location.pathname === {} && document.readyState === 'complete'", js(path))).await;
}

/// Signs in at `/account` by typing the address and the mailed code, and makes a passkey
/// (offered after the code, or from the account page); ends on the account page.
pub async fn account_with_passkey(page: &Page<'_>, server: &TestServer, email: &str) {
    page.goto(&server.url("/account")).await;
    page.wait_for("location.pathname.startsWith('/login/') && !!document.getElementById('email')").await;
    let sent = server.smtp.count_to(email);
    page.type_into("#email", email).await;
    page.press_enter().await;
    page.wait_for("!!document.getElementById('code')").await;
    let code = server.smtp.nth_to(email, sent + 1).await.code();
    page.type_into("#code", &code).await;
    page.press_enter().await;
    let at = page
        .wait_for("(location.pathname === '/account' || location.pathname.endsWith('/passkey/offer')) && document.readyState === 'complete' && location.pathname")
        .await;
    page.wait_for("!document.getElementById('passkey-register').hidden").await;
    page.click("#passkey-register").await;
    if at != "/account" {
        arrive(page, "/account").await;
    }
    page.wait_for("document.querySelectorAll('.passkeys li').length === 1").await;
}

/// Opens the console: the session came from an email code, so the console asks for a passkey
/// and the page offers only that; the passkey's button signs in to the overview. Ends on the
/// users page, reached by the console's menu.
pub async fn console_by_passkey(page: &Page<'_>, server: &TestServer, auth: &Authenticator) {
    // Without presence the page's autofill request waits, and the button asks instead.
    page.presence(auth, false).await;
    page.goto(&server.url("/console")).await;
    page.wait_for("location.pathname.startsWith('/login/') && !!document.getElementById('passkey-signin') && !document.getElementById('passkey-signin').hidden").await;
    let offered = page.eval("document.querySelector('form[action$=\"/email\"]') === null").await.unwrap();
    assert_eq!(offered, true, "the console takes passkeys only: no email code is offered");
    page.presence(auth, true).await;
    page.click("#passkey-signin").await;
    arrive(page, "/console").await;
    page.click("nav a[href='/console/users']").await;
    arrive(page, "/console/users").await;
}

/// `email` signed in to the `web` client with `offline_access`, by the `openidconnect` RP: the
/// client and the refresh token it holds.
pub async fn refresh_token_of(server: &TestServer, email: &str) -> (rp::Client, openidconnect::RefreshToken) {
    let (client, tokens) = signed_in(server, &server.browser(), "web", &["offline_access"], email).await;
    (client, tokens.refresh_token().expect("a refresh token").clone())
}

/// The query for the latest administrative changes in the audit log.
pub fn admin_events() -> tessera::model::AuditQuery {
    tessera::model::AuditQuery { kind: Some("admin".into()), limit: 100, ..Default::default() }
}
