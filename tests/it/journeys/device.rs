//! The device authorization grant (RFC 8628): `openid-client` plays the device and polls while
//! a person types its code at `/device` in Chromium, signs in, and allows or denies it.

use serde_json::json;

use super::{EMAIL, Journey};
use crate::support::chrome::Chrome;
use crate::support::openid_client::{Mode, Rp};

/// The device polls in real seconds; the test server's clock follows them.
fn clock_follows_real_time(journey: &Journey) -> tokio::task::JoinHandle<()> {
    let clock = journey.server.clock.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            clock.advance(1);
        }
    })
}

#[tokio::test]
async fn a_person_types_the_devices_code_signs_in_and_allows_it_and_the_device_gets_tokens() {
    let journey = Journey::start(|_| {}).await;
    let ticking = clock_follows_real_time(&journey);
    let params = json!({"scope": "openid email offline_access"});
    let mut device = Rp::start(&journey.server, "web", Some(crate::support::WEB_SECRET), Mode::Device, params, None);
    let started = device.next().await;
    let user_code = started["user_code"].as_str().expect("a user code").to_string();
    assert_eq!(started["verification_uri"], journey.server.url("/device"));

    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.goto(started["verification_uri"].as_str().unwrap()).await;
    page.type_into("#user_code", &user_code.to_lowercase().replace('-', " ")).await;
    page.press_enter().await;
    journey.sign_in_by_code(&page, EMAIL).await;
    page.wait_for("location.pathname === '/device' || location.pathname.endsWith('/passkey/offer')").await;
    if page.href().await.contains("/passkey/offer") {
        page.click_on("Not now, continue").await;
    }
    page.wait_for_text("Check that the device shows this code").await;
    assert!(page.text().await.contains(&user_code), "the page shows the code to compare");
    page.click("button[value=allow]").await;
    page.wait_for_text("Device connected").await;

    let outcome = device.next().await;
    ticking.abort();
    assert_eq!(outcome["claims"]["email"], EMAIL, "{outcome}");
    assert_eq!(outcome["refresh"], true, "offline access was allowed on the page");
}

#[tokio::test]
async fn a_denied_or_mistyped_code_gives_the_device_no_tokens() {
    let journey = Journey::start(|_| {}).await;
    let ticking = clock_follows_real_time(&journey);
    let mut device = Rp::start(&journey.server, "web", Some(crate::support::WEB_SECRET), Mode::Device, json!({}), None);
    let started = device.next().await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.goto(&journey.server.url("/device")).await;
    page.type_into("#user_code", "BCDF-GHJK").await;
    page.press_enter().await;
    page.wait_for_text("That code is not valid or has expired").await;

    page.goto(started["verification_uri_complete"].as_str().unwrap()).await;
    journey.sign_in_by_code(&page, EMAIL).await;
    page.wait_for("location.pathname === '/device' || location.pathname.endsWith('/passkey/offer')").await;
    if page.href().await.contains("/passkey/offer") {
        page.click_on("Not now, continue").await;
    }
    page.wait_for_text("Check that the device shows this code").await;
    page.click("button[value=deny]").await;
    page.wait_for_text("Device not connected").await;
    let outcome = device.next().await;
    ticking.abort();
    assert_eq!(outcome["error"], "access_denied", "{outcome}");
}
