//! After signing in, in the browser: Back and Reload on a finished sign-in, consent allowed and
//! denied, RP-initiated logout with and without `id_token_hint`, the demo's sign-out, and a
//! path that names nothing.

use openidconnect::TokenResponse;

use super::{EMAIL, Journey};
use crate::support::chrome::Chrome;

#[tokio::test]
async fn back_and_reload_after_signing_in_say_signed_in_with_the_way_on() {
    let journey = Journey::start(|c| c.passkeys.offer_after_login = false).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    journey.signed_in_at_app(&page).await;

    page.back().await;
    let text = page.wait_for_text("You are signed in").await;
    assert!(!text.contains("expired"), "{text}");
    page.mark().await;
    page.reload().await;
    page.wait_for_new_document().await;
    page.wait_for_text("You are signed in").await;
    super::capture(&page, "signed-in").await;
    page.click_on("Continue").await;
    let app_site = journey.app.trim_end_matches("cb");
    page.wait_for(&format!("location.href === {}", super::js(app_site))).await;
}

#[tokio::test]
async fn consent_allowed_returns_a_code_and_denied_returns_access_denied() {
    let journey = Journey::start(|c| {
        c.passkeys.offer_after_login = false;
        c.clients.iter_mut().find(|c| c.id == "web").unwrap().third_party = true;
    })
    .await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let (client, pending) = journey.request("web", &["openid", "email"]).await;
    page.goto(&pending.url.clone()).await;
    journey.sign_in_by_code(&page, EMAIL).await;
    page.wait_for_text("Allow App web to access your account?").await;
    page.click("button[value=deny]").await;
    let at = journey.arrival(&page).await;
    assert_eq!(crate::support::browser::param(&at, "error").as_deref(), Some("access_denied"));

    let (client2, pending2) = journey.request("web", &["openid", "email"]).await;
    drop(client);
    page.goto(&pending2.url.clone()).await;
    page.wait_for_text("Allow App web to access your account?").await;
    page.click("button[value=allow]").await;
    let at = journey.arrival(&page).await;
    let claims = journey.redeem(&client2, pending2, &at).await;
    assert_eq!(claims["email"], EMAIL);
}

#[tokio::test]
async fn logout_with_an_id_token_hint_ends_the_session_and_returns_to_the_application() {
    let journey = Journey::start(|c| c.passkeys.offer_after_login = false).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let tokens = journey.signed_in_at_app(&page).await;
    let hint = tokens.id_token().unwrap().to_string();
    let bye = journey.server.url("/bye/web");
    let query = serde_urlencoded::to_string([
        ("id_token_hint", hint.as_str()),
        ("post_logout_redirect_uri", &bye),
        ("state", "s1"),
    ])
    .unwrap();
    page.goto(&journey.server.url(&format!("/logout?{query}"))).await;
    page.wait_for(&format!("location.href === {}", super::js(&format!("{bye}?state=s1")))).await;
    page.goto(&journey.server.url("/account")).await;
    page.wait_for("!!document.querySelector('#email')").await;
}

#[tokio::test]
async fn logout_without_a_hint_asks_first_then_says_signed_out_with_a_way_back() {
    let journey = Journey::start(|c| c.passkeys.offer_after_login = false).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.goto(&journey.server.url("/account")).await;
    journey.sign_in_by_code(&page, EMAIL).await;
    page.wait_for("location.pathname === '/account'").await;
    page.goto(&journey.server.url("/logout")).await;
    let text = page.wait_for_text("Sign out?").await;
    assert!(text.contains(EMAIL), "names the account: {text}");
    page.click("form[action='/logout/confirm'] button").await;
    page.wait_for_text("You are signed out").await;
    super::capture(&page, "signed-out").await;
    page.click_on("Sign in again").await;
    page.wait_for("!!document.querySelector('#email')").await;
}

#[tokio::test]
async fn the_demo_signs_out_and_comes_back() {
    let journey = Journey::start(|c| c.passkeys.offer_after_login = false).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.goto(&journey.server.url("/demo")).await;
    page.click_on("Sign in").await;
    journey.sign_in_by_code(&page, EMAIL).await;
    page.wait_for_text("ID token claims").await;
    page.click_on("Sign out").await;
    page.wait_for("location.pathname === '/demo'").await;
    page.click_on("Sign in").await;
    page.wait_for("!!document.querySelector('#email')").await;
}

#[tokio::test]
async fn an_unknown_path_gets_a_not_found_page_in_the_readers_language() {
    let journey = Journey::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let headers = serde_json::json!({ "headers": { "Accept-Language": "de" } });
    page.call("Network.enable", serde_json::json!({})).await.unwrap();
    page.call("Network.setExtraHTTPHeaders", headers).await.unwrap();
    page.goto(&journey.server.url("/no/such/page")).await;
    let text = page.wait_for_text("Seite nicht gefunden").await;
    assert!(text.contains("Unter dieser Adresse"), "{text}");
    let api = reqwest::get(journey.server.url("/api/v1/nothing")).await.unwrap();
    assert_eq!(api.status(), 404);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
}
