//! RFC 9207 at the callback: a provider whose discovery promises `iss` in its authorization
//! responses must send its own; an answer naming another issuer, or none, is refused like a
//! bad state and signs nobody in.

use super::standin::StandIn;
use super::{PROVIDER, callback, state_and_nonce, to_upstream, upstream};
use crate::support::TestServer;
use crate::support::browser::Browser;

const EMAIL: &str = "ada@example.com";

async fn answer(iss: Option<&str>) -> (TestServer, reqwest::Response) {
    let standin = StandIn::promising_iss().await;
    let issuer = standin.issuer.clone();
    let server = TestServer::start_with(move |c| c.upstreams = vec![upstream(&issuer, true)]).await;
    let browser = server.browser();
    let (_, url) = to_upstream(&server, &browser).await;
    let (state, nonce) = state_and_nonce(&url);
    standin.answer_with(standin.sign(&standin.claims(&nonce, "u-1", EMAIL, true)));
    let own = standin.issuer.clone();
    let iss = iss.map(|i| if i == "own" { own.as_str() } else { i });
    let mut query = vec![("state", state.as_str()), ("code", "c1")];
    query.extend(iss.map(|i| ("iss", i)));
    let response = callback(&browser, &query).await;
    (server, response)
}

async fn nobody_signed_in(server: &TestServer, response: reqwest::Response) {
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("expired"), "the expired page");
    assert_eq!(server.state.directory.identity(PROVIDER, "u-1").await.unwrap(), None, "nothing linked");
    assert!(server.state.directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().is_none());
}

#[tokio::test]
async fn an_answer_carrying_the_promised_issuer_signs_in() {
    let (_server, response) = answer(Some("own")).await;
    assert!(Browser::location(&response).starts_with("/authorize/resume/"), "signed in");
}

#[tokio::test]
async fn an_answer_naming_another_issuer_is_refused_when_the_provider_promises_iss() {
    let (server, response) = answer(Some("https://elsewhere.example")).await;
    nobody_signed_in(&server, response).await;
}

#[tokio::test]
async fn an_answer_without_the_promised_iss_is_refused() {
    let (server, response) = answer(None).await;
    nobody_signed_in(&server, response).await;
}
