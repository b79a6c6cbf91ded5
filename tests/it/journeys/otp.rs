//! One-time codes in the browser: the demo's first sign-in, a pasted code with a space, the
//! resend cool-down shown on the page, and five wrong codes.

use serde_json::json;

use super::{EMAIL, Journey};
use crate::support::chrome::Chrome;

#[tokio::test]
async fn email_code_through_the_demo_shows_the_verified_claims() {
    let journey = Journey::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.goto(&journey.server.url("/demo")).await;
    page.click("a[href='/demo/login']").await;
    journey.sign_in_by_code(&page, EMAIL).await;
    page.wait_for("location.pathname.endsWith('/passkey/offer')").await;
    page.click_on("Not now, continue").await;
    let text = page.wait_for_text("ID token claims").await;
    assert!(text.contains(EMAIL) && text.contains("\"otp\""), "the claims are shown: {text}");
}

#[tokio::test]
async fn a_pasted_code_with_a_space_is_accepted() {
    let journey = Journey::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let (client, pending) = journey.request("web", &["openid"]).await;
    page.goto(&pending.url.clone()).await;
    let sent = journey.ask_for_code(&page, EMAIL).await;
    let code = journey.mail(EMAIL, sent + 1).await.code();
    let spaced = format!("{} {}", &code[..3], &code[3..]);
    journey.type_code(&page, &spaced).await;
    let at = journey.arrival(&page).await;
    journey.redeem(&client, pending, &at).await;
}

#[tokio::test]
async fn resend_during_the_cool_down_says_how_long_to_wait_and_works_after_it() {
    let journey = Journey::start(|c| c.login.resend_cooldown_secs = 30).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let (client, pending) = journey.request("web", &["openid"]).await;
    page.goto(&pending.url.clone()).await;
    let sent = journey.ask_for_code(&page, EMAIL).await;
    journey.mail(EMAIL, sent + 1).await;
    page.wait_for("location.pathname.endsWith('/code')").await;

    journey.server.clock.advance(12);
    page.click("form[action$='/resend'] button").await;
    let text = page.wait_for_text("You can ask for another one in").await;
    assert!(text.contains("in 18 seconds"), "the seconds left: {text}");
    assert_eq!(journey.server.smtp.count_to(EMAIL), sent + 1, "nothing sent");

    journey.server.clock.advance(19);
    page.click("form[action$='/resend'] button").await;
    page.wait_for_text("A new code is on its way").await;
    let code = journey.mail(EMAIL, sent + 2).await.code();
    journey.type_code(&page, &code).await;
    let at = journey.arrival(&page).await;
    journey.redeem(&client, pending, &at).await;
}

#[tokio::test]
async fn five_wrong_codes_end_the_code_and_say_so() {
    let journey = Journey::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let (_, pending) = journey.request("web", &["openid"]).await;
    page.goto(&pending.url.clone()).await;
    let sent = journey.ask_for_code(&page, EMAIL).await;
    let code = journey.mail(EMAIL, sent + 1).await.code();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        page.mark().await;
        journey.type_code(&page, wrong).await;
        page.wait_for_new_document().await;
        page.wait_for_text("That code is not right").await;
    }
    journey.type_code(&page, wrong).await;
    page.wait_for_text("Too many wrong codes").await;
    assert!(!page.href().await.contains("/code"), "back at the address form");
    let events = json!(journey.server.state.metrics.render().contains("too_many_attempts"));
    assert_eq!(events, json!(true), "counted as a failure by reason");
}
