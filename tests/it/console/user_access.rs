//! Access an operator hands a user from their page: a sign-in link that reaches the user's
//! mailbox and signs them in, a passkey link that registers a passkey, and unlinking an upstream
//! identity after a confirmation.

use tessera::model::{LinkedIdentity, User};

use super::{OPERATOR, USER, account_with_passkey, arrive, console_by_passkey, server};
use crate::support::TestServer;
use crate::support::chrome::{Chrome, Page};

/// Signs the operator in to the console on `page` and opens `user`'s page.
async fn at_user_page(page: &Page<'_>, server: &TestServer, user: &User) {
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(page, server, OPERATOR).await;
    console_by_passkey(page, server, &auth).await;
    page.goto(&server.url(&format!("/console/users/{}", user.id.0))).await;
    arrive(page, &format!("/console/users/{}", user.id.0)).await;
}

/// The audit events about `user`, once every recorded one is stored.
async fn events_of(server: &TestServer, user: &User) -> Vec<tessera::model::AuditEvent> {
    server.state.flush_audit().await;
    let query = tessera::model::AuditQuery { user_id: Some(user.id.0.clone()), limit: 50, ..Default::default() };
    server.state.directory.audit_events(&query).await.unwrap()
}

/// The `/magic/…` path a mail carries.
fn magic_path(data: &str) -> String {
    let body = data.replace("=\r\n", "").replace("=\n", "");
    let at = body.find("/magic/").expect("the mail carries a magic link");
    let token: String = body[at + "/magic/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    format!("/magic/{token}")
}

#[tokio::test]
async fn a_sign_in_link_sent_from_the_console_reaches_the_users_mailbox_and_signs_them_in() {
    let server = server().await;
    let ada = server.state.directory.create_user_with_email(&USER.parse().unwrap(), 0).await.unwrap();
    let chrome = Chrome::launch().await;
    let page = chrome.isolated_page().await;
    at_user_page(&page, &server, &ada).await;
    page.wait_for_text("Send a sign-in link").await;

    // An application the form did not offer is refused with the reason, and nothing is sent.
    page.eval("document.querySelector('#link-app option').value = 'web https://evil.example/cb'").await.unwrap();
    page.click("#send-link").await;
    page.wait_for_text("Choose one of the applications offered.").await;
    assert_eq!(page.eval("document.getElementById('link-app').getAttribute('aria-invalid')").await.unwrap(), "true");
    assert_eq!(server.smtp.count_to(USER), 0, "a refused form sends nothing");

    page.click("#send-link").await;
    page.wait_for_text("Sign-in link sent.").await;
    let mail = server.smtp.nth_to(USER, 1).await;
    let link = magic_path(&mail.data);

    let user_page = chrome.isolated_page().await;
    user_page.goto(&server.url(&link)).await;
    user_page.wait_for("!!document.querySelector('form button[type=submit]')").await;
    user_page.click("form button[type=submit]").await;
    user_page.wait_for(&format!("location.href.startsWith({})", super::js(&server.redirect_uri("web")))).await;
    let sessions = server.state.directory.sessions_of_user(&ada.id, server.clock.now()).await.unwrap();
    assert_eq!(sessions.len(), 1, "the link signed Ada in");
    user_page.goto(&server.url("/account")).await;
    user_page.wait_for_text(USER).await;

    let operator = server.state.directory.user_by_email(&OPERATOR.parse().unwrap()).await.unwrap().unwrap();
    let events = events_of(&server, &ada).await;
    assert!(
        events.iter().any(|e| e.detail["action"] == "magic_link_created"
            && e.detail["via"] == "console"
            && e.detail["operator"] == operator.id.0.as_str()
            && e.client_id.as_deref() == Some("web")),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_passkey_link_made_in_the_console_is_shown_once_and_registers_a_passkey_for_the_user() {
    let server = server().await;
    let ada = server.state.directory.create_user_with_email(&USER.parse().unwrap(), 0).await.unwrap();
    let chrome = Chrome::launch().await;
    let page = chrome.isolated_page().await;
    at_user_page(&page, &server, &ada).await;

    page.click("#passkey-ticket").await;
    page.wait_for_text("A passkey registration link for ada@example.com").await;
    let link = page.eval("document.getElementById('ticket-link').textContent.trim()").await.unwrap();
    let link = link.as_str().unwrap().to_string();
    assert!(link.starts_with(&server.url("/passkeys/register?ticket=")), "{link}");

    let user_page = chrome.isolated_page().await;
    user_page.add_authenticator(false, true).await;
    user_page.goto(&link).await;
    user_page.wait_for("!document.getElementById('passkey-register').hidden").await;
    user_page.click("#passkey-register").await;
    user_page.wait_for("document.getElementById('passkey-status').textContent === 'Passkey saved.'").await;
    assert_eq!(server.state.directory.passkeys_of_user(&ada.id).await.unwrap().len(), 1);
    assert_eq!(reqwest::get(&link).await.unwrap().status(), 400, "the link works once");

    let events = events_of(&server, &ada).await;
    assert!(events.iter().any(|e| e.detail["action"] == "passkey_ticket_created" && e.detail["via"] == "console"));
}

#[tokio::test]
async fn unlinking_an_identity_from_the_console_asks_first_then_removes_it() {
    let server = server().await;
    let ada = server.state.directory.create_user_with_email(&USER.parse().unwrap(), 0).await.unwrap();
    let identity = LinkedIdentity {
        provider: "google".into(),
        subject: "1084-ada".into(),
        user_id: ada.id.clone(),
        email: Some(USER.into()),
        created_at: server.clock.now(),
    };
    server.state.directory.link_identity(&identity).await.unwrap();
    let chrome = Chrome::launch().await;
    let page = chrome.isolated_page().await;
    at_user_page(&page, &server, &ada).await;
    let text = page.wait_for_text("Linked identities").await;
    assert!(text.contains("google") && text.contains("1084-ada"), "{text}");

    page.click("#identities form button").await;
    page.wait_for_text("Unlink this identity?").await;
    assert_eq!(server.state.directory.identities_of_user(&ada.id).await.unwrap().len(), 1, "asking changes nothing");
    page.click("#confirm").await;
    page.wait_for_text("Identity unlinked.").await;
    assert!(page.text().await.contains("No upstream identity is linked."));
    assert!(server.state.directory.identities_of_user(&ada.id).await.unwrap().is_empty());
    assert!(server.state.directory.identity("google", "1084-ada").await.unwrap().is_none());

    let events = events_of(&server, &ada).await;
    assert!(
        events
            .iter()
            .any(|e| e.kind == "identity_unlinked" && e.detail["by"] == "console" && e.detail["provider"] == "google"),
        "{events:?}"
    );
}
