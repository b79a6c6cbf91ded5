//! The signing-key schedule changed from the console: a rotated-in key is published in the JWKS
//! at once and signs per the schedule (after the lead time, or at once when asked), and a
//! scheduled key retired from the console never signs.

use base64::Engine;
use openidconnect::TokenResponse;
use tessera::model::SigningAlg;

use super::{OPERATOR, USER, account_with_passkey, arrive, console_by_passkey, server};
use crate::support::chrome::{Chrome, Page};
use crate::support::{TestServer, signed_in};

/// The `kid` of the ID token a fresh sign-in at the `web` client (RS256) gets.
async fn signing_kid(server: &TestServer) -> String {
    let (_, tokens) = signed_in(server, &server.browser(), "web", &["openid"], USER).await;
    let token = tokens.id_token().expect("an ID token").to_string();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap();
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
    header["kid"].as_str().unwrap().to_string()
}

/// The kids the JWKS named by the discovery document publishes.
async fn published(server: &TestServer) -> Vec<String> {
    let discovery: serde_json::Value =
        reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
    let jwks: serde_json::Value =
        reqwest::get(discovery["jwks_uri"].as_str().unwrap()).await.unwrap().json().await.unwrap();
    jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_string()).collect()
}

/// The newest RS256 key in the schedule.
fn newest_rs256(server: &TestServer) -> String {
    let keys = server.state.keys();
    let newest = keys.schedule().iter().filter(|s| s.key.alg == SigningAlg::RS256).max_by_key(|s| s.entry.created);
    newest.unwrap().key.kid.clone()
}

/// Chooses RS256 and when it signs (`#start-lead` or `#start-now`), and rotates.
async fn rotate_rs256(page: &Page<'_>, start: &str, done: &str) {
    page.eval("document.getElementById('alg').value = 'RS256'").await.unwrap();
    page.click(start).await;
    page.click("#rotate").await;
    page.wait_for_text(done).await;
}

#[tokio::test]
async fn a_rotation_from_the_console_is_published_at_once_and_signs_per_the_schedule_and_a_retired_next_key_never_signs()
 {
    let server = server().await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(&page, &server, OPERATOR).await;
    console_by_passkey(&page, &server, &auth).await;
    page.click("nav a[href='/console/keys']").await;
    arrive(&page, "/console/keys").await;
    let first = server.state.keys().active(SigningAlg::RS256).kid.clone();
    assert!(page.text().await.contains(&first), "the schedule names the signing key");
    assert_eq!(signing_kid(&server).await, first);

    // After the lead time: published now, signing only once the lead time has passed.
    rotate_rs256(&page, "#start-lead", "New key published: it signs once the lead time has passed.").await;
    let second = newest_rs256(&server);
    assert_ne!(second, first);
    assert!(published(&server).await.contains(&second), "the new key is in the JWKS at once");
    assert_eq!(signing_kid(&server).await, first, "the old key signs until the lead time has passed");
    let row = format!("document.querySelector('li[data-kid=\"{second}\"] .state').textContent");
    assert_eq!(page.eval(&row).await.unwrap(), "Next");
    server.clock.advance(server.state.config.key_rotation_lead_secs as i64 + 1);
    server.state.reload_keys().unwrap();
    assert_eq!(signing_kid(&server).await, second, "the new key signs from its time on");
    assert!(published(&server).await.contains(&first), "the old key stays published while its tokens live");

    // At once: the new key signs from the next token on.
    rotate_rs256(&page, "#start-now", "New key published and signing now.").await;
    let third = newest_rs256(&server);
    assert!(published(&server).await.contains(&third));
    assert_eq!(signing_kid(&server).await, third, "a key rotated in at once signs at once");

    // A scheduled key retired after a confirmation never signs; the signing key cannot be retired.
    rotate_rs256(&page, "#start-lead", "New key published: it signs once the lead time has passed.").await;
    let fourth = newest_rs256(&server);
    assert!(page.eval(&format!("!document.querySelector('li[data-kid=\"{third}\"] form')")).await.unwrap() == true);
    page.click(&format!("li[data-kid=\"{fourth}\"] form button")).await;
    page.wait_for_text("Retire this signing key?").await;
    page.click("#confirm").await;
    page.wait_for_text("Key retired.").await;
    server.clock.advance(server.state.config.key_rotation_lead_secs as i64 + 1);
    server.state.reload_keys().unwrap();
    assert_eq!(signing_kid(&server).await, third, "the retired key never signs");

    server.state.flush_audit().await;
    let query = tessera::model::AuditQuery { limit: 200, ..Default::default() };
    let events = server.state.directory.audit_events(&query).await.unwrap();
    let rotations =
        events.iter().filter(|e| e.detail["action"] == "signing_keys_rotated" && e.detail["via"] == "console");
    assert_eq!(rotations.count(), 3, "{events:?}");
    assert!(events.iter().any(|e| e.detail["action"] == "signing_key_retired" && e.detail["kid"] == fourth.as_str()));
}

#[tokio::test]
async fn a_rotation_naming_no_offered_algorithm_is_refused_with_the_reason_and_changes_nothing() {
    let server = server().await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(&page, &server, OPERATOR).await;
    console_by_passkey(&page, &server, &auth).await;
    page.click("nav a[href='/console/keys']").await;
    arrive(&page, "/console/keys").await;
    let before = server.state.keys().schedule().len();

    page.eval("document.querySelector('#alg option').value = 'HS256'").await.unwrap();
    page.click("#rotate").await;
    page.wait_for_text("Choose one of the algorithms offered.").await;
    assert_eq!(page.eval("document.getElementById('alg').getAttribute('aria-invalid')").await.unwrap(), "true");
    server.state.reload_keys().unwrap();
    assert_eq!(server.state.keys().schedule().len(), before, "no key was made");
}
