//! An application that asks for a passkey (`acr_values=phr`) while the browser's session came
//! from an email code: the sign-in page offers only the passkey, and the ID token says `phr`.

use super::{EMAIL, Journey};
use crate::support::chrome::Chrome;

#[tokio::test]
async fn asking_for_phr_steps_an_email_code_session_up_to_a_passkey() {
    let journey = Journey::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    let (client, pending) = journey.request("web", &["openid"]).await;
    page.goto(&pending.url.clone()).await;
    journey.sign_in_by_code(&page, EMAIL).await;
    page.wait_for("location.pathname.endsWith('/passkey/offer')").await;
    page.click("#passkey-register").await;
    let at = page.wait_for(&format!("location.href.startsWith({:?}) && location.href", journey.app)).await;
    let claims = journey.redeem(&client, pending, &url::Url::parse(at.as_str().unwrap()).unwrap()).await;
    assert_eq!(claims["acr"], "aal1", "the session came from the email code");

    page.presence(&auth, false).await;
    let (client, pending) = journey.request("web", &["openid"]).await;
    page.goto(&format!("{}&acr_values=phr", pending.url)).await;
    page.wait_for("!document.getElementById('passkey-signin').hidden").await;
    let offered = page.eval("document.querySelector('form[action$=\"/email\"]') === null").await.unwrap();
    assert_eq!(offered, true, "no email code is offered when the application asks for a passkey");
    page.wait_for_text("asks you to sign in with a passkey").await;
    page.presence(&auth, true).await;
    page.click("#passkey-signin").await;
    let at = journey.arrival(&page).await;
    let claims = journey.redeem(&client, pending, &at).await;
    assert!(matches!(claims["acr"].as_str(), Some("phr" | "phrh")), "stepped up: {claims}");
}
