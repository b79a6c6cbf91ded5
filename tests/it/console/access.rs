//! Who gets into the console and how: a signed-in user who is not an operator is refused (and
//! let in once the management API grants the role), the CLI grants and takes back the role, and
//! a form posted without the session's CSRF token, or from another site, changes nothing.

use reqwest::Method;

use super::{OPERATOR, USER, account_with_passkey, arrive, console_by_passkey, server};
use crate::api::{KEY, call, with_keys};
use crate::support::TestServer;
use crate::support::chrome::Chrome;

#[tokio::test]
async fn a_signed_in_user_who_is_no_operator_is_refused_until_the_api_grants_the_role() {
    let server = TestServer::start().await;
    with_keys(&server).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.goto(&server.url("/console")).await;
    page.wait_for("location.pathname.startsWith('/login/') && !!document.getElementById('email')").await;
    let sent = server.smtp.count_to(USER);
    page.type_into("#email", USER).await;
    page.press_enter().await;
    page.wait_for("!!document.getElementById('code')").await;
    let code = server.smtp.nth_to(USER, sent + 1).await.code();
    page.type_into("#code", &code).await;
    page.press_enter().await;
    // Chromium can make passkeys, so one is offered first; "Not now" goes on to the console.
    page.wait_for("location.pathname.endsWith('/passkey/offer') && document.readyState === 'complete'").await;
    page.click_on("Not now, continue").await;
    let text = page.wait_for_text("This console is for operators").await;
    assert!(!text.contains("Users"), "nothing of the console shows: {text}");
    let user = server.state.directory.user_by_email(&USER.parse().unwrap()).await.unwrap().unwrap();
    server.state.flush_audit().await;
    let query = tessera::model::AuditQuery { kind: Some("console_refused".into()), limit: 5, ..Default::default() };
    let refused = server.state.directory.audit_events(&query).await.unwrap();
    assert_eq!(refused.first().and_then(|e| e.user_id.clone()), Some(user.id.0.clone()), "the refusal is audited");

    let path = format!("/api/v1/users/{}/operator", user.id.0);
    let (status, view) = call(&server, Method::PUT, &path, Some(KEY), None).await;
    assert_eq!((status, &view["operator"]), (200, &serde_json::json!(true)));
    page.reload().await;
    arrive(&page, "/console").await;
    page.wait_for_text(&format!("Signed in to the console as {USER}.")).await;

    let (status, _) = call(&server, Method::DELETE, &path, Some(KEY), None).await;
    assert_eq!(status, 200);
    page.reload().await;
    page.wait_for_text("This console is for operators").await;
}

#[tokio::test]
async fn granting_the_operator_role_through_the_api_needs_the_operators_scope() {
    let server = TestServer::start().await;
    with_keys(&server).await;
    let ada = server.state.directory.create_user_with_email(&USER.parse().unwrap(), 0).await.unwrap();
    let path = format!("/api/v1/users/{}/operator", ada.id.0);
    let (status, problem) = call(&server, Method::PUT, &path, Some(crate::api::READ_ONLY), None).await;
    assert_eq!((status, problem["code"].as_str()), (403, Some("insufficient_scope")));
    assert!(!server.state.directory.user(&ada.id).await.unwrap().unwrap().operator);
    let (status, _) = call(&server, Method::PUT, "/api/v1/users/nobody/operator", Some(KEY), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_console_form_posted_without_its_csrf_token_is_refused_and_changes_nothing() {
    let server = server().await;
    let (_client, _refresh) = super::refresh_token_of(&server, USER).await;
    let user = server.state.directory.user_by_email(&USER.parse().unwrap()).await.unwrap().unwrap();
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(&page, &server, OPERATOR).await;
    console_by_passkey(&page, &server, &auth).await;
    page.goto(&server.url(&format!("/console/users/{}", user.id.0))).await;
    page.wait_for("!!document.getElementById('end-sessions')").await;

    // The page's own form, less its token: what a forged post from elsewhere would carry.
    page.eval("document.querySelector('#end-sessions').form.querySelector('input[name=csrf]').remove()").await.unwrap();
    page.click("#end-sessions").await;
    page.wait_for_text("This form has expired").await;
    assert_eq!(server.state.directory.sessions_of_user(&user.id, server.clock.now()).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_console_form_posted_from_another_site_is_refused_even_with_the_token() {
    let server = server().await;
    let ada = server.state.directory.create_user_with_email(&USER.parse().unwrap(), 0).await.unwrap();
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(&page, &server, OPERATOR).await;
    console_by_passkey(&page, &server, &auth).await;
    page.goto(&server.url(&format!("/console/users/{}", ada.id.0))).await;
    page.wait_for("!!document.getElementById('deactivate')").await;
    let token = page.eval("document.querySelector('input[name=csrf]').value").await.unwrap();

    // A page at 127.0.0.1 (another site than localhost) whose form posts to the console.
    let action = server.url(&format!("/console/users/{}/deactivate", ada.id.0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere = format!("http://127.0.0.1:{}/", listener.local_addr().unwrap().port());
    let html = format!(
        "<!doctype html><title>Elsewhere</title><form method=post action=\"{action}\">\
         <input type=hidden name=csrf value=\"{}\"><button id=go>Go</button></form>",
        token.as_str().unwrap()
    );
    let site = axum::Router::new().fallback(move || {
        let html = html.clone();
        async move { axum::response::Html(html) }
    });
    tokio::spawn(async move { axum::serve(listener, site).await.unwrap() });
    page.goto(&elsewhere).await;
    page.click("#go").await;
    page.wait_for_text("This request came from another site").await;
    assert!(server.state.directory.user(&ada.id).await.unwrap().unwrap().active, "nothing changed");
}

#[tokio::test]
async fn the_cli_grants_and_takes_back_the_operator_role_and_audits_both() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args(args)
            .env("TESSERA_DIRECTORY__URL", &db)
            .env_remove("TESSERA_CONFIG")
            .output()
            .unwrap()
    };
    assert!(run(&["users", "create", "--email", USER]).status.success());
    let out = run(&["users", "grant-operator", USER]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("is an operator"), "{out:?}");
    let directory = tessera::store::open_directory(&db).await.unwrap();
    let ada = directory.user_by_email(&USER.parse().unwrap()).await.unwrap().unwrap();
    assert!(ada.operator);
    assert!(run(&["users", "revoke-operator", &ada.id.0]).status.success());
    assert!(!directory.user(&ada.id).await.unwrap().unwrap().operator);
    assert!(!run(&["users", "grant-operator", "nobody@example.com"]).status.success());
    let query = tessera::model::AuditQuery { kind: Some("admin".into()), limit: 10, ..Default::default() };
    let actions: Vec<_> =
        directory.audit_events(&query).await.unwrap().iter().map(|e| e.detail["action"].clone()).collect();
    assert!(
        actions.contains(&"operator_granted".into()) && actions.contains(&"operator_revoked".into()),
        "{actions:?}"
    );
}
