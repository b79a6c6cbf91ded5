//! `/account`: a user's own sessions, and signing out of one or all of them.

use crate::support::browser::{Step, param};
use crate::support::{Browser, TestServer, rp, signed_in};

async fn signed_out(server: &TestServer, browser: &Browser) -> bool {
    let client = rp::client(server, "web").await;
    let pending = rp::start(&client, &[]);
    let Step::Client(url) = browser.authorize(&format!("{}&prompt=none", pending.url)).await else { panic!() };
    param(&url, "error").as_deref() == Some("login_required")
}

#[tokio::test]
async fn the_account_page_signs_in_first_then_lists_sessions() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let response = browser.get("/account").await;
    let login = Browser::location(&response);
    assert!(login.starts_with("/login/"));
    let page = browser.login_page(&login).await;
    assert!(page.html.contains("Sign in to Tessera"), "the login names the product the account belongs to");
    let sent = server.smtp.count_to("ada@example.com");
    browser.submit_email(&page, "ada@example.com").await;
    let code = server.smtp.nth_to("ada@example.com", sent + 1).await.code();
    let response = browser.submit_code(&page, &code).await;
    assert_eq!(Browser::location(&response), "/account");
    let html = browser.get("/account").await.text().await.unwrap();
    assert!(html.contains("ada@example.com") && html.contains("(this browser)"));
}

#[tokio::test]
async fn a_user_can_end_another_session_or_all_of_them() {
    let server = TestServer::start().await;
    let laptop = server.browser();
    let phone = server.browser();
    signed_in(&server, &laptop, "web", &[], "ada@example.com").await;
    server.clock.advance(5);
    signed_in(&server, &phone, "web", &[], "ada@example.com").await;

    let html = laptop.get("/account").await.text().await.unwrap();
    assert_eq!(html.matches("name=\"session\"").count(), 2);
    let csrf = crate::support::browser::csrf(&html);
    // The phone signed in later, so it is listed first.
    let phone_session = html.split("name=\"session\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let forged = laptop.post("/account/sessions/end", &[("csrf", "forged"), ("session", &phone_session)]).await;
    assert_eq!(forged.status(), 403);
    let response = laptop.post("/account/sessions/end", &[("csrf", &csrf), ("session", &phone_session)]).await;
    assert_eq!(Browser::location(&response), "/account");
    assert!(signed_out(&server, &phone).await, "the phone is signed out");
    assert!(!signed_out(&server, &laptop).await, "the laptop is not");

    signed_in(&server, &phone, "web", &[], "ada@example.com").await;
    // The first step only asks; its page repeats the form with confirm=1.
    let asked = laptop.post("/account/sessions/end-all", &[("csrf", &csrf)]).await.text().await.unwrap();
    assert!(asked.contains("name=\"confirm\" value=\"1\"") && crate::support::browser::csrf(&asked) == csrf, "{asked}");
    assert!(!signed_out(&server, &phone).await, "asking signs nobody out");
    let response = laptop.post("/account/sessions/end-all", &[("csrf", &csrf), ("confirm", "1")]).await;
    assert_eq!(response.status(), 303);
    assert!(signed_out(&server, &phone).await && signed_out(&server, &laptop).await, "signed out everywhere");
}
