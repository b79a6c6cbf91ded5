//! An application that names the upstream itself (Auth0's `connection`, Keycloak's
//! `kc_idp_hint`) skips the choice page, so a failure there cannot go back to it: the application
//! hears the error at its redirect_uri, with its `state` and `iss`, as from every other error.

use url::Url;

use super::standin::StandIn;
use super::{PROVIDER, callback, state_and_nonce, upstream};
use crate::support::browser::{Browser, param};
use crate::support::{TestServer, rp};

/// The application's request naming the upstream with `parameter`, and where the browser lands
/// after following Tessera's redirects (never a choice page).
async fn straight_to(server: &TestServer, browser: &Browser, parameter: &str) -> (rp::Pending, Url) {
    let client = rp::client(server, "web").await;
    let pending = rp::start(&client, &["openid", "email"]);
    let mut at = Browser::location(&browser.get(&format!("{}&{parameter}", pending.url)).await);
    while at.starts_with('/') {
        assert!(!at.starts_with("/login/") || at.starts_with("/login/upstream/"), "no choice page: {at}");
        at = Browser::location(&browser.get(&at).await);
    }
    (pending, Url::parse(&at).unwrap())
}

/// The application's redirect_uri with `error`, its `state` and Tessera's `iss` (RFC 9207).
fn answered(server: &TestServer, pending: &rp::Pending, at: &Url, error: &str) {
    assert!(at.as_str().starts_with(&server.redirect_uri("web")), "at the application: {at}");
    assert_eq!(param(at, "error").as_deref(), Some(error), "{at}");
    assert_eq!(param(at, "state").as_deref(), Some(pending.state.secret().as_str()));
    assert_eq!(param(at, "iss").as_deref(), Some(server.state.issuer()));
}

#[tokio::test]
async fn an_unreachable_upstream_named_by_the_application_answers_it_temporarily_unavailable() {
    let server = TestServer::start_with(|c| c.upstreams = vec![upstream("http://127.0.0.1:9", true)]).await;
    let browser = server.browser();
    let (pending, at) = straight_to(&server, &browser, &format!("connection={PROVIDER}")).await;
    answered(&server, &pending, &at, "temporarily_unavailable");
}

#[tokio::test]
async fn an_upstream_that_refuses_answers_the_application_access_denied() {
    let standin = StandIn::start().await;
    let issuer = standin.issuer.clone();
    let server = TestServer::start_with(move |c| c.upstreams = vec![upstream(&issuer, true)]).await;
    let browser = server.browser();
    let (pending, at) = straight_to(&server, &browser, &format!("kc_idp_hint={PROVIDER}")).await;
    assert!(at.as_str().starts_with(&standin.issuer), "straight to the upstream: {at}");
    let (state, _) = state_and_nonce(&at);
    let back = callback(&browser, &[("state", &state), ("error", "access_denied")]).await;
    answered(&server, &pending, &Url::parse(&Browser::location(&back)).unwrap(), "access_denied");
}

#[tokio::test]
async fn an_upstream_the_application_names_that_does_not_exist_is_an_invalid_request() {
    let server = TestServer::start_with(|c| c.upstreams = vec![upstream("http://127.0.0.1:9", true)]).await;
    let browser = server.browser();
    let (pending, at) = straight_to(&server, &browser, "connection=nobody-here").await;
    answered(&server, &pending, &at, "invalid_request");
    let (pending, at) = straight_to(&server, &browser, &format!("connection={PROVIDER}&kc_idp_hint=other")).await;
    answered(&server, &pending, &at, "invalid_request");
}

#[tokio::test]
async fn an_upstream_removed_before_the_person_reaches_it_answers_the_application_temporarily_unavailable() {
    let server = TestServer::start().await;
    crate::api::with_keys(&server).await;
    let registration = serde_json::to_value(upstream("https://idp.example", true)).unwrap();
    let key = Some(crate::api::KEY);
    assert_eq!(
        crate::api::call(&server, reqwest::Method::POST, "/api/v1/upstreams", key, Some(registration)).await.0,
        201
    );
    let browser = server.browser();
    let client = rp::client(&server, "web").await;
    let pending = rp::start(&client, &["openid"]);
    let way_out = Browser::location(&browser.get(&format!("{}&connection={PROVIDER}", pending.url)).await);
    assert!(way_out.starts_with(&format!("/login/upstream/{PROVIDER}?login=")), "{way_out}");
    let path = format!("/api/v1/upstreams/{PROVIDER}");
    assert_eq!(crate::api::call(&server, reqwest::Method::DELETE, &path, key, None).await.0, 204);
    let at = Url::parse(&Browser::location(&browser.get(&way_out).await)).unwrap();
    answered(&server, &pending, &at, "temporarily_unavailable");
}
