//! Passkey registration tickets: a passkey added without signing in, used once, bound to its
//! own ceremony.

use super::*;

pub(super) fn mint(server: &Setup, user: &User, ttl: u64) -> String {
    let options = tessera::domain::passkeys::RegisterOptions { discoverable: true, attachment: None };
    tessera::domain::passkeys::tickets::mint(
        &server.state.keys(),
        server.state.issuer(),
        &user.id,
        EMAIL,
        options,
        ttl,
        server.clock.now(),
    )
    .unwrap()
}

pub(super) async fn redeem(page: &Page<'_>, server: &Setup, ticket: &str) {
    page.goto(&server.url(&format!("/passkeys/register?ticket={ticket}"))).await;
    page.wait_for("!document.getElementById('passkey-register').hidden").await;
    page.eval("document.getElementById('passkey-register').click()").await.unwrap();
    page.wait_for("document.getElementById('passkey-status').textContent === 'Passkey saved.'").await;
}

#[tokio::test]
async fn a_registration_ticket_adds_a_passkey_without_signing_in_and_works_once() {
    let server = Setup::start(|_| {}).await;
    let user = server.state.directory.create_user_with_email(&EMAIL.parse().unwrap(), 0).await.unwrap();
    let ticket = mint(&server, &user, 600);
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.add_authenticator(false, true).await;
    redeem(&page, &server, &ticket).await;
    assert_eq!(server.state.directory.passkeys_of_user(&user.id).await.unwrap().len(), 1);

    let again = reqwest::get(server.url(&format!("/passkeys/register?ticket={ticket}"))).await.unwrap();
    assert_eq!(again.status(), 400, "a ticket works once");
    let expired = mint(&server, &user, 60);
    server.clock.advance(61);
    assert_eq!(reqwest::get(server.url(&format!("/passkeys/register?ticket={expired}"))).await.unwrap().status(), 400);
    let forged = format!("{}x", &ticket[..ticket.len() - 1]);
    assert_eq!(reqwest::get(server.url(&format!("/passkeys/register?ticket={forged}"))).await.unwrap().status(), 400);

    let id_token = sign_in_at_client(&page, &server, async || {}).await;
    assert_eq!(id_token["sub"], user.id.0.as_str(), "the ticket's passkey signs its user in");
}

#[tokio::test]
async fn passkey_calls_without_the_page_csrf_token_are_refused() {
    let server = Setup::start(|_| {}).await;
    let browser = server.browser();
    let rp = app_client(&server).await;
    let crate::support::browser::Step::Login(page) = browser.authorize(&rp::start(&rp, &["openid"]).url).await else {
        panic!("a login page")
    };
    assert!(page.html.contains("/assets/passkey.js") && page.html.contains("autocomplete=\"username webauthn\""));
    let url = server.url(&format!("/login/{}/passkey/start", page.id));
    let refused = browser.client.post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    let accepted = browser.client.post(&url).header("x-csrf-token", &page.csrf).json(&json!({})).send().await.unwrap();
    assert_eq!(accepted.status(), 200);
    let options: Value = accepted.json().await.unwrap();
    assert_eq!(options["publicKey"]["rpId"], "localhost");
    assert_eq!(options["publicKey"]["allowCredentials"], json!([]), "usernameless: any discoverable passkey");
}

#[tokio::test]
async fn a_ticket_ceremony_finishes_only_with_its_ticket_and_a_failed_attempt_does_not_spend_it() {
    let server = Setup::start(|_| {}).await;
    let victim =
        server.state.directory.create_user_with_email(&"victim@example.com".parse().unwrap(), 0).await.unwrap();
    let ticket = mint(&server, &victim, 600);
    // Someone signed in as themselves starts a ceremony with the victim's ticket ...
    let browser = server.browser();
    let (_, _) = crate::support::signed_in(&server, &browser, "web", &["openid"], "mallory@example.com").await;
    browser.get(&format!("/passkeys/register?ticket={ticket}")).await;
    let started: Value = browser
        .client
        .post(server.url("/passkeys/register/start"))
        .json(&json!({"ticket": ticket}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ceremony = started["ceremony"].as_str().unwrap();
    // ... and tries to finish it as their own account's registration: refused before anything else.
    let account_page = browser.get("/account").await.text().await.unwrap();
    let csrf = account_page.split("data-csrf=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let refused = browser
        .client
        .post(server.url("/account/passkeys/register/finish"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"ceremony": ceremony, "credential": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("expired"));
    // A failed attestation through the ticket endpoint does not spend the ticket either.
    let started: Value = browser
        .client
        .post(server.url("/passkeys/register/start"))
        .json(&json!({"ticket": ticket}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = json!({"ceremony": started["ceremony"], "credential": {"bogus": true}, "ticket": ticket});
    let failed = browser.client.post(server.url("/passkeys/register/finish")).json(&body).send().await.unwrap();
    assert_eq!(failed.status(), 400);
    assert_eq!(browser.get(&format!("/passkeys/register?ticket={ticket}")).await.status(), 200, "still usable");
    assert!(server.state.directory.passkeys_of_user(&victim.id).await.unwrap().is_empty());
}
