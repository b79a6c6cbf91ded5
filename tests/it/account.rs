//! `/account` over plain requests: a user's own sessions, signing out of one or all of them,
//! when each was last active, the page in the reader's language, and what it signals of passkeys.

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

async fn last_seen(server: &TestServer) -> i64 {
    let user = server.state.directory.user_by_email(&"ada@example.com".parse().unwrap()).await.unwrap().unwrap();
    let sessions = server.state.directory.sessions_of_user(&user.id, server.clock.now()).await.unwrap();
    sessions[0].last_seen
}

#[tokio::test]
async fn last_activity_is_written_on_single_sign_on_and_the_account_page_at_most_once_a_minute() {
    let server = TestServer::start().await;
    let browser = server.browser();
    signed_in(&server, &browser, "web", &[], "ada@example.com").await;
    let start = server.clock.now();
    assert_eq!(last_seen(&server).await, start, "signing in is activity");

    server.clock.advance(30);
    browser.get("/account").await;
    assert_eq!(last_seen(&server).await, start, "within a minute nothing is written");
    server.clock.advance(31);
    assert!(!signed_out(&server, &browser).await);
    assert_eq!(last_seen(&server).await, start + 61, "single sign-on is activity");
    server.clock.advance(10);
    browser.get("/account").await;
    assert_eq!(last_seen(&server).await, start + 61);
    server.clock.advance(60);
    browser.get("/account").await;
    assert_eq!(last_seen(&server).await, start + 131, "the account page is activity");
}

#[tokio::test]
async fn the_account_page_says_methods_dates_and_last_activity_in_the_readers_language() {
    let server = TestServer::start().await;
    let phone = server.browser();
    signed_in(&server, &phone, "web", &[], "ada@example.com").await;
    server.clock.advance(5 * 60);
    let laptop = Browser::speaking(&server, "de");
    signed_in(&server, &laptop, "web", &[], "ada@example.com").await;

    let html = laptop.get("/account").await.text().await.unwrap();
    let month = time::OffsetDateTime::from_unix_timestamp(server.clock.now()).unwrap().month();
    let german = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober"]
        .into_iter()
        .chain(["November", "Dezember"])
        .nth(usize::from(u8::from(month)) - 1)
        .unwrap();
    assert!(html.contains(german), "the month in German: {html}");
    assert!(html.contains("Jetzt aktiv") && html.contains("Zuletzt aktiv vor 5 Minuten"), "{html}");
    assert_eq!(html.matches("· Code per E-Mail").count(), 2, "{html}");
    assert!(html.contains("(dieser Browser)"));
}

#[tokio::test]
async fn a_removed_passkey_is_named_to_the_browser_only_once_no_account_holds_it() {
    let server = TestServer::start().await;
    let browser = server.browser();
    signed_in(&server, &browser, "web", &[], "ada@example.com").await;
    let user = server.state.directory.user_by_email(&"ada@example.com".parse().unwrap()).await.unwrap().unwrap();
    let passkey = tessera::model::StoredPasskey {
        cred_id: "bGl2ZS1jcmVk".into(),
        user_id: user.id.clone(),
        name: "Phone".into(),
        passkey: "{}".into(),
        backup_eligible: true,
        backup_state: true,
        created_at: server.clock.now(),
        last_used_at: None,
    };
    server.state.directory.insert_passkey(&passkey).await.unwrap();

    let html = browser.get("/account").await.text().await.unwrap();
    assert!(html.contains("data-accepted=\"bGl2ZS1jcmVk\"") && !html.contains("data-removed"), "{html}");
    let html = browser.get("/account?n=removed&gone=bGl2ZS1jcmVk").await.text().await.unwrap();
    assert!(!html.contains("data-removed"), "a passkey that still works is never named gone");
    let html = browser.get("/account?n=removed&gone=Z29uZQ").await.text().await.unwrap();
    assert!(html.contains("data-removed=\"Z29uZQ\""), "{html}");
    let html = browser.get("/account?n=removed&gone=%22%3E%3Cb%3E").await.text().await.unwrap();
    assert!(!html.contains("data-removed") && !html.contains("<b>"), "only a credential id is taken");
}
