//! Clients from the console, by clicks and typing: a registered client's secret is shown once
//! and works at the token endpoint, a new secret replaces it, a refused form says what the
//! management API says and stores nothing, the configuration file's clients are read-only, and
//! deleting needs the box ticked.

use reqwest::Method;
use serde_json::json;

use super::{OPERATOR, account_with_passkey, admin_events, arrive, console_by_passkey, js, server};
use crate::api::{KEY, call, with_keys};
use crate::support::chrome::{Chrome, Page};
use crate::support::{TestServer, raw_token};

const GRANT: [(&str, &str); 2] = [("grant_type", "client_credentials"), ("scope", "reports:read")];

/// Signs the operator in by passkey and opens the clients page from the console's menu.
async fn clients_page(page: &Page<'_>, server: &TestServer) {
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(page, server, OPERATOR).await;
    console_by_passkey(page, server, &auth).await;
    page.click("nav a[href='/console/clients']").await;
    arrive(page, "/console/clients").await;
}

/// Types a new client into the register form and sends it.
async fn register(page: &Page<'_>, id: &str, redirect_uri: &str) {
    page.type_into("#id", id).await;
    page.type_into("#name", "Monthly reports").await;
    page.type_into("#redirect_uris", redirect_uri).await;
    page.type_into("#client_credentials_scopes", "reports:read").await;
    page.click("#create").await;
}

async fn shown_secret(page: &Page<'_>) -> String {
    page.wait_for("!!document.getElementById('secret')").await;
    page.eval("document.getElementById('secret').value").await.unwrap().as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_client_registered_in_the_console_shows_its_secret_once_and_a_new_secret_replaces_it() {
    let server = server().await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    clients_page(&page, &server).await;

    register(&page, "reports", "https://reports.example/cb").await;
    page.wait_for_text("Client registered.").await;
    let secret = shown_secret(&page).await;
    assert!(secret.len() >= 16, "a generated secret: {secret}");
    assert_eq!(raw_token(&server, &GRANT, Some(("reports", &secret))).await.0, 200, "the shown secret works");
    let stored = server.state.directory.client("reports").await.unwrap().expect("stored");
    assert_eq!(
        (stored.name.as_str(), stored.redirect_uris.as_slice()),
        ("Monthly reports", &["https://reports.example/cb".to_string()][..])
    );

    page.goto(&server.url("/console/clients/reports")).await;
    page.wait_for_text("Generate a new secret").await;
    let html = page.eval("document.documentElement.outerHTML").await.unwrap();
    assert!(!html.as_str().unwrap().contains(&secret), "the secret is shown only once");

    page.click("#rotate").await;
    page.wait_for_text("New secret generated").await;
    let fresh = shown_secret(&page).await;
    assert_ne!(fresh, secret);
    assert_eq!(raw_token(&server, &GRANT, Some(("reports", &secret))).await.0, 401, "the old secret fails");
    assert_eq!(raw_token(&server, &GRANT, Some(("reports", &fresh))).await.0, 200, "the new secret works");

    server.state.flush_audit().await;
    let events = server.state.directory.audit_events(&admin_events()).await.unwrap();
    let operator = server.state.directory.user_by_email(&OPERATOR.parse().unwrap()).await.unwrap().unwrap();
    for action in ["client_created", "client_secret_replaced"] {
        assert!(
            events.iter().any(|e| e.kind == "admin"
                && e.detail["action"] == action
                && e.detail["via"] == "console"
                && e.detail["operator"] == operator.id.0.as_str()
                && e.detail["client_id"] == "reports"),
            "{action} is audited as the console's, with the operator: {events:?}"
        );
    }
}

#[tokio::test]
async fn an_invalid_redirect_uri_shows_the_management_apis_message_beside_the_field_and_stores_nothing() {
    let server = server().await;
    with_keys(&server).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    clients_page(&page, &server).await;

    let bad = "https://x.example/cb#fragment";
    register(&page, "x", bad).await;
    page.wait_for("!!document.getElementById('redirect_uris-error')").await;
    let shown = page.eval("document.getElementById('redirect_uris-error').innerText").await.unwrap();
    let body = json!({"id": "x", "name": "Monthly reports", "redirect_uris": [bad], "client_credentials_scopes": ["reports:read"]});
    let (status, problem) = call(&server, Method::POST, "/api/v1/clients", Some(KEY), Some(body)).await;
    assert_eq!(status, 400);
    assert_eq!(
        problem["detail"].as_str().unwrap(),
        format!("redirect_uris: {}", shown.as_str().unwrap()),
        "the API's message"
    );

    let field = |attr: &str| format!("document.getElementById('redirect_uris').getAttribute({})", js(attr));
    assert_eq!(page.eval(&field("aria-invalid")).await.unwrap(), "true");
    let described = page.eval(&field("aria-describedby")).await.unwrap();
    assert!(described.as_str().unwrap().split(' ').any(|id| id == "redirect_uris-error"), "{described}");
    assert_eq!(page.eval("document.getElementById('id').value").await.unwrap(), "x", "what was typed stays");
    assert_eq!(page.eval("document.getElementById('redirect_uris').value").await.unwrap(), bad);
    assert!(server.state.directory.client("x").await.unwrap().is_none(), "nothing is stored");
    server.state.flush_audit().await;
    let events = server.state.directory.audit_events(&admin_events()).await.unwrap();
    assert!(!events.iter().any(|e| e.detail["action"] == "client_created"), "nothing is audited: {events:?}");
}

#[tokio::test]
async fn a_client_of_the_configuration_file_is_shown_read_only_and_a_change_to_it_is_refused() {
    let server = server().await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    clients_page(&page, &server).await;
    let csrf = page.eval("document.querySelector('input[name=csrf]').value").await.unwrap();

    page.click("#clients a[href='/console/clients/web']").await;
    arrive(&page, "/console/clients/web").await;
    let text = page.text().await;
    assert!(text.contains("declared in the configuration file"), "{text}");
    let forms = page.eval("document.querySelectorAll('form[action^=\"/console/clients\"]').length").await.unwrap();
    assert_eq!(forms, 0, "no form to edit, rotate or delete it");

    // Even a post with the session's token changes nothing.
    let post = format!(
        "fetch('/console/clients/web', {{method: 'POST', headers: {{'content-type': 'application/x-www-form-urlencoded'}}, \
         body: 'csrf=' + encodeURIComponent({csrf}) + '&name=Other&redirect_uris=https%3A%2F%2Fo.example%2Fcb'}}).then(r => r.status)"
    );
    assert_eq!(page.eval(&post).await.unwrap(), 409);
    let web = server.state.client("web").await.unwrap().unwrap();
    assert_eq!(web.name, "App web", "unchanged");
}

#[tokio::test]
async fn deleting_a_client_from_the_console_needs_the_box_ticked() {
    let server = server().await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    clients_page(&page, &server).await;
    register(&page, "reports", "https://reports.example/cb").await;
    page.wait_for_text("Client registered.").await;

    page.mark().await;
    page.click("#delete").await;
    assert_eq!(page.eval("window.__seen === true").await.unwrap(), true, "the page stays");
    assert!(server.state.directory.client("reports").await.unwrap().is_some(), "unticked, nothing is sent");

    page.click("form[action$='/delete'] input[name=confirm]").await;
    page.click("#delete").await;
    page.wait_for_text("Client deleted.").await;
    assert!(server.state.directory.client("reports").await.unwrap().is_none());
    assert!(
        page.eval("document.querySelector(\"#clients a[href='/console/clients/reports']\") === null").await.unwrap()
            == true
    );
}
