//! The built-in demo relying party: a newcomer's first login, end to end.

use crate::support::browser::Step;
use crate::support::{Browser, TestServer};

#[tokio::test]
async fn the_demo_signs_in_with_a_real_code_flow_and_shows_the_verified_claims() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let start = browser.get("/demo/login").await;
    let authorize = Browser::location(&start);
    assert!(authorize.starts_with("/authorize?") && authorize.contains("code_challenge_method=S256"));
    let Step::Login(page) = browser.authorize(&authorize).await else { panic!("the demo asks to sign in") };
    let callback = browser.complete_login(&page, "ada@example.com").await;
    assert!(callback.path().ends_with("/demo/callback"));
    let response = browser.get(callback.as_str()).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("You are signed in"));
    assert!(html.contains("ada@example.com"), "the userinfo and ID token claims are shown");
    assert!(html.contains("otp"), "the amr claim is shown");

    let replay = browser.get(callback.as_str()).await;
    assert_eq!(replay.status(), 400, "the demo's state is single use");
}
