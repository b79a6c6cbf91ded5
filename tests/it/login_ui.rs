//! What the login pages say and show: the language (`ui_locales`, then `Accept-Language`, then
//! the configured default), emails and texts in the page's language, the theme (site and
//! per-client colour and logo), and consent for third-party clients.

use reqwest::StatusCode;
use tessera::i18n::Locales;

use crate::support::browser::{Step, param};
use crate::support::{Browser, TestServer, rp};

fn catalogs() -> Locales {
    Locales::load("en").unwrap()
}

/// A message as it appears in the HTML (askama escapes it; these keys hold no special characters).
fn shown(lang: &str, key: &str) -> String {
    let text = catalogs().named(lang).t(key).to_string();
    assert!(!text.contains(['\'', '"', '&', '<']), "{lang} {key} needs escaping: pick another key");
    text
}

async fn login_page(browser: &Browser, url: &str) -> crate::support::browser::LoginPage {
    match browser.authorize(url).await {
        Step::Login(page) => page,
        Step::Client(url) => panic!("expected the login page, went to {url}"),
    }
}

#[tokio::test]
async fn ui_locales_wins_over_accept_language_and_the_email_follows_the_page() {
    let server = TestServer::start().await;
    let client = rp::client(&server, "web").await;
    let pending = rp::start(&client, &["openid"]);
    let browser = Browser::speaking(&server, "fr");
    let page = login_page(&browser, &format!("{}&ui_locales=de-AT%20en", pending.url)).await;
    assert!(page.html.contains("<html lang=\"de\">"), "ui_locales de-AT finds the de catalog");
    assert!(page.html.contains(&shown("de", "identify.email_label")));
    assert!(!page.html.contains(&shown("en", "identify.email_label")));

    let sent = server.smtp.count_to("ada@example.com");
    browser.submit_email(&page, "ada@example.com").await;
    let mail = server.smtp.nth_to("ada@example.com", sent + 1).await;
    let code = mail.code();
    let german = catalogs().named("de").f("email.subject_code", &[("code", &code), ("app", "App web")]);
    assert_eq!(mail.subject(), german, "the email speaks the page's language");
    let code_page = browser.get(&format!("/login/{}/code", page.id)).await.text().await.unwrap();
    assert!(code_page.contains(&shown("de", "code.label")));
}

#[tokio::test]
async fn accept_language_is_weighed_then_the_configured_default_applies() {
    let server = TestServer::start().await;
    let client = rp::client(&server, "web").await;
    let french = Browser::speaking(&server, "it;q=0.9, fr-CA;q=0.8, en;q=0.1");
    let page = login_page(&french, &rp::start(&client, &["openid"]).url).await;
    assert!(page.html.contains("<html lang=\"fr\">") && page.html.contains(&shown("fr", "identify.email_label")));
    let nobody = Browser::speaking(&server, "tlh");
    let page = login_page(&nobody, &rp::start(&client, &["openid"]).url).await;
    assert!(page.html.contains("<html lang=\"en\">"), "no catalog for tlh: the default");

    let spanish = TestServer::start_with(|c| c.ui.default_locale = "es".into()).await;
    let client = rp::client(&spanish, "web").await;
    let page = login_page(&spanish.browser(), &rp::start(&client, &["openid"]).url).await;
    assert!(page.html.contains("<html lang=\"es\">") && page.html.contains(&shown("es", "identify.email_label")));
}

#[tokio::test]
async fn error_pages_speak_the_readers_language_and_name_the_developer_detail_apart() {
    let server = TestServer::start().await;
    let response = Browser::speaking(&server, "es").get("/login/no-such-interaction").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.unwrap();
    assert!(html.contains("<html lang=\"es\">") && html.contains(&shown("es", "error.expired_title")), "{html}");

    let response =
        Browser::speaking(&server, "de").get("/authorize?client_id=web&redirect_uri=https://evil.example/cb").await;
    let html = response.text().await.unwrap();
    assert!(html.contains(&shown("de", "error.bad_request_title")), "{html}");
    assert!(html.contains("redirect_uri is not registered"), "the protocol detail stays for the developer: {html}");
}

#[tokio::test]
async fn the_site_theme_and_a_clients_colour_and_logo_reach_the_pages() {
    let dir = tempfile::tempdir().unwrap();
    let css = dir.path().join("brand.css");
    std::fs::write(&css, ".card { border-width: 3px; }").unwrap();
    let logo = dir.path().join("logo.svg");
    std::fs::write(&logo, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>").unwrap();
    let (css_path, logo_path) = (css.clone(), logo.display().to_string());
    let server = TestServer::start_with(move |c| {
        c.ui.primary_color = Some("#0a7d32".into());
        c.ui.custom_css = Some(css_path);
        c.ui.logo = Some(logo_path);
        c.clients[0].primary_color = Some("#ffd400".into());
        c.clients[0].logo_uri = Some("https://web.example/logo.png".into());
    })
    .await;
    let theme = reqwest::get(server.url("/assets/theme.css")).await.unwrap().text().await.unwrap();
    assert!(theme.contains("--accent: #0a7d32") && theme.contains("border-width: 3px"), "{theme}");
    let response = reqwest::get(server.url("/assets/logo")).await.unwrap();
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let client_css = reqwest::get(server.url("/theme/web.css")).await.unwrap().text().await.unwrap();
    assert!(client_css.contains("--accent: #ffd400; --accent-fg: #000"), "dark text on a light colour: {client_css}");
    assert_eq!(reqwest::get(server.url("/theme/nobody.css")).await.unwrap().status(), 404);

    let web = rp::client(&server, "web").await;
    let page = login_page(&server.browser(), &rp::start(&web, &["openid"]).url).await;
    assert!(
        page.html.contains("href=\"/theme/web.css\"") && page.html.contains("src=\"https://web.example/logo.png\"")
    );
    let spa = rp::client(&server, "spa").await;
    let page = login_page(&server.browser(), &rp::start(&spa, &["openid"]).url).await;
    assert!(page.html.contains("src=\"/assets/logo\"") && !page.html.contains("/theme/spa.css"), "the site logo");

    let embedded = TestServer::try_start_with(|c| {
        c.clients[1].passwordless = true;
        c.clients[1].third_party = true;
    })
    .await;
    let Err(refusal) = embedded else { panic!("the embedded APIs would skip consent") };
    assert!(refusal.contains("clients[1].passwordless"), "{refusal}");

    let bad = TestServer::try_start_with(|c| c.ui.primary_color = Some("red;}body{display:none".into())).await;
    let Err(refusal) = bad else { panic!("a colour that is not #rrggbb is refused") };
    assert!(refusal.contains("ui.primary_color"), "{refusal}");
}

/// A third-party public client (`spa`), signed in through the RP library.
async fn third_party() -> TestServer {
    TestServer::start_with(|c| c.clients[2].third_party = true).await
}

fn consent_path(location: &str) -> String {
    assert!(location.starts_with("/consent/"), "expected the consent page, got {location}");
    location.to_string()
}

#[tokio::test]
async fn a_third_party_client_gets_a_code_only_after_consent_which_is_remembered_until_revoked() {
    let server = third_party().await;
    let spa = rp::client(&server, "spa").await;
    let browser = server.browser();
    let pending = rp::start(&spa, &["openid", "email"]);
    let page = login_page(&browser, &pending.url).await;
    let sent = server.smtp.count_to("ada@example.com");
    browser.submit_email(&page, "ada@example.com").await;
    let code = server.smtp.nth_to("ada@example.com", sent + 1).await.code();
    let resume = Browser::location(&browser.submit_code(&page, &code).await);
    let early = browser.post(&format!("/consent/{}", page.id), &[("csrf", &page.csrf), ("decision", "allow")]).await;
    assert_eq!(early.status(), StatusCode::BAD_REQUEST, "a finished sign-in is not a consent");
    let consent = consent_path(&Browser::location(&browser.get(&resume).await));

    let html = browser.get(&consent).await.text().await.unwrap();
    assert!(html.contains(&shown("en", "consent.scope_email")) && html.contains("data-scope=\"openid\""), "{html}");
    let csrf = crate::support::browser::csrf(&html);
    let forged = browser.post(&consent, &[("csrf", "forged"), ("decision", "allow")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "a forged form changes nothing");
    let allowed = browser.post(&consent, &[("csrf", &csrf), ("decision", "allow")]).await;
    let callback = url::Url::parse(&Browser::location(&allowed)).unwrap();
    let code = param(&callback, "code").expect("a code after consent");
    rp::redeem(&spa, pending, &code).await;
    assert_eq!(browser.post(&consent, &[("csrf", &csrf), ("decision", "allow")]).await.status(), 400, "used once");

    // Remembered: the same scopes go straight through; a new scope asks again.
    let again = rp::start(&spa, &["openid", "email"]);
    let Step::Client(callback) = browser.authorize(&again.url).await else { panic!("consent was remembered") };
    assert!(param(&callback, "code").is_some());
    let wider = rp::start(&spa, &["openid", "email", "phone"]);
    let location = Browser::location(&browser.get(&wider.url).await);
    consent_path(&location);

    // prompt=none cannot ask: consent_required (OIDC Core §3.1.2.6).
    let silent = rp::start(&spa, &["openid", "phone"]);
    let Step::Client(callback) = browser.authorize(&format!("{}&prompt=none", silent.url)).await else { panic!() };
    assert_eq!(param(&callback, "error").as_deref(), Some("consent_required"));

    // The account page lists the grant; taking it back makes the next request ask again.
    let account = browser.get("/account").await.text().await.unwrap();
    assert!(account.contains("App spa") && account.contains("name=\"client\" value=\"spa\""), "{account}");
    let csrf = crate::support::browser::csrf(&account);
    let asked = browser.post("/account/consents/revoke", &[("csrf", &csrf), ("client", "spa")]).await;
    assert!(asked.text().await.unwrap().contains("name=\"confirm\" value=\"1\""), "taking access back asks first");
    let revoked =
        browser.post("/account/consents/revoke", &[("csrf", &csrf), ("client", "spa"), ("confirm", "1")]).await;
    assert_eq!(Browser::location(&revoked), "/account?n=revoked");
    let after = rp::start(&spa, &["openid", "email"]);
    consent_path(&Browser::location(&browser.get(&after.url).await));
}

#[tokio::test]
async fn denying_consent_returns_access_denied_and_first_party_clients_ask_only_with_prompt_consent() {
    let server = third_party().await;
    let spa = rp::client(&server, "spa").await;
    let browser = server.browser();
    let pending = rp::start(&spa, &["openid"]);
    let page = login_page(&browser, &pending.url).await;
    let sent = server.smtp.count_to("bo@example.com");
    browser.submit_email(&page, "bo@example.com").await;
    let code = server.smtp.nth_to("bo@example.com", sent + 1).await.code();
    let resume = Browser::location(&browser.submit_code(&page, &code).await);
    let consent = consent_path(&Browser::location(&browser.get(&resume).await));
    let csrf = crate::support::browser::csrf(&browser.get(&consent).await.text().await.unwrap());
    let denied = browser.post(&consent, &[("csrf", &csrf), ("decision", "deny")]).await;
    let callback = url::Url::parse(&Browser::location(&denied)).unwrap();
    assert_eq!(param(&callback, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&callback, "state").as_deref(), Some(pending.state.secret().as_str()));
    assert!(param(&callback, "code").is_none());

    // First party: no consent page, except when the client asks with prompt=consent.
    let web = rp::client(&server, "web").await;
    let Step::Client(callback) = browser.authorize(&rp::start(&web, &["openid"]).url).await else { panic!() };
    assert!(param(&callback, "code").is_some(), "a first-party client is not asked about");
    let asked = rp::start(&web, &["openid"]);
    consent_path(&Browser::location(&browser.get(&format!("{}&prompt=consent", asked.url)).await));
}

#[tokio::test]
async fn the_user_can_turn_back_and_the_application_hears_access_denied_once() {
    let server = TestServer::start().await;
    let web = rp::client(&server, "web").await;
    let pending = rp::start(&web, &["openid"]);
    let browser = server.browser();
    let page = login_page(&browser, &pending.url).await;
    assert!(page.html.contains(&format!("action=\"/login/{}/cancel\"", page.id)), "the page offers a way back");
    let forged = browser.post(&format!("/login/{}/cancel", page.id), &[("csrf", "forged")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let back = browser.post(&format!("/login/{}/cancel", page.id), &[("csrf", &page.csrf)]).await;
    let callback = url::Url::parse(&Browser::location(&back)).unwrap();
    assert!(callback.as_str().starts_with(&server.redirect_uri("web")));
    assert_eq!(param(&callback, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&callback, "state").as_deref(), Some(pending.state.secret().as_str()));
    let again = browser.post(&format!("/login/{}/cancel", page.id), &[("csrf", &page.csrf)]).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST, "the sign-in is over");
}

#[tokio::test]
async fn a_form_post_response_speaks_the_requests_ui_locales() {
    let server = TestServer::start().await;
    let web = rp::client(&server, "web").await;
    let pending = rp::start(&web, &["openid"]);
    let browser = server.browser();
    browser.sign_in(&pending.url, "ada@example.com").await;
    let again = rp::start(&web, &["openid"]);
    let html = browser.get(&format!("{}&response_mode=form_post&ui_locales=fr", again.url)).await.text().await.unwrap();
    assert!(html.contains("<html lang=\"fr\">") && html.contains(&shown("fr", "form_post.continue")), "{html}");
    assert!(html.contains("name=\"code\""));
}
