//! Who can spend what: a code sent for another sign-in leaves a pending one alive, one source
//! cannot spend an address's whole send budget, an IPv6 /64 is one source, and /account, each
//! bridge and each client count their sends apart.

use crate::support::browser::{Browser, LoginPage, Step};
use crate::support::{TestServer, rp};

const EMAIL: &str = "ada@example.com";

/// A sign-in page of the `web` client in `browser`.
async fn sign_in_page(server: &TestServer, browser: &Browser) -> LoginPage {
    let client = rp::client(server, "web").await;
    let Step::Login(page) = browser.authorize(&rp::start(&client, &["openid"]).url).await else {
        panic!("a login page")
    };
    page
}

async fn send_status(server: &TestServer, browser: &Browser) -> u16 {
    let page = sign_in_page(server, browser).await;
    browser.submit_email(&page, EMAIL).await.status().as_u16()
}

#[tokio::test]
async fn a_code_sent_for_another_sign_in_leaves_the_pending_one_working() {
    let server = TestServer::start().await;
    let person = server.browser();
    let page = sign_in_page(&server, &person).await;
    person.submit_email(&page, EMAIL).await;
    let code = server.smtp.nth_to(EMAIL, 1).await.code();

    // Someone else who knows the address starts a sign-in with it.
    let other = server.browser();
    assert_eq!(send_status(&server, &other).await, 303);
    server.smtp.nth_to(EMAIL, 2).await;

    let response = person.submit_code(&page, &code).await;
    assert!(Browser::location(&response).starts_with("/authorize/resume/"), "the person's code still works");
}

#[tokio::test]
async fn one_source_cannot_spend_an_addresss_whole_send_budget() {
    let server = TestServer::start_with(|c| {
        c.proxy.trusted = vec!["127.0.0.0/8".into()];
        c.login.sends_per_window = 2;
    })
    .await;
    let attacker = Browser::at(&server, "198.51.100.7");
    assert_eq!(send_status(&server, &attacker).await, 303);
    assert_eq!(send_status(&server, &attacker).await, 303);
    assert_eq!(send_status(&server, &attacker).await, 429, "this source's share is spent");
    let person = Browser::at(&server, "203.0.113.20");
    assert_eq!(send_status(&server, &person).await, 303, "the address can still get a code from elsewhere");
}

#[tokio::test]
async fn addresses_in_one_ipv6_64_are_one_source() {
    let server = TestServer::start_with(|c| {
        c.proxy.trusted = vec!["127.0.0.0/8".into()];
        c.login.sends_per_window = 2;
    })
    .await;
    for host in ["2001:db8:5:6::1", "2001:db8:5:6::2"] {
        assert_eq!(send_status(&server, &Browser::at(&server, host)).await, 303);
    }
    let same_64 = Browser::at(&server, "2001:db8:5:6:ffff::9");
    assert_eq!(send_status(&server, &same_64).await, 429, "a new address in the same /64 is the same source");
    let next_64 = Browser::at(&server, "2001:db8:5:7::1");
    assert_eq!(send_status(&server, &next_64).await, 303);
}

#[tokio::test]
async fn sends_for_the_account_page_do_not_spend_a_clients_bucket() {
    let server = TestServer::start_with(|c| {
        c.proxy.trusted = vec!["127.0.0.0/8".into()];
        c.login.sends_per_client = 2;
    })
    .await;
    for n in 0..3 {
        let browser = Browser::at(&server, &format!("198.51.100.{}", 10 + n));
        let login = Browser::location(&browser.get("/account").await);
        let page = browser.login_page(&login).await;
        let status = browser.submit_email(&page, &format!("user{n}@example.com")).await.status().as_u16();
        assert_eq!(status, if n < 2 { 303 } else { 429 }, "the account page's own bucket");
    }
    assert_eq!(
        send_status(&server, &Browser::at(&server, "203.0.113.5")).await,
        303,
        "the client's bucket is untouched"
    );
}
