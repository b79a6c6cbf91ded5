//! Which account an upstream sign-in reaches: a linked identity its user; a verified address
//! from a provider trusted for it, that address's owner; an unverified or untrusted address
//! nobody, until the person signs in by the account's own method, which links the identity.

use super::standin::StandIn;
use super::{PROVIDER, callback, state_and_nonce, to_upstream, upstream};
use crate::support::TestServer;
use crate::support::browser::Browser;

const EMAIL: &str = "grace@example.com";

async fn servers(trust: bool, signup: bool) -> (StandIn, TestServer) {
    let standin = StandIn::start().await;
    let issuer = standin.issuer.clone();
    let server = TestServer::start_with(move |c| {
        c.upstreams = vec![upstream(&issuer, trust)];
        c.login.signup = signup;
    })
    .await;
    (standin, server)
}

async fn owner(server: &TestServer) -> tessera::model::User {
    server.state.directory.create_user_with_email(&EMAIL.parse().unwrap(), server.clock.now()).await.unwrap()
}

/// One sign-in at the stand-in, which asserts `EMAIL` (verified or not) for subject `sub`; the
/// login page it began on and the callback's answer.
async fn upstream_sign_in(
    standin: &StandIn,
    server: &TestServer,
    browser: &Browser,
    sub: &str,
    verified: bool,
) -> (crate::support::browser::LoginPage, reqwest::Response) {
    let (page, url) = to_upstream(server, browser).await;
    let (state, nonce) = state_and_nonce(&url);
    standin.answer_with(standin.sign(&standin.claims(&nonce, sub, EMAIL, verified)));
    (page.clone(), callback(browser, &[("state", &state), ("code", "c")]).await)
}

#[tokio::test]
async fn an_unverified_address_never_links_until_the_person_proves_the_account() {
    let (standin, server) = servers(true, true).await;
    let user = owner(&server).await;
    let browser = server.browser();
    let (page, response) = upstream_sign_in(&standin, &server, &browser, "u-9", false).await;
    assert_eq!(Browser::location(&response), format!("/login/{}?e=upstream_link", page.id), "asked to prove it");
    assert_eq!(server.state.directory.identity(PROVIDER, "u-9").await.unwrap(), None, "not linked by address");

    let page = browser.login_page(&format!("/login/{}?e=upstream_link", page.id)).await;
    assert!(page.html.contains("not connected here yet"), "the page says what to do");
    browser.complete_login(&page, EMAIL).await;
    let linked = server.state.directory.identity(PROVIDER, "u-9").await.unwrap().expect("linked once proven");
    assert_eq!(linked.user_id, user.id);

    let again = server.browser();
    let (_, response) = upstream_sign_in(&standin, &server, &again, "u-9", false).await;
    assert!(Browser::location(&response).starts_with("/authorize/resume/"), "the linked identity signs in");
}

#[tokio::test]
async fn a_verified_address_from_an_untrusted_provider_does_not_link() {
    let (standin, server) = servers(false, true).await;
    owner(&server).await;
    let browser = server.browser();
    let (page, response) = upstream_sign_in(&standin, &server, &browser, "u-9", true).await;
    assert_eq!(Browser::location(&response), format!("/login/{}?e=upstream_link", page.id));
    assert_eq!(server.state.directory.identity(PROVIDER, "u-9").await.unwrap(), None);
}

#[tokio::test]
async fn a_verified_address_from_a_trusted_provider_signs_in_its_owner() {
    let (standin, server) = servers(true, true).await;
    let user = owner(&server).await;
    let browser = server.browser();
    let (_, response) = upstream_sign_in(&standin, &server, &browser, "u-9", true).await;
    assert!(Browser::location(&response).starts_with("/authorize/resume/"));
    let linked = server.state.directory.identity(PROVIDER, "u-9").await.unwrap().expect("linked");
    assert_eq!(linked.user_id, user.id, "the owner, not a new user");
}

#[tokio::test]
async fn with_sign_up_off_a_trusted_address_without_an_account_signs_nobody_in() {
    let (standin, server) = servers(true, false).await;
    let browser = server.browser();
    let (page, response) = upstream_sign_in(&standin, &server, &browser, "u-9", true).await;
    assert_eq!(Browser::location(&response), format!("/login/{}?e=noaccount", page.id));
    assert!(server.state.directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().is_none());
}
