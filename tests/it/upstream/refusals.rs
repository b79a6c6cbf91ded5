//! The protocol refusals at the callback, over HTTP against the stand-in provider: a `state`
//! never issued, used twice or from another browser; an ID token for another audience, from
//! another issuer, bound to another nonce or expired; and the upstream's errors, which return
//! the person to the choice page.

use serde_json::json;

use super::standin::StandIn;
use super::{callback, state_and_nonce, to_upstream, upstream};
use crate::support::TestServer;
use crate::support::browser::Browser;

const EMAIL: &str = "ada@example.com";

async fn servers() -> (StandIn, TestServer) {
    let standin = StandIn::start().await;
    let issuer = standin.issuer.clone();
    let server = TestServer::start_with(move |c| c.upstreams = vec![upstream(&issuer, true)]).await;
    (standin, server)
}

fn signed_in(response: &reqwest::Response) -> bool {
    response.status() == 303 && Browser::location(response).starts_with("/authorize/resume/")
}

/// The redirect back to the choice page of `login` with the error `name`.
fn back_with(response: &reqwest::Response, login: &str, name: &str) {
    assert_eq!(Browser::location(response), format!("/login/{login}?e={name}"));
}

async fn nobody(server: &TestServer) {
    let sub = server.state.directory.identity(super::PROVIDER, "u-1").await.unwrap();
    assert_eq!(sub, None, "nothing linked");
    assert!(server.state.directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().is_none(), "nobody created");
}

#[tokio::test]
async fn a_valid_id_token_signs_in_and_links_the_identity() {
    let (standin, server) = servers().await;
    let browser = server.browser();
    let (_, url) = to_upstream(&server, &browser).await;
    let (state, nonce) = state_and_nonce(&url);
    assert_eq!(super::param(&url, "code_challenge_method").as_deref(), Some("S256"), "PKCE");
    standin.answer_with(standin.sign(&standin.claims(&nonce, "u-1", EMAIL, true)));
    let response = callback(&browser, &[("state", &state), ("code", "c1")]).await;
    assert!(signed_in(&response), "signed in: {:?}", response.headers().get("location"));
    let user = server.state.directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().expect("created");
    let linked = server.state.directory.identity(super::PROVIDER, "u-1").await.unwrap().expect("linked");
    assert_eq!(linked.user_id, user.id);
}

#[tokio::test]
async fn a_state_this_server_never_issued_is_refused_and_changes_nothing() {
    let (standin, server) = servers().await;
    let browser = server.browser();
    let (_, url) = to_upstream(&server, &browser).await;
    let (_, nonce) = state_and_nonce(&url);
    standin.answer_with(standin.sign(&standin.claims(&nonce, "u-1", EMAIL, true)));
    let response = callback(&browser, &[("state", "forged-state"), ("code", "c1")]).await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("expired"), "the expired page");
    nobody(&server).await;
}

#[tokio::test]
async fn a_state_is_used_once() {
    let (standin, server) = servers().await;
    let browser = server.browser();
    let (_, url) = to_upstream(&server, &browser).await;
    let (state, nonce) = state_and_nonce(&url);
    standin.answer_with(standin.sign(&standin.claims(&nonce, "u-1", EMAIL, true)));
    assert!(signed_in(&callback(&browser, &[("state", &state), ("code", "c1")]).await));
    let replayed = callback(&browser, &[("state", &state), ("code", "c1")]).await;
    assert_eq!(replayed.status(), 400, "a second answer to the same request is refused");
}

#[tokio::test]
async fn a_state_answered_in_another_browser_signs_nobody_in() {
    let (standin, server) = servers().await;
    let victim = server.browser();
    let (_, url) = to_upstream(&server, &server.browser()).await;
    let (state, nonce) = state_and_nonce(&url);
    standin.answer_with(standin.sign(&standin.claims(&nonce, "u-1", EMAIL, true)));
    let response = callback(&victim, &[("state", &state), ("code", "c1")]).await;
    assert_eq!(response.status(), 400, "login CSRF: the answer belongs to another browser's sign-in");
    nobody(&server).await;
}

/// Starts a sign-in, has the stand-in answer with claims `adjust` changes, and checks the
/// person is back on the choice page with nothing signed in, created or linked.
async fn refused(adjust: impl FnOnce(&mut serde_json::Value)) {
    let (standin, server) = servers().await;
    let browser = server.browser();
    let (page, url) = to_upstream(&server, &browser).await;
    let (state, nonce) = state_and_nonce(&url);
    let mut claims = standin.claims(&nonce, "u-1", EMAIL, true);
    adjust(&mut claims);
    standin.answer_with(standin.sign(&claims));
    let response = callback(&browser, &[("state", &state), ("code", "c1")]).await;
    back_with(&response, &page.id, "upstream_refused");
    nobody(&server).await;
}

#[tokio::test]
async fn an_id_token_for_another_audience_is_refused() {
    refused(|c| c["aud"] = json!("another-client")).await;
}

#[tokio::test]
async fn an_id_token_from_another_issuer_is_refused() {
    refused(|c| c["iss"] = json!("https://elsewhere.example")).await;
}

#[tokio::test]
async fn an_id_token_with_a_foreign_nonce_is_refused() {
    refused(|c| c["nonce"] = json!("a-nonce-of-another-request")).await;
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    refused(|c| c["exp"] = json!(c["iat"].as_u64().unwrap() - 600)).await;
}

#[tokio::test]
async fn an_id_token_replayed_into_a_later_sign_in_is_refused_by_its_nonce() {
    let (standin, server) = servers().await;
    let browser = server.browser();
    let (_, url) = to_upstream(&server, &browser).await;
    let (state, nonce) = state_and_nonce(&url);
    let first = standin.sign(&standin.claims(&nonce, "u-1", EMAIL, true));
    standin.answer_with(first);
    assert!(signed_in(&callback(&browser, &[("state", &state), ("code", "c1")]).await));

    let other = server.browser();
    let (page, url) = to_upstream(&server, &other).await;
    let (state, _) = state_and_nonce(&url);
    let response = callback(&other, &[("state", &state), ("code", "c2")]).await;
    back_with(&response, &page.id, "upstream_refused");
}

#[tokio::test]
async fn an_upstream_error_returns_the_person_to_the_choice_page_saying_what_to_do() {
    let (_standin, server) = servers().await;
    let browser = server.browser();
    let (page, url) = to_upstream(&server, &browser).await;
    let (state, _) = state_and_nonce(&url);
    let response = callback(&browser, &[("state", &state), ("error", "access_denied")]).await;
    back_with(&response, &page.id, "upstream_denied");
    let html = browser.get(&format!("/login/{}?e=upstream_denied", page.id)).await.text().await.unwrap();
    assert!(html.contains("cancelled at the other provider") && html.contains("Continue with Upstream ID"), "{html}");
    let metrics = server.state.metrics.render();
    assert!(metrics.contains("method=\"upstream\",reason=\"upstream_denied\""), "counted");
}

#[tokio::test]
async fn an_unreachable_upstream_returns_the_person_to_the_choice_page() {
    let server = TestServer::start_with(|c| c.upstreams = vec![upstream("http://127.0.0.1:9", true)]).await;
    let browser = server.browser();
    let client = crate::support::rp::client(&server, "web").await;
    let pending = crate::support::rp::start(&client, &["openid"]);
    let crate::support::browser::Step::Login(page) = browser.authorize(&pending.url).await else { panic!() };
    let response = browser.get(&format!("/login/upstream/{}?login={}", super::PROVIDER, page.id)).await;
    back_with(&response, &page.id, "upstream_unreachable");
}
