//! A passkey's whole life in the browser: offered after an email code, created with one click,
//! then, after signing out, used with the button and by autofill.

use serde_json::json;

use super::{EMAIL, Journey, capture};
use crate::support::chrome::{Chrome, Page};

async fn sign_out(journey: &Journey, page: &Page<'_>) {
    page.goto(&journey.server.url("/logout")).await;
    page.click("form[action='/logout/confirm'] button").await;
    page.wait_for_text("You are signed out").await;
}

#[tokio::test]
async fn a_passkey_offered_after_a_code_signs_in_by_button_and_by_autofill_after_signing_out() {
    let journey = Journey::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    let (client, pending) = journey.request("web", &["openid"]).await;
    page.goto(&pending.url.clone()).await;
    journey.sign_in_by_code(&page, EMAIL).await;
    page.wait_for("location.pathname.endsWith('/passkey/offer')").await;
    capture(&page, "passkey-offer").await;
    page.click("#passkey-register").await;
    // Created, the page itself goes on to the application.
    let at = page.wait_for(&format!("location.href.startsWith({:?}) && location.href", journey.app)).await;
    let at = url::Url::parse(at.as_str().unwrap()).unwrap();
    journey.redeem(&client, pending, &at).await;
    assert_eq!(page.credentials(&auth).await.len(), 1, "the passkey is on the authenticator");

    sign_out(&journey, &page).await;
    // No presence yet: the page's autofill request waits, and the button asks instead.
    page.presence(&auth, false).await;
    let (client, pending) = journey.request("web", &["openid"]).await;
    page.goto(&pending.url.clone()).await;
    page.wait_for("!document.getElementById('passkey-signin').hidden").await;
    page.presence(&auth, true).await;
    page.click("#passkey-signin").await;
    let at = journey.arrival(&page).await;
    let claims = journey.redeem(&client, pending, &at).await;
    assert_eq!(claims["amr"], json!(["hwk", "user", "mfa"]));

    sign_out(&journey, &page).await;
    // With presence, the autofill request on the address field answers by itself.
    let (client, pending) = journey.request("web", &["openid"]).await;
    page.goto(&pending.url.clone()).await;
    let at = journey.arrival(&page).await;
    let claims = journey.redeem(&client, pending, &at).await;
    assert_eq!(claims["acr"], "phrh");
}
