//! Signing in with an upstream OpenID provider: in Chromium against a second Tessera as the
//! upstream (real discovery, keys and tokens), and over HTTP against a stand-in provider whose
//! ID tokens each test chooses, for the refusals.

mod apple;
mod cli;
mod direct;
mod elsewhere;
mod github;
mod identities;
mod journeys;
mod linking;
mod managed;
mod microsoft;
mod mixup;
mod refusals;
mod standin;

use tessera::config::UpstreamConfig;
use url::Url;

use crate::support::browser::{Browser, LoginPage, Step, param};
use crate::support::{TestServer, rp};

pub const PROVIDER: &str = "idp";
pub const DOWN_SECRET: &str = "down-secret-0123456789abcdef";

/// The `[[upstreams]]` entry for an OpenID provider at `issuer` that knows Tessera as `down`.
pub fn upstream(issuer: &str, trust_verified_email: bool) -> UpstreamConfig {
    UpstreamConfig {
        id: PROVIDER.into(),
        kind: "oidc".into(),
        name: Some("Upstream ID".into()),
        issuer: issuer.into(),
        client_id: "down".into(),
        client_secret: Some(DOWN_SECRET.into()),
        scopes: vec!["openid".into(), "email".into()],
        trust_verified_email,
        api_url: None,
        team_id: None,
        key_id: None,
        private_key_file: None,
        private_key: None,
    }
}

/// An authorization request of `web` that the browser takes to the upstream: the login page it
/// started from, and the upstream authorization URL (with `state`, `nonce`, PKCE).
pub async fn to_upstream(server: &TestServer, browser: &Browser) -> (LoginPage, Url) {
    let client = rp::client(server, "web").await;
    let pending = rp::start(&client, &["openid", "email"]);
    let Step::Login(page) = browser.authorize(&pending.url).await else { panic!("a login page") };
    let response = browser.get(&format!("/login/upstream/{PROVIDER}?login={}", page.id)).await;
    assert_eq!(response.status(), 303, "on to the upstream");
    let url = Url::parse(&Browser::location(&response)).unwrap();
    (page, url)
}

/// The callback as the upstream would send the browser to it.
pub async fn callback(browser: &Browser, query: &[(&str, &str)]) -> reqwest::Response {
    let query = serde_urlencoded::to_string(query).unwrap();
    browser.get(&format!("/login/upstream/{PROVIDER}/callback?{query}")).await
}

pub fn state_and_nonce(url: &Url) -> (String, String) {
    (param(url, "state").expect("a state"), param(url, "nonce").expect("a nonce"))
}
