//! What caches may keep: no page rendered for one browser (RFC 9111 §5.2.2.5).

use crate::support::{Browser, TestServer};

fn no_store(response: &reqwest::Response) -> bool {
    response.headers().get("cache-control").is_some_and(|v| v == "no-store")
}

#[tokio::test]
async fn pages_with_personal_data_are_no_store() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let login = Browser::location(&browser.get("/account").await);
    let response = browser.get(&login).await;
    assert!(no_store(&response), "{login}: {:?}", response.headers());
    let page = browser.login_page(&login).await;
    let sent = server.smtp.count_to("ada@example.com");
    let code_page = browser.submit_email(&page, "ada@example.com").await;
    let code_page = browser.get(&Browser::location(&code_page)).await;
    assert!(no_store(&code_page), "the code page names the address");
    let code = server.smtp.nth_to("ada@example.com", sent + 1).await.code();
    browser.submit_code(&page, &code).await;
    let account = browser.get("/account").await;
    assert_eq!(account.status(), 200);
    assert!(no_store(&account), "/account: {:?}", account.headers());
    let register = browser.get("/passkeys/register?ticket=unknown").await;
    assert!(no_store(&register), "/passkeys/register: {:?}", register.headers());
}
