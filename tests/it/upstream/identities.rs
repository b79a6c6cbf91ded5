//! Linked identities where people and operators see them: the account page lists and
//! disconnects them, the management API lists and unlinks them.

use reqwest::Method;

use super::standin::StandIn;
use super::{PROVIDER, callback, state_and_nonce, to_upstream, upstream};
use crate::api::{KEY, READ_ONLY, call, with_keys};
use crate::support::TestServer;
use crate::support::browser::{Browser, csrf};

const EMAIL: &str = "lin@example.com";

/// A server whose browser has just signed in with the stand-in as subject `u-5`.
async fn linked() -> (StandIn, TestServer, Browser) {
    let standin = StandIn::start().await;
    let issuer = standin.issuer.clone();
    let server = TestServer::start_with(move |c| c.upstreams = vec![upstream(&issuer, true)]).await;
    let browser = server.browser();
    let (_, url) = to_upstream(&server, &browser).await;
    let (state, nonce) = state_and_nonce(&url);
    standin.answer_with(standin.sign(&standin.claims(&nonce, "u-5", EMAIL, true)));
    let response = callback(&browser, &[("state", &state), ("code", "c")]).await;
    assert!(Browser::location(&response).starts_with("/authorize/resume/"));
    (standin, server, browser)
}

#[tokio::test]
async fn the_account_page_lists_a_connected_account_and_disconnects_it_after_confirmation() {
    let (_standin, server, browser) = linked().await;
    let html = browser.get("/account").await.text().await.unwrap();
    assert!(html.contains("Connected accounts") && html.contains("Upstream ID") && html.contains(EMAIL), "{html}");
    let form = [("csrf", csrf(&html)), ("provider", PROVIDER.into()), ("subject", "u-5".into())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let asked = browser.post("/account/identities/remove", &form).await;
    assert_eq!(asked.status(), 200, "asks first");
    assert!(server.state.directory.identity(PROVIDER, "u-5").await.unwrap().is_some(), "nothing removed yet");
    let mut confirmed = form.clone();
    confirmed.push(("confirm", "1"));
    let done = browser.post("/account/identities/remove", &confirmed).await;
    assert_eq!(Browser::location(&done), "/account?n=disconnected");
    assert_eq!(server.state.directory.identity(PROVIDER, "u-5").await.unwrap(), None);
}

#[tokio::test]
async fn the_management_api_lists_a_users_identities_and_unlinks_one_with_users_write() {
    let (_standin, server, _) = linked().await;
    with_keys(&server).await;
    let user = server.state.directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().unwrap();
    let path = format!("/api/v1/users/{}/identities", user.id.0);
    let (status, body) = call(&server, Method::GET, &path, Some(READ_ONLY), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["identities"][0]["provider"], PROVIDER);
    assert_eq!(body["identities"][0]["subject"], "u-5");
    let one = format!("{path}/{PROVIDER}/u-5");
    assert_eq!(call(&server, Method::DELETE, &one, Some(READ_ONLY), None).await.0, 403, "users:write needed");
    assert_eq!(call(&server, Method::DELETE, &one, Some(KEY), None).await.0, 204);
    assert_eq!(call(&server, Method::DELETE, &one, Some(KEY), None).await.0, 404, "gone");
    assert_eq!(server.state.directory.identity(PROVIDER, "u-5").await.unwrap(), None);
}
