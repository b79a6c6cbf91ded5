//! Email one-time codes: hashed, 10 minutes, 5 attempts, single use, latest only; uniform
//! answers for known and unknown addresses; CSRF, browser binding, 303 after POST, headers.

use crate::support::browser::{LoginPage, Step};
use crate::support::{Browser, TestServer, rp};

async fn login_page(server: &TestServer, browser: &Browser) -> LoginPage {
    let client = rp::client(server, "web").await;
    let pending = rp::start(&client, &[]);
    match browser.authorize(&pending.url).await {
        Step::Login(page) => page,
        Step::Client(url) => panic!("expected the login page, got {url}"),
    }
}

async fn request_code(server: &TestServer, browser: &Browser, page: &LoginPage, email: &str) -> String {
    let before = server.smtp.count_to(email);
    let response = browser.submit_email(page, email).await;
    assert_eq!(response.status(), 303, "POST answers 303");
    server.smtp.nth_to(email, before + 1).await.code()
}

fn wrong(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

#[tokio::test]
async fn the_mailed_code_signs_in_and_the_mail_names_the_application() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let page = login_page(&server, &browser).await;
    let code = request_code(&server, &browser, &page, "ada@example.com").await;
    let mail = server.smtp.nth_to("ada@example.com", 1).await;
    assert!(mail.data.contains("App web"), "the email names the application");
    assert!(mail.data.contains("multipart/alternative"), "text and HTML parts");
    let response = browser.submit_code(&page, &code).await;
    assert_eq!(response.status(), 303);
    assert!(Browser::location(&response).starts_with("/authorize/resume/"));
}

#[tokio::test]
async fn a_wrong_code_is_refused_and_the_right_one_still_works() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let page = login_page(&server, &browser).await;
    let code = request_code(&server, &browser, &page, "ada@example.com").await;
    let response = browser.submit_code(&page, &wrong(&code)).await;
    assert_eq!(Browser::location(&response), format!("/login/{}/code?e=wrong", page.id));
    let shown = browser.get(&format!("/login/{}/code?e=wrong", page.id)).await.text().await.unwrap();
    assert!(shown.contains("not right") && shown.contains("aria-invalid=\"true\""));
    let response = browser.submit_code(&page, &code).await;
    assert!(Browser::location(&response).starts_with("/authorize/resume/"));
}

#[tokio::test]
async fn malformed_codes_are_refused_without_using_an_attempt() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let page = login_page(&server, &browser).await;
    let code = request_code(&server, &browser, &page, "ada@example.com").await;
    for junk in ["", "12345", "abcdef", "1234567", "１２３４５６", "' OR 1=1 --"] {
        let response = browser.submit_code(&page, junk).await;
        assert_eq!(Browser::location(&response), format!("/login/{}/code?e=format", page.id), "{junk:?}");
    }
    for _ in 0..4 {
        browser.submit_code(&page, &wrong(&code)).await;
    }
    let response = browser.submit_code(&page, &code).await;
    assert!(Browser::location(&response).starts_with("/authorize/resume/"), "malformed input did not count");
}

#[tokio::test]
async fn the_fifth_wrong_attempt_kills_the_code() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let page = login_page(&server, &browser).await;
    let code = request_code(&server, &browser, &page, "ada@example.com").await;
    for attempt in 1..=5 {
        let response = browser.submit_code(&page, &wrong(&code)).await;
        let expected = if attempt < 5 {
            format!("/login/{}/code?e=wrong", page.id)
        } else {
            format!("/login/{}?e=locked", page.id)
        };
        assert_eq!(Browser::location(&response), expected, "attempt {attempt}");
    }
    let response = browser.submit_code(&page, &code).await;
    assert_eq!(Browser::location(&response), format!("/login/{}?e=expired", page.id), "the right code is dead too");
}

#[tokio::test]
async fn codes_expire_after_ten_minutes() {
    // The page outlives the code here, so what expires is the code itself.
    let server = TestServer::start_with(|c| c.lifetimes.interaction = 1800).await;
    let browser = server.browser();
    let page = login_page(&server, &browser).await;
    let code = request_code(&server, &browser, &page, "ada@example.com").await;
    server.clock.advance(599);
    let fresh = login_page(&server, &browser).await;
    let code2 = request_code(&server, &browser, &fresh, "grace@example.com").await;
    server.clock.advance(2);
    let response = browser.submit_code(&page, &code).await;
    assert_eq!(Browser::location(&response), format!("/login/{}?e=expired", page.id));
    let response = browser.submit_code(&fresh, &code2).await;
    assert!(Browser::location(&response).starts_with("/authorize/resume/"), "a code within its 10 minutes still works");
}

#[tokio::test]
async fn a_new_code_replaces_the_previous_one_of_the_same_sign_in_only() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let tab = login_page(&server, &browser).await;
    let replaced = request_code(&server, &browser, &tab, "ada@example.com").await;
    let code = request_code(&server, &browser, &tab, "ada@example.com").await;
    let other = server.browser();
    let elsewhere = login_page(&server, &other).await;
    request_code(&server, &other, &elsewhere, "ada@example.com").await;
    let response = browser.submit_code(&tab, &replaced).await;
    assert!(!Browser::location(&response).starts_with("/authorize/resume/"), "the resent code replaced it");
    let response = browser.submit_code(&tab, &code).await;
    assert!(Browser::location(&response).starts_with("/authorize/resume/"), "a send started elsewhere did not kill it");
}

#[tokio::test]
async fn a_code_is_single_use_even_when_submitted_twice_at_once() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let page = login_page(&server, &browser).await;
    let code = request_code(&server, &browser, &page, "ada@example.com").await;
    let (a, b) = tokio::join!(browser.submit_code(&page, &code), browser.submit_code(&page, &code));
    let signed_in = [a, b].iter().filter(|r| Browser::location(r).starts_with("/authorize/resume/")).count();
    assert_eq!(signed_in, 1, "exactly one submission signs in");
}

#[tokio::test]
async fn known_and_unknown_addresses_get_identical_answers() {
    let server = TestServer::start_with(|c| c.login.signup = false).await;
    server
        .state
        .directory
        .create_user_with_email(&"known@example.com".parse().unwrap(), server.clock.now())
        .await
        .unwrap();
    let mut seen = Vec::new();
    for email in ["known@example.com", "unknown@example.com"] {
        let browser = server.browser();
        let page = login_page(&server, &browser).await;
        let post = browser.submit_email(&page, email).await;
        let status = post.status();
        let location = Browser::location(&post).replace(&page.id, "ID");
        let html = browser.get(&format!("/login/{}/code", page.id)).await.text().await.unwrap();
        let html = html.replace(&page.id, "ID").replace(&page.csrf, "CSRF").replace(email, "EMAIL");
        // The magic link's two-digit match number is random per sign-in, not per address.
        let html = match html.find("(number ") {
            Some(i) => format!("{}NN{}", &html[..i + 8], &html[i + 10..]),
            None => html,
        };
        seen.push((status, location, html));
    }
    assert_eq!(seen[0], seen[1], "the answer does not reveal whether the address is known");
    server.smtp.nth_to("known@example.com", 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(server.smtp.count_to("unknown@example.com"), 0, "no code for an unknown address when sign-up is off");
}

#[tokio::test]
async fn sign_up_creates_the_user_on_the_first_verified_code() {
    let server = TestServer::start().await;
    let email = "new@example.com".parse().unwrap();
    assert!(server.state.directory.user_by_email(&email).await.unwrap().is_none());
    let browser = server.browser();
    let page = login_page(&server, &browser).await;
    let code = request_code(&server, &browser, &page, "new@example.com").await;
    assert!(
        server.state.directory.user_by_email(&email).await.unwrap().is_none(),
        "no user before the code is verified"
    );
    browser.submit_code(&page, &code).await;
    assert!(server.state.directory.user_by_email(&email).await.unwrap().unwrap().email_verified);
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let page = login_page(&server, &browser).await;
    for form in [vec![("email", "ada@example.com")], vec![("csrf", "forged"), ("email", "ada@example.com")]] {
        let response = browser.post(&format!("/login/{}/email", page.id), &form).await;
        assert_eq!(response.status(), 403);
    }
    assert_eq!(server.smtp.count_to("ada@example.com"), 0, "nothing was sent");
}

#[tokio::test]
async fn an_interaction_continues_only_in_the_browser_that_started_it() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let page = login_page(&server, &browser).await;
    let other = server.browser();
    let response = other.get(&format!("/login/{}", page.id)).await;
    assert_eq!(response.status(), 400);
    let response =
        other.post(&format!("/login/{}/email", page.id), &[("csrf", &page.csrf), ("email", "ada@example.com")]).await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn invalid_email_addresses_get_a_clear_message() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let page = login_page(&server, &browser).await;
    for bad in ["", "ada", "ada@", "<script>@x.y", &"a".repeat(300)] {
        let response = browser.submit_email(&page, bad).await;
        assert_eq!(Browser::location(&response), format!("/login/{}?e=email", page.id), "{bad:?}");
    }
    let html = browser.get(&format!("/login/{}?e=email", page.id)).await.text().await.unwrap();
    assert!(html.contains("Enter a valid email address"));
}

#[tokio::test]
async fn sending_too_many_codes_answers_429_with_retry_after() {
    let server = TestServer::start_with(|c| c.login.sends_per_window = 2).await;
    let browser = server.browser();
    let page = login_page(&server, &browser).await;
    request_code(&server, &browser, &page, "ada@example.com").await;
    request_code(&server, &browser, &page, "ada@example.com").await;
    let response = browser.submit_email(&page, "ada@example.com").await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn login_pages_send_the_security_headers() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let page = login_page(&server, &browser).await;
    let response = browser.get(&format!("/login/{}", page.id)).await;
    let h = response.headers();
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let html = response.text().await.unwrap();
    assert!(html.contains("autocomplete=\"username webauthn\""), "passkey autofill on the identifier field");
    let code_page = browser.submit_email(&page, "ada@example.com").await;
    let html = browser.get(&Browser::location(&code_page)).await.text().await.unwrap();
    assert!(html.contains("autocomplete=\"one-time-code\"") && html.contains("inputmode=\"numeric\""));
}
