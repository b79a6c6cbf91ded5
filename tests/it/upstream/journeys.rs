//! In Chromium, a second Tessera is the upstream provider: discovery, keys, the code flow and
//! its ID token are the real ones. The upstream answers at `127.0.0.1`, the first Tessera at
//! `localhost`, so each keeps its own cookies as two sites would.

use tessera::config::Config;

use super::{DOWN_SECRET, PROVIDER, upstream};
use crate::journeys::{EMAIL, Journey, js};
use crate::support::chrome::{Chrome, Page};
use crate::support::{TestServer, client};

/// The application's Tessera, and the upstream Tessera that knows it as client `down`.
struct Federation {
    down: Journey,
    up: TestServer,
}

impl Federation {
    async fn start(trust: bool) -> Federation {
        Self::start_with(move |issuer, c| c.upstreams = vec![upstream(issuer, trust)]).await
    }

    /// The two servers, the application's configured by `adjust` given the upstream's issuer.
    async fn start_with(adjust: impl FnOnce(&str, &mut Config)) -> Federation {
        let up = TestServer::start_with(|c: &mut Config| c.issuer = c.issuer.replace("localhost", "127.0.0.1")).await;
        let issuer = up.state.config.issuer().to_string();
        let down = Journey::start(move |c| adjust(&issuer, c)).await;
        let mut registration = client("down", Some(DOWN_SECRET), "client_secret_basic", "RS256", &up.base);
        registration.redirect_uris = vec![down.server.url(&format!("/login/upstream/{PROVIDER}/callback"))];
        let registered = tessera::domain::clients::from_config(&registration);
        up.state.directory.insert_client(&registered, up.clock.now()).await.unwrap();
        Federation { down, up }
    }

    /// On the upstream's sign-in page: signs in by the code it mails.
    async fn sign_in_upstream(&self, page: &Page<'_>, email: &str) {
        page.wait_for(&format!(
            "location.href.startsWith({}) && !!document.querySelector('#email')",
            js(self.up.state.config.issuer())
        ))
        .await;
        let sent = self.up.smtp.count_to(email);
        page.type_into("#email", email).await;
        page.click("form[action$='/email'] button[type=submit]").await;
        let code = self.up.smtp.nth_to(email, sent + 1).await.code();
        page.wait_for("location.pathname.endsWith('/code')").await;
        page.type_into("#code", &code).await;
        page.press_enter().await;
    }
}

#[tokio::test]
async fn continue_with_an_upstream_tessera_creates_the_user_and_the_application_gets_tokens() {
    let federation = Federation::start(true).await;
    let down = &federation.down;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let (client, pending) = down.request("web", &["openid", "email"]).await;
    page.goto(&pending.url.clone()).await;
    page.click_on("Continue with Upstream ID").await;
    federation.sign_in_upstream(&page, EMAIL).await;
    let at = down.arrival(&page).await;
    let id_token = down.redeem(&client, pending, &at).await;
    assert_eq!(id_token["email"], EMAIL, "the upstream's verified address");
    assert_eq!(id_token["amr"][0], "fed", "a federated sign-in: {id_token}");
    assert_eq!(down.server.smtp.count_to(EMAIL), 0, "the application's Tessera sent nothing");
    let user = down.server.state.directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(id_token["sub"], user.id.0);
    let upstream_sub = federation.up.state.directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().unwrap();
    let linked = down.server.state.directory.identity(PROVIDER, &upstream_sub.id.0).await.unwrap().expect("linked");
    assert_eq!(linked.user_id, user.id);

    // Asked for a fresh sign-in, the page offers the upstream used last first, above the address
    // form; and `prompt=login` goes on to the upstream, which asks again despite its session.
    let (client, pending) = down.request("web", &["openid"]).await;
    page.goto(&format!("{}&prompt=login", pending.url)).await;
    page.wait_for("!!document.querySelector('#upstreams')").await;
    let order = "document.querySelector('#upstreams').compareDocumentPosition(document.querySelector('#email'))";
    let first = page.eval(&format!("!!({order} & Node.DOCUMENT_POSITION_FOLLOWING)")).await;
    assert_eq!(first, Ok(serde_json::Value::Bool(true)), "last used, offered first");
    page.click("#upstreams a").await;
    federation.sign_in_upstream(&page, EMAIL).await;
    let at = down.arrival(&page).await;
    let again = down.redeem(&client, pending, &at).await;
    assert_eq!(again["sub"], user.id.0, "the linked identity signs in the same user");
}

#[tokio::test]
async fn going_back_from_the_upstream_returns_the_person_to_the_choice_page() {
    let federation = Federation::start(true).await;
    let down = &federation.down;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let (_, pending) = down.request("web", &["openid"]).await;
    page.goto(&pending.url.clone()).await;
    page.click_on("Continue with Upstream ID").await;
    page.wait_for(&format!("location.href.startsWith({})", js(federation.up.state.config.issuer()))).await;
    page.click("form[action$='/cancel'] button").await;
    let text = page.wait_for_text("cancelled at the other provider").await;
    assert!(text.contains("Continue with Upstream ID"), "the choices are offered again: {text}");
    assert!(page.href().await.starts_with(&down.server.base), "back at the application's Tessera");
}

#[tokio::test]
async fn an_upstream_registered_through_the_api_signs_in_and_its_button_goes_when_it_is_deleted() {
    let federation = Federation::start_with(|_, _| {}).await;
    let down = &federation.down;
    crate::api::with_keys(&down.server).await;
    let registration = serde_json::json!({
        "id": PROVIDER, "kind": "oidc", "name": "Registered ID", "issuer": federation.up.state.config.issuer(),
        "client_id": "down", "client_secret": DOWN_SECRET, "scopes": ["openid", "email"], "trust_verified_email": true,
    });
    let api = |method, body| crate::api::call(&down.server, method, "/api/v1/upstreams", Some(crate::api::KEY), body);
    let (status, made) = api(reqwest::Method::POST, Some(registration)).await;
    assert_eq!(status, 201, "{made}");
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let (client, pending) = down.request("web", &["openid", "email"]).await;
    page.goto(&pending.url.clone()).await;
    page.click_on("Continue with Registered ID").await;
    federation.sign_in_upstream(&page, EMAIL).await;
    let at = down.arrival(&page).await;
    let id_token = down.redeem(&client, pending, &at).await;
    assert_eq!((id_token["email"].as_str(), id_token["amr"][0].as_str()), (Some(EMAIL), Some("fed")), "{id_token}");

    let path = format!("/api/v1/upstreams/{PROVIDER}");
    let (status, _) = crate::api::call(&down.server, reqwest::Method::DELETE, &path, Some(crate::api::KEY), None).await;
    assert_eq!(status, 204);
    let (_, pending) = down.request("web", &["openid"]).await;
    page.goto(&format!("{}&prompt=login", pending.url)).await;
    page.wait_for("!!document.querySelector('#email')").await;
    let offered = page.eval("document.body.innerText.includes('Continue with Registered ID')").await;
    assert_eq!(offered, Ok(serde_json::Value::Bool(false)), "the deleted upstream's button is gone at once");
}
