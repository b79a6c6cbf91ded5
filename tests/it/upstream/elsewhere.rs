//! The upstream buttons wherever the choice page is: bridge mode returns the person to the
//! broker with its assertion, and `/account` opens on the account page.

use tessera::config::BridgeConfig;

use super::standin::StandIn;
use super::{PROVIDER, callback, state_and_nonce, upstream};
use crate::support::TestServer;
use crate::support::browser::{Browser, Step};

const BROKER: &str = "http://127.0.0.1:9/cb";

async fn servers() -> (StandIn, TestServer) {
    let standin = StandIn::start().await;
    let issuer = standin.issuer.clone();
    let server = TestServer::start_with(move |c| {
        c.upstreams = vec![upstream(&issuer, true)];
        c.bridges = vec![BridgeConfig {
            id: "generic".into(),
            name: Some("Example Broker".into()),
            format: "jwt".into(),
            return_urls: vec![BROKER.into()],
            audience: "https://broker.example".into(),
            assertion_lifetime_secs: 60,
            access_key: None,
            alg: "EdDSA".into(),
            client_ids: vec![],
        }];
    })
    .await;
    (standin, server)
}

/// From the login page `id`, through the stand-in (asserting a verified address) and back.
async fn through_upstream(standin: &StandIn, browser: &Browser, id: &str) -> String {
    let response = browser.get(&format!("/login/upstream/{PROVIDER}?login={id}")).await;
    let url = url::Url::parse(&Browser::location(&response)).unwrap();
    let (state, nonce) = state_and_nonce(&url);
    standin.answer_with(standin.sign(&standin.claims(&nonce, "u-7", "bea@example.com", true)));
    Browser::location(&callback(browser, &[("state", &state), ("code", "c")]).await)
}

#[tokio::test]
async fn in_bridge_mode_an_upstream_sign_in_returns_to_the_broker_with_its_assertion() {
    let (standin, server) = servers().await;
    let browser = server.browser();
    let back: String = url::form_urlencoded::byte_serialize(BROKER.as_bytes()).collect();
    let entry = format!("/bridge/generic/login?state=broker-state&redirect_uri={back}");
    let Step::Login(page) = browser.authorize(&entry).await else { panic!("a login page") };
    assert!(page.html.contains("Continue with Upstream ID"), "offered in bridge mode too");
    let resume = through_upstream(&standin, &browser, &page.id).await;
    assert!(resume.starts_with("/bridge/resume/"), "{resume}");
    let to_broker = Browser::location(&browser.get(&resume).await);
    assert!(to_broker.starts_with(BROKER) && to_broker.contains("state=broker-state"), "{to_broker}");
}

#[tokio::test]
async fn the_account_page_can_be_reached_through_an_upstream() {
    let (standin, server) = servers().await;
    let browser = server.browser();
    let login = Browser::location(&browser.get("/account").await);
    let page = browser.login_page(&login).await;
    assert_eq!(through_upstream(&standin, &browser, &page.id).await, "/account");
    let html = browser.get("/account").await.text().await.unwrap();
    assert!(html.contains("bea@example.com") && html.contains("Connected accounts"), "{html}");
}
