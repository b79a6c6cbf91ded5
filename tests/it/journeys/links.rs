//! Magic links in the browser: the same browser continuing, a second browser approving the
//! first by number matching (from the code page and from the wait page), a wrong pick refusing
//! the sign-in, cross-device links, a post from another site, and links minted by the
//! management API and the embedded API.

use std::time::Instant;

use serde_json::json;
use tessera::model::EmailSends;

use super::{EMAIL, Journey, MOVES_ON_WITHIN, capture, js};
use crate::support::chrome::{Chrome, Page};

/// Starts a sign-in in `page` and asks for the email; the path of the emailed link.
async fn ask_for_link(journey: &Journey, page: &Page<'_>, url: &str) -> String {
    page.goto(url).await;
    let sent = journey.ask_for_code(page, EMAIL).await;
    let mail = journey.mail(EMAIL, sent + 1).await;
    mail.link_path().expect("the email carries a link")
}

/// The number the waiting page shows.
async fn shown_number(page: &Page<'_>) -> String {
    let number = page.wait_for("document.querySelector('strong.match')?.textContent").await;
    number.as_str().unwrap().to_string()
}

/// Opens the link in `approver` and checks that its page names the sign-in; the numbers offered.
async fn open_for_approval(journey: &Journey, approver: &Page<'_>, link: &str) -> Vec<String> {
    approver.goto(&journey.server.url(link)).await;
    let text = approver.wait_for_text("Which number").await;
    assert!(text.contains(EMAIL), "names the address: {text}");
    assert!(text.contains("App web"), "names the application: {text}");
    assert!(text.contains("Chrome on Linux") && text.contains("IP address 127.0.0.1"), "names the browser: {text}");
    let numbers =
        approver.eval("[...document.querySelectorAll('button[name=pick].match')].map(b => b.value)").await.unwrap();
    numbers.as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_magic_link_opened_in_the_same_browser_signs_in() {
    let journey = Journey::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let (client, pending) = journey.request("web", &["openid"]).await;
    let link = ask_for_link(&journey, &page, &pending.url.clone()).await;
    page.goto(&journey.server.url(&link)).await;
    let text = page.wait_for_text("You are signing in as").await;
    assert!(text.contains(EMAIL), "{text}");
    capture(&page, "link").await;
    page.click("form[action^='/login/link/'] button[type=submit]").await;
    let at = journey.arrival(&page).await;
    let claims = journey.redeem(&client, pending, &at).await;
    assert_eq!(claims["amr"], json!(["otp"]));
}

#[tokio::test]
async fn a_link_opened_in_a_second_browser_approves_the_first_by_its_number_from_the_code_page() {
    let journey = Journey::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let (asking, approver) = (chrome.page().await, chrome.isolated_page().await);
    let (client, pending) = journey.request("web", &["openid"]).await;
    let link = ask_for_link(&journey, &asking, &pending.url.clone()).await;
    asking.wait_for("location.pathname.endsWith('/code')").await;
    let number = shown_number(&asking).await;
    capture(&asking, "code-with-number").await;

    let numbers = open_for_approval(&journey, &approver, &link).await;
    capture(&approver, "approve").await;
    assert_eq!(numbers.len(), 3, "three numbers to pick from: {numbers:?}");
    assert!(numbers.contains(&number), "{numbers:?} offer {number}");
    let approved = Instant::now();
    approver.click(&format!("button[name=pick][value={}]", js(&number))).await;
    approver.wait_for_text("Sign-in approved").await;

    let at = journey.arrival(&asking).await;
    assert!(approved.elapsed() < MOVES_ON_WITHIN, "the code page moved on by itself in {:?}", approved.elapsed());
    journey.redeem(&client, pending, &at).await;
}

#[tokio::test]
async fn a_link_only_email_approves_the_waiting_page_in_another_browser() {
    let journey = Journey::start(|c| c.login.email_sends = EmailSends::Link).await;
    let chrome = Chrome::launch().await;
    let (asking, approver) = (chrome.page().await, chrome.isolated_page().await);
    let (client, pending) = journey.request("web", &["openid"]).await;
    let link = ask_for_link(&journey, &asking, &pending.url.clone()).await;
    asking.wait_for("location.pathname.endsWith('/wait')").await;
    let number = shown_number(&asking).await;
    capture(&asking, "wait").await;
    open_for_approval(&journey, &approver, &link).await;
    let approved = Instant::now();
    approver.click(&format!("button[name=pick][value={}]", js(&number))).await;
    let at = journey.arrival(&asking).await;
    assert!(approved.elapsed() < MOVES_ON_WITHIN, "the wait page moved on by itself in {:?}", approved.elapsed());
    journey.redeem(&client, pending, &at).await;
}

#[tokio::test]
async fn picking_the_wrong_number_refuses_the_sign_in_and_its_code() {
    let journey = Journey::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let (asking, approver) = (chrome.page().await, chrome.isolated_page().await);
    let (_, pending) = journey.request("web", &["openid"]).await;
    let link = ask_for_link(&journey, &asking, &pending.url.clone()).await;
    let number = shown_number(&asking).await;
    let numbers = open_for_approval(&journey, &approver, &link).await;
    let wrong = numbers.iter().find(|n| **n != number).unwrap();
    approver.click(&format!("button[name=pick][value={}]", js(wrong))).await;
    approver.wait_for_text("Sign-in refused").await;
    capture(&approver, "refused").await;

    let text = asking.wait_for_text("was refused on the device").await;
    assert!(asking.href().await.contains("e=refused"), "back at the start: {text}");
    approver.goto(&journey.server.url(&link)).await;
    approver.wait_for_text("This link has expired or was used").await;
}

#[tokio::test]
async fn with_cross_device_links_the_second_browser_signs_in_itself() {
    let journey = Journey::start(|c| c.login.cross_device_links = true).await;
    let chrome = Chrome::launch().await;
    let (asking, other) = (chrome.page().await, chrome.isolated_page().await);
    let (client, pending) = journey.request("web", &["openid"]).await;
    let link = ask_for_link(&journey, &asking, &pending.url.clone()).await;
    other.goto(&journey.server.url(&link)).await;
    other.wait_for_text("You are signing in as").await;
    other.click("form[action^='/login/link/'] button[type=submit]").await;
    let at = journey.arrival(&other).await;
    journey.redeem(&client, pending, &at).await;
}

#[tokio::test]
async fn a_link_posted_by_another_site_is_refused_and_stays_usable() {
    let journey = Journey::start(|_| {}).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let (client, pending) = journey.request("web", &["openid"]).await;
    let link = ask_for_link(&journey, &page, &pending.url.clone()).await;

    // Another site's page whose button posts the link: the browser says where the post came from.
    let target = journey.server.url(&link);
    let evil = axum::Router::new().fallback(move || {
        let form = format!("<!doctype html><form method=post action=\"{target}\"><button>Win</button></form>");
        async move { axum::response::Html(form) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let evil_url = format!("http://127.0.0.1:{}/", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, evil).await.unwrap() });
    page.goto(&evil_url).await;
    page.click("button").await;
    page.wait_for_text("This request came from another site").await;

    page.goto(&journey.server.url(&link)).await;
    page.click("form[action^='/login/link/'] button[type=submit]").await;
    let at = journey.arrival(&page).await;
    journey.redeem(&client, pending, &at).await;
}

#[tokio::test]
async fn a_link_minted_by_the_management_api_signs_in() {
    let journey = Journey::start(|_| {}).await;
    crate::api::with_keys(&journey.server).await;
    let body = json!({"email": EMAIL, "client_id": "web", "redirect_uri": journey.app});
    let made = crate::api::call(
        &journey.server,
        reqwest::Method::POST,
        "/api/v1/magic-links",
        Some(crate::api::KEY),
        Some(body),
    )
    .await;
    assert_eq!(made.0, 201, "{}", made.1);
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.goto(made.1["url"].as_str().unwrap()).await;
    page.click("form button[type=submit]").await;
    let at = journey.arrival(&page).await;
    assert_eq!(at.as_str(), journey.app, "the link goes to its redirect URL");
    // Signed in to Tessera: the application's next authorization request completes at once.
    let (client, pending) = journey.request("web", &["openid"]).await;
    page.goto(&pending.url.clone()).await;
    let at = journey.arrival(&page).await;
    let claims = journey.redeem(&client, pending, &at).await;
    assert_eq!(claims["email"].as_str().or(Some(EMAIL)), Some(EMAIL));
}

#[tokio::test]
async fn an_auth0_style_link_from_passwordless_start_signs_in() {
    let journey = Journey::start(|c| {
        let web = c.clients.iter_mut().find(|c| c.id == "web").unwrap();
        web.passwordless = true;
    })
    .await;
    let (client, pending) = journey.request("web", &["openid"]).await;
    let authorize = url::Url::parse(&pending.url).unwrap();
    let mut params: serde_json::Map<String, serde_json::Value> =
        authorize.query_pairs().map(|(k, v)| (k.into_owned(), json!(v.into_owned()))).collect();
    params.remove("client_id");
    let body = json!({"connection": "email", "email": EMAIL, "send": "link", "authParams": params});
    let started = reqwest::Client::new()
        .post(journey.server.url("/passwordless/start"))
        .basic_auth("web", Some(crate::support::WEB_SECRET))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200);
    let mail = journey.mail(EMAIL, 1).await;
    let data = mail.data.replace("=\r\n", "");
    let at = data.find("/passwordless/link/").unwrap();
    let path: String = data[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || "/-_".contains(*c)).collect();

    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.goto(&journey.server.url(&path)).await;
    page.click("form button[type=submit]").await;
    let at = journey.arrival(&page).await;
    journey.redeem(&client, pending, &at).await;
}

#[tokio::test]
async fn without_javascript_the_code_page_still_moves_on_after_approval() {
    let journey = Journey::start(|c| c.passkeys.offer_after_login = false).await;
    let chrome = Chrome::launch().await;
    let (asking, approver) = (chrome.page().await, chrome.isolated_page().await);
    asking.call("Emulation.setScriptExecutionDisabled", json!({ "value": true })).await.unwrap();
    let (client, pending) = journey.request("web", &["openid"]).await;
    let link = ask_for_link(&journey, &asking, &pending.url.clone()).await;
    asking.wait_for("location.pathname.endsWith('/code')").await;
    let number = shown_number(&asking).await;
    open_for_approval(&journey, &approver, &link).await;
    approver.click(&format!("button[name=pick][value={}]", js(&number))).await;
    approver.wait_for_text("Sign-in approved").await;
    let at = journey.arrival(&asking).await;
    journey.redeem(&client, pending, &at).await;
}
