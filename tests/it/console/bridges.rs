//! Bridges from the console, by clicks and typing: one is registered and edited, its access key
//! is never shown back and an empty key field keeps it, and deleting needs the box ticked.

use super::{OPERATOR, account_with_passkey, admin_events, arrive, console_by_passkey, server};
use crate::support::TestServer;
use crate::support::chrome::{Chrome, Page};

/// Signs the operator in by passkey and opens the bridges page from the console's menu.
async fn bridges_page(page: &Page<'_>, server: &TestServer) {
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(page, server, OPERATOR).await;
    console_by_passkey(page, server, &auth).await;
    page.click("nav a[href='/console/bridges']").await;
    arrive(page, "/console/bridges").await;
}

/// Replaces the text of the field matching `selector` by clicking it, selecting all and typing.
async fn retype(page: &Page<'_>, selector: &str, text: &str) {
    page.click(selector).await;
    page.eval(&format!("document.querySelector({}).select()", super::js(selector))).await.unwrap();
    page.call("Input.insertText", serde_json::json!({ "text": text })).await.unwrap();
}

#[tokio::test]
async fn a_bridge_is_registered_and_edited_in_the_console_and_a_bad_lifetime_changes_nothing() {
    let server = server().await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    bridges_page(&page, &server).await;

    page.type_into("#id", "broker").await;
    page.type_into("#name", "Broker").await;
    page.type_into("#return_urls", "https://broker.example/done").await;
    page.type_into("#audience", "https://broker.example").await;
    page.click("#create").await;
    page.wait_for_text("Bridge registered.").await;
    arrive(&page, "/console/bridges/broker").await;
    let stored = server.state.directory.bridge("broker").await.unwrap().expect("stored");
    assert_eq!(
        (stored.format.as_str(), stored.audience.as_str(), stored.assertion_lifetime_secs),
        ("jwt", "https://broker.example", 60)
    );

    retype(&page, "#name", "Broker EU").await;
    retype(&page, "#assertion_lifetime_secs", "5000").await;
    page.click("#save").await;
    page.wait_for("!!document.getElementById('assertion_lifetime_secs-error')").await;
    let error = page.eval("document.getElementById('assertion_lifetime_secs-error').innerText").await.unwrap();
    assert_eq!(error, "must be between 1 and 3600", "the check the configuration file's bridges pass");
    assert_eq!(page.eval("document.getElementById('assertion_lifetime_secs').value").await.unwrap(), "5000");
    assert_eq!(
        server.state.directory.bridge("broker").await.unwrap().unwrap().name.as_deref(),
        Some("Broker"),
        "unchanged"
    );

    retype(&page, "#assertion_lifetime_secs", "120").await;
    page.click("#save").await;
    page.wait_for_text("Changes saved.").await;
    let edited = server.state.directory.bridge("broker").await.unwrap().unwrap();
    assert_eq!((edited.name.as_deref(), edited.assertion_lifetime_secs), (Some("Broker EU"), 120));

    server.state.flush_audit().await;
    let events = server.state.directory.audit_events(&admin_events()).await.unwrap();
    for action in ["bridge_created", "bridge_updated"] {
        assert!(
            events.iter().any(|e| e.detail["action"] == action
                && e.detail["via"] == "console"
                && e.detail["bridge_id"] == "broker"),
            "{action} is audited as the console's: {events:?}"
        );
    }
}

#[tokio::test]
async fn a_bridges_access_key_is_never_shown_and_an_edit_without_one_keeps_it() {
    let server = server().await;
    let (key, _) = crate::bridge::access_key();
    let bridge = tessera::config::BridgeConfig {
        id: "authress".into(),
        name: Some("Authress".into()),
        format: "authress".into(),
        return_urls: vec!["https://broker.example/done".into()],
        audience: "acct-1.accounts.authress.io".into(),
        assertion_lifetime_secs: 60,
        access_key: Some(key.clone()),
        alg: "EdDSA".into(),
        client_ids: vec![],
    };
    server.state.directory.insert_bridge(&bridge, 0).await.unwrap();
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    bridges_page(&page, &server).await;
    page.click("#bridges a[href='/console/bridges/authress']").await;
    arrive(&page, "/console/bridges/authress").await;
    let html = page.eval("document.documentElement.outerHTML").await.unwrap();
    let secret_part = key.rsplit('.').next().unwrap();
    assert!(!html.as_str().unwrap().contains(secret_part), "the key is write-only");
    assert!(page.text().await.contains("set (never shown)"));

    retype(&page, "#name", "Authress EU").await;
    page.click("#save").await;
    page.wait_for_text("Changes saved.").await;
    let kept = server.state.directory.bridge("authress").await.unwrap().unwrap();
    assert_eq!((kept.name.as_deref(), kept.access_key.as_deref()), (Some("Authress EU"), Some(key.as_str())));

    page.mark().await;
    page.click("#delete").await;
    assert_eq!(page.eval("window.__seen === true").await.unwrap(), true, "unticked, the page stays");
    assert!(server.state.directory.bridge("authress").await.unwrap().is_some());
    page.click("form[action$='/delete'] input[name=confirm]").await;
    page.click("#delete").await;
    page.wait_for_text("Bridge deleted.").await;
    assert!(server.state.directory.bridge("authress").await.unwrap().is_none());
}
