//! A passkey moves with its user: made in the browser at one Tessera, exported, imported into
//! another with the same RP id (`localhost`; the ports differ), it signs in there at once.

use serde_json::json;
use tessera::domain::imports::{self, Format};

use super::{EMAIL, Journey};
use crate::support::chrome::Chrome;

#[tokio::test]
async fn an_exported_passkey_signs_in_at_the_tessera_it_was_imported_into_without_enrolling_again() {
    let first = Journey::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    let (_, pending) = first.request("web", &["openid"]).await;
    page.goto(&pending.url.clone()).await;
    first.sign_in_by_code(&page, EMAIL).await;
    page.wait_for("location.pathname.endsWith('/passkey/offer')").await;
    page.click("#passkey-register").await;
    page.wait_for(&format!("location.href.startsWith({:?})", first.app)).await;
    assert_eq!(page.credentials(&auth).await.len(), 1, "the passkey is on the authenticator");

    let mut exported = Vec::new();
    assert_eq!(imports::export(&*first.server.state.directory, &mut exported).await.unwrap(), 1);
    let second = Journey::start(|_| {}).await;
    assert_ne!(first.server.base, second.server.base, "another origin");
    let directory = &*second.server.state.directory;
    let report = imports::import(directory, &mut exported.as_slice(), Format::Tessera, Some("localhost"), 0).await;
    assert_eq!(report.unwrap().created, 1);

    // The same tab (the virtual authenticator belongs to it) loads the second Tessera's page;
    // with presence, the page's autofill request answers by itself.
    let (client, pending) = second.request("web", &["openid"]).await;
    page.goto(&pending.url.clone()).await;
    let at = second.arrival(&page).await;
    let claims = second.redeem(&client, pending, &at).await;
    assert_eq!(claims["amr"], json!(["hwk", "user", "mfa"]), "signed in by the passkey");
    assert_eq!(second.server.smtp.count_to(EMAIL), 0, "no code was sent there");
    let user = directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(user.login_count, 1);
    let passkeys = directory.passkeys_of_user(&user.id).await.unwrap();
    assert!(passkeys[0].last_used_at.is_some(), "its use is recorded there");
}
