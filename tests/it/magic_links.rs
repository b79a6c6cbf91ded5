//! Magic links: one button behind a GET (mail scanners change nothing), single use, expiry,
//! the same browser continuing, another browser approving the one that asked by its number
//! (or, when the client allows it, signing in itself), and link-only emails. The same journeys
//! in a real browser, and a post from another site, are in `journeys::links`.

use tessera::model::EmailSends;

use crate::support::browser::{Browser, LoginPage, Step, param};
use crate::support::{TestServer, rp};

const EMAIL: &str = "ada@example.com";

/// Starts a login at `client_id` and asks for the email; returns the page and the link path.
async fn link_for(server: &TestServer, browser: &Browser, client: &rp::Client) -> (rp::Pending, LoginPage, String) {
    let pending = rp::start(client, &["openid"]);
    let Step::Login(page) = browser.authorize(&pending.url).await else { panic!("a login page") };
    let sent = server.smtp.count_to(EMAIL);
    let response = browser.submit_email(&page, EMAIL).await;
    assert!(response.status().is_redirection());
    let mail = server.smtp.nth_to(EMAIL, sent + 1).await;
    (pending, page, mail.link_path().expect("the email carries a link"))
}

/// Follows `/authorize/resume/…` to the client and redeems the code.
async fn finish_at_client(
    browser: &Browser,
    client: &rp::Client,
    pending: rp::Pending,
    resume: &str,
) -> serde_json::Value {
    assert!(resume.starts_with("/authorize/resume/"), "{resume}");
    let callback = url::Url::parse(&Browser::location(&browser.get(resume).await)).unwrap();
    let tokens = rp::redeem(client, pending, &param(&callback, "code").unwrap()).await;
    let id_token = openidconnect::TokenResponse::id_token(&tokens).unwrap().to_string();
    use base64::Engine;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(id_token.split('.').nth(1).unwrap()).unwrap();
    serde_json::from_slice(&payload).unwrap()
}

#[tokio::test]
async fn a_link_opened_in_the_same_browser_completes_the_oidc_flow_and_a_scanner_get_consumes_nothing() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let client = rp::client(&server, "web").await;
    let (pending, _, link) = link_for(&server, &browser, &client).await;

    // A mail scanner fetches the link without cookies, twice: it gets a page and changes nothing.
    for _ in 0..2 {
        let scanned = reqwest::get(server.url(&link)).await.unwrap();
        assert_eq!(scanned.status(), 200);
        assert_eq!(scanned.headers()["cache-control"], "no-store");
    }
    let page = browser.get(&link).await.text().await.unwrap();
    assert!(page.contains("<button type=\"submit\">Sign in</button>"), "{page}");
    let signed_in = browser.post(&link, &[]).await;
    let claims = finish_at_client(&browser, &client, pending, &Browser::location(&signed_in)).await;
    assert_eq!(claims["amr"], serde_json::json!(["otp"]));

    let replayed = browser.post(&link, &[]).await;
    assert_eq!(replayed.status(), 400, "a link works once");
    assert!(replayed.text().await.unwrap().contains("expired or was used"));
}

#[tokio::test]
async fn a_link_expires_after_its_lifetime() {
    let server = TestServer::start_with(|c| c.lifetimes.interaction = 3600).await;
    let browser = server.browser();
    let client = rp::client(&server, "web").await;
    let (_, _, link) = link_for(&server, &browser, &client).await;
    server.clock.advance(server.state.config.lifetimes.magic_link as i64 + 1);
    assert_eq!(browser.get(&link).await.status(), 400);
    assert_eq!(browser.post(&link, &[]).await.status(), 400);
}

#[tokio::test]
async fn another_browser_approves_the_sign_in_and_the_waiting_browser_continues() {
    let server = TestServer::start().await;
    let asking = server.browser();
    let client = rp::client(&server, "web").await;
    let (pending, page, link) = link_for(&server, &asking, &client).await;
    let code_page = asking.get(&format!("/login/{}/code", page.id)).await.text().await.unwrap();
    let number = code_page.split("class=\"match\">").nth(1).unwrap()[..2].to_string();

    // Before approval the asking browser waits (and refreshes).
    let waiting = asking.get(&format!("/login/{}/wait", page.id)).await;
    assert_eq!(waiting.status(), 200);
    assert_eq!(waiting.headers()["refresh"], "3");

    let phone = server.browser();
    let approval = phone.get(&link).await.text().await.unwrap();
    assert!(approval.contains("Approve sign-in") && approval.contains(&number), "the number is among the choices");
    let unpicked = phone.post(&link, &[]).await;
    assert_eq!(Browser::location(&unpicked), link, "without a pick, nothing is consumed: asked again");
    let approved = phone.post(&link, &[("pick", &number)]).await;
    assert_eq!(approved.status(), 200);
    assert!(approved.text().await.unwrap().contains("Sign-in approved"));
    assert!(
        phone.get("/account").await.headers()["location"].to_str().unwrap().starts_with("/login/"),
        "the phone is not signed in"
    );

    let continued = asking.get(&format!("/login/{}/wait", page.id)).await;
    finish_at_client(&asking, &client, pending, &Browser::location(&continued)).await;
}

#[tokio::test]
async fn a_client_that_allows_cross_device_links_signs_in_where_the_link_is_opened() {
    let server = TestServer::start_with(|c| c.clients[0].cross_device_links = Some(true)).await;
    let asking = server.browser();
    let client = rp::client(&server, "web").await;
    let (pending, _, link) = link_for(&server, &asking, &client).await;
    let other = server.browser();
    assert!(!other.get(&link).await.text().await.unwrap().contains("Approve"));
    let signed_in = other.post(&link, &[]).await;
    finish_at_client(&other, &client, pending, &Browser::location(&signed_in)).await;
}

#[tokio::test]
async fn link_only_emails_carry_no_code_and_the_page_waits_for_the_link() {
    let server = TestServer::start_with(|c| c.login.email_sends = EmailSends::Link).await;
    let browser = server.browser();
    let client = rp::client(&server, "web").await;
    let pending = rp::start(&client, &["openid"]);
    let Step::Login(page) = browser.authorize(&pending.url).await else { panic!("a login page") };
    let response = browser.submit_email(&page, EMAIL).await;
    assert_eq!(Browser::location(&response), format!("/login/{}/wait", page.id));
    let mail = server.smtp.nth_to(EMAIL, 1).await;
    assert!(mail.subject().starts_with("Your link to sign in"), "{}", mail.subject());
    assert!(!mail.data.contains("Your code"), "no code in a link-only email");
    let signed_in = browser.post(&mail.link_path().unwrap(), &[]).await;
    finish_at_client(&browser, &client, pending, &Browser::location(&signed_in)).await;
}

fn minted(
    server: &TestServer,
    user: &tessera::model::User,
    kind: tessera::domain::links::LinkType,
    ttl: u64,
) -> String {
    let client = tessera::domain::clients::from_config(&server.state.config.clients[0]);
    let request = tessera::domain::links::Request {
        user,
        identifier: tessera::model::Identifier::Email(user.email.clone().unwrap()),
        client: &client,
        redirect_uri: &server.redirect_uri("web"),
        kind,
        lang: "en",
        ttl,
    };
    let link = tessera::domain::links::mint(
        &server.state.keys(),
        server.state.issuer(),
        &server.base,
        request,
        server.clock.now(),
    )
    .unwrap();
    link.strip_prefix(&server.base).unwrap().to_string()
}

#[tokio::test]
async fn a_minted_login_link_signs_in_once_and_the_application_then_gets_a_code_at_once() {
    use tessera::domain::links::LinkType;
    let server = TestServer::start().await;
    let user = server.state.directory.create_user_with_email(&EMAIL.parse().unwrap(), 0).await.unwrap();
    let link = minted(&server, &user, LinkType::Login, 600);
    let browser = server.browser();
    assert_eq!(reqwest::get(server.url(&link)).await.unwrap().status(), 200, "a scanner's GET changes nothing");
    let opened = browser.post(&link, &[]).await;
    assert_eq!(Browser::location(&opened), server.redirect_uri("web"));
    assert_eq!(browser.post(&link, &[]).await.status(), 400, "a minted link works once");

    let client = rp::client(&server, "web").await;
    let pending = rp::start(&client, &["openid"]);
    let Step::Client(callback) = browser.authorize(&format!("{}&prompt=none", pending.url)).await else {
        panic!("signed in: no login page")
    };
    let tokens = rp::redeem(&client, pending, &param(&callback, "code").unwrap()).await;
    assert!(openidconnect::TokenResponse::id_token(&tokens).is_some());

    let expired = minted(&server, &user, LinkType::Login, 60);
    server.clock.advance(61);
    assert_eq!(browser.post(&expired, &[]).await.status(), 400);
}

#[tokio::test]
async fn minted_links_check_the_redirect_uri_the_language_and_the_owner() {
    use tessera::domain::links::{LinkType, Request, mint};
    let server = TestServer::start().await;
    let user = server.state.directory.create_user_with_email(&EMAIL.parse().unwrap(), 0).await.unwrap();
    let client = tessera::domain::clients::from_config(&server.state.config.clients[0]);
    let email = tessera::model::Identifier::Email(user.email.clone().unwrap());
    let request = |redirect_uri: &'static str, lang: &'static str, identifier: tessera::model::Identifier| Request {
        user: &user,
        identifier,
        client: &client,
        redirect_uri,
        kind: LinkType::VerifyIdentifier,
        lang,
        ttl: 600,
    };
    let keys = server.state.keys();
    let now = server.clock.now();
    let err =
        mint(&keys, server.state.issuer(), &server.base, request("https://evil.example/cb", "en", email.clone()), now)
            .unwrap_err();
    assert!(err.to_string().contains("not a redirect URI registered"), "{err}");
    let err =
        mint(&keys, server.state.issuer(), &server.base, request("http://127.0.0.1:9/cb", "xx", email.clone()), now)
            .unwrap_err();
    assert!(err.to_string().contains("no translations"), "{err}");
    let other = tessera::model::Identifier::Email("eve@example.com".parse().unwrap());
    assert!(
        mint(&keys, server.state.issuer(), &server.base, request("http://127.0.0.1:9/cb", "en", other), now).is_err()
    );

    let link = minted(&server, &user, LinkType::VerifyIdentifier, 600);
    let page = server.browser().get(&link).await.text().await.unwrap();
    assert!(page.contains("Confirm"), "{page}");
    assert_eq!(Browser::location(&server.browser().post(&link, &[]).await), server.redirect_uri("web"));
    server.state.flush_audit().await;
    let q = tessera::model::AuditQuery { kind: Some("identifier_verified".into()), limit: 5, ..Default::default() };
    assert_eq!(server.state.directory.audit_events(&q).await.unwrap().len(), 1);
}
