//! `/account` in headless Chromium, driven as a person drives it: clicks and typing only, every
//! header set by the browser. Sign in by email code; the sessions named by browser, this one
//! marked, the others with their last activity; rename and remove a passkey (confirmed, and
//! signalled to the browser's passkey provider); take back an application's access; sign out of
//! another session; sign out everywhere.

use serde_json::json;

use crate::support::chrome::{Chrome, Page};
use crate::support::{TestServer, rp};

const EMAIL: &str = "ada@example.com";

fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// Opens `/account`, signs in by typing the address and the mailed code, and declines the
/// passkey offer if there is one; ends on the account page.
async fn sign_in(page: &Page<'_>, server: &TestServer, email: &str) {
    page.goto(&server.url("/account")).await;
    page.wait_for("location.pathname.startsWith('/login/') && !!document.getElementById('email')").await;
    let sent = server.smtp.count_to(email);
    page.type_into("#email", email).await;
    page.press_enter().await;
    page.wait_for("!!document.getElementById('code')").await;
    let code = server.smtp.nth_to(email, sent + 1).await.code();
    page.type_into("#code", &code).await;
    page.press_enter().await;
    let at = page.wait_for("(location.pathname === '/account' || location.pathname.endsWith('/passkey/offer')) && document.readyState === 'complete' && location.pathname").await;
    if at != "/account" {
        page.click("a[href='/account']").await;
        page.wait_for("location.pathname === '/account' && document.readyState === 'complete'").await;
    }
}

/// Waits until a click has led to the page at `path` showing `text`, and returns its text.
async fn arrive(page: &Page<'_>, path: &str, text: &str) -> String {
    page.wait_for(&format!("location.pathname === {} && document.readyState === 'complete'", js(path))).await;
    page.wait_for_text(text).await
}

/// Keeps a screenshot of the part of the page at `selector` when `SCREENSHOTS_DIR` names a
/// folder (docs/screenshots).
async fn keep(page: &Page<'_>, name: &str, selector: &str) {
    if let Ok(dir) = std::env::var("SCREENSHOTS_DIR") {
        page.eval(&format!("document.querySelector({}).scrollIntoView()", js(selector))).await.unwrap();
        page.screenshot(&std::path::Path::new(&dir).join(format!("{name}.png"))).await;
    }
}

/// Selects the whole text of the focused field, as Ctrl+A does.
async fn select_all(page: &Page<'_>) {
    for kind in ["keyDown", "keyUp"] {
        let event = json!({ "type": kind, "key": "a", "code": "KeyA", "modifiers": 2, "windowsVirtualKeyCode": 65,
                            "commands": ["selectAll"] });
        page.call("Input.dispatchKeyEvent", event).await.unwrap();
    }
}

#[tokio::test]
async fn the_account_page_names_each_sessions_browser_marks_this_one_and_signs_out_another() {
    let server = TestServer::start().await;
    let chrome = Chrome::launch().await;
    let phone = chrome.isolated_page().await;
    sign_in(&phone, &server, EMAIL).await;
    server.clock.advance(5 * 60);
    let laptop = chrome.isolated_page().await;
    sign_in(&laptop, &server, EMAIL).await;

    let text = laptop.text().await;
    // Headless Chromium says "HeadlessChrome" in its User-Agent: it is Chrome, named so.
    assert_eq!(text.matches("Chrome on Linux").count(), 2, "{text}");
    assert_eq!(text.matches("(this browser)").count(), 1, "{text}");
    assert!(text.contains("Active now") && text.contains("Last active 5 minutes ago"), "{text}");
    assert!(text.matches("· Email code").count() == 2, "the method in words: {text}");
    assert!(!text.contains("otp"), "no amr values: {text}");
    keep(&laptop, "account-sessions", "h2:last-of-type").await;
    let month = time::OffsetDateTime::from_unix_timestamp(server.clock.now()).unwrap().month().to_string();
    assert!(text.contains(&month), "dates name the month: {text}");

    // The phone signed in earlier, so it is listed second; its button signs it out there.
    laptop.click(".sessions li:nth-child(2) form[action='/account/sessions/end'] button").await;
    laptop.wait_for("document.readyState === 'complete' && document.querySelectorAll('form[action=\"/account/sessions/end\"]').length === 1").await;
    assert!(laptop.text().await.contains("(this browser)"), "this browser is still signed in");
    phone.reload().await;
    phone.wait_for("location.pathname.startsWith('/login/')").await;
}

#[tokio::test]
async fn a_passkey_is_renamed_and_removed_after_confirmation_and_the_browser_is_told_it_is_gone() {
    let server = TestServer::start().await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(true, true).await;
    sign_in(&page, &server, EMAIL).await;
    page.click("#passkey-register").await;
    arrive(&page, "/account", "Chrome on Linux ·").await;
    // Told which passkeys the account accepts, the browser keeps the one it has.
    page.wait_for("document.getElementById('passkey-signals')?.dataset.signalled === 'fulfilled'").await;
    assert_eq!(page.credentials(&auth).await.len(), 1);

    page.click(".passkeys input[name=name]").await;
    select_all(&page).await;
    page.call("Input.insertText", json!({ "text": "Work laptop" })).await.unwrap();
    page.press_enter().await;
    let text = arrive(&page, "/account", "Passkey renamed.").await;
    assert!(text.contains("Work laptop") && text.contains("synced passkey"), "{text}");

    // The first step only asks; Cancel keeps the passkey.
    page.click("form[action='/account/passkeys/remove'] button").await;
    let text = arrive(&page, "/account/passkeys/remove", "Please confirm").await;
    assert!(text.contains("Remove the passkey “Work laptop”?"), "{text}");
    keep(&page, "account-confirm", "h1").await;
    page.click("#cancel").await;
    arrive(&page, "/account", "Work laptop").await;
    let user = server.state.directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(server.state.directory.passkeys_of_user(&user.id).await.unwrap().len(), 1);

    page.click("form[action='/account/passkeys/remove'] button").await;
    arrive(&page, "/account/passkeys/remove", "Please confirm").await;
    page.click("button[type=submit]").await;
    arrive(&page, "/account", "Passkey removed.").await;
    assert!(server.state.directory.passkeys_of_user(&user.id).await.unwrap().is_empty());
    // The page called the Signal API and Chromium's authenticator dropped the credential.
    page.wait_for("document.getElementById('passkey-signals')?.dataset.signalled === 'fulfilled fulfilled'").await;
    assert!(page.credentials(&auth).await.is_empty(), "the removed passkey left the authenticator");
}

#[tokio::test]
async fn an_applications_access_is_taken_back_only_after_confirmation() {
    let server = TestServer::start_with(|c| c.clients[2].third_party = true).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    sign_in(&page, &server, EMAIL).await;
    let spa = rp::client(&server, "spa").await;
    page.goto(&rp::start(&spa, &["openid", "email"]).url).await;
    page.wait_for("location.pathname.startsWith('/consent/') && document.readyState === 'complete'").await;
    page.click("button[value=allow]").await;
    page.wait_for("!location.href.includes('/consent/') && document.readyState === 'complete'").await;
    let user = server.state.directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().unwrap();
    assert!(server.state.directory.consent(&user.id, "spa").await.unwrap().is_some());

    page.goto(&server.url("/account")).await;
    page.click("form[action='/account/consents/revoke'] button").await;
    let text = arrive(&page, "/account/consents/revoke", "Please confirm").await;
    assert!(text.contains("Take back the access you gave App spa?"), "{text}");
    assert!(server.state.directory.consent(&user.id, "spa").await.unwrap().is_some(), "asking changes nothing");
    // Back from the question is as good as Cancel.
    page.back().await;
    arrive(&page, "/account", "App spa").await;
    assert!(server.state.directory.consent(&user.id, "spa").await.unwrap().is_some());
    page.click("form[action='/account/consents/revoke'] button").await;
    arrive(&page, "/account/consents/revoke", "Please confirm").await;
    page.click("button[type=submit]").await;
    arrive(&page, "/account", "Access taken back.").await;
    assert!(server.state.directory.consent(&user.id, "spa").await.unwrap().is_none());
}

#[tokio::test]
async fn signing_out_everywhere_asks_first_then_ends_every_session() {
    let server = TestServer::start().await;
    let chrome = Chrome::launch().await;
    let phone = chrome.isolated_page().await;
    sign_in(&phone, &server, EMAIL).await;
    let laptop = chrome.isolated_page().await;
    sign_in(&laptop, &server, EMAIL).await;

    laptop.click("form[action='/account/sessions/end-all'] button").await;
    let text = arrive(&laptop, "/account/sessions/end-all", "Please confirm").await;
    assert!(text.contains("Sign out everywhere?"), "{text}");
    let user = server.state.directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().unwrap();
    let live = server.state.directory.sessions_of_user(&user.id, server.clock.now()).await.unwrap();
    assert_eq!(live.len(), 2, "asking ends nothing");
    laptop.click("button[type=submit]").await;
    laptop.wait_for_text("You are signed out").await;
    laptop.click_on("Sign in again").await;
    laptop.wait_for("location.pathname.startsWith('/login/') && document.readyState === 'complete'").await;
    assert!(laptop.href().await.contains("/login/"), "signed out here too: the account page asks to sign in");
    assert!(server.state.directory.sessions_of_user(&user.id, server.clock.now()).await.unwrap().is_empty());
    phone.reload().await;
    phone.wait_for("location.pathname.startsWith('/login/')").await;
}
