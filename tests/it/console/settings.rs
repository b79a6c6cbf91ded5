//! The console's settings page shows the configuration in effect without its secrets.

use super::{OPERATOR, account_with_passkey, arrive, console_by_passkey, server};
use crate::support::WEB_SECRET;
use crate::support::chrome::Chrome;

#[tokio::test]
async fn the_settings_page_shows_the_effective_configuration_and_hides_its_secrets() {
    let server = server().await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(&page, &server, OPERATOR).await;
    console_by_passkey(&page, &server, &auth).await;
    page.click("nav a[href='/console/settings']").await;
    arrive(&page, "/console/settings").await;
    let text = page.eval("document.getElementById('settings').textContent").await.unwrap();
    let text = text.as_str().unwrap();
    assert!(text.contains(&server.state.config.issuer) && text.contains("acr = \"phr\""), "{text}");
    assert!(
        text.contains("id = \"web\"") && text.contains("(hidden)"),
        "the client is listed, its secret hidden: {text}"
    );
    assert!(!text.contains(WEB_SECRET), "no client secret: {text}");
}
