//! Management API keys made and revoked in the console: the key is shown once, works against
//! `/api/v1` with exactly the scopes chosen, and is refused once revoked.

use reqwest::StatusCode;

use super::{OPERATOR, account_with_passkey, arrive, console_by_passkey, server};
use crate::support::TestServer;
use crate::support::chrome::Chrome;

/// `GET path` with `key` as the bearer: the answer's status.
async fn get(server: &TestServer, path: &str, key: &str) -> StatusCode {
    reqwest::Client::new().get(server.url(path)).bearer_auth(key).send().await.unwrap().status()
}

#[tokio::test]
async fn a_key_made_in_the_console_is_shown_once_works_with_exactly_its_scopes_and_is_refused_once_revoked() {
    let server = server().await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(&page, &server, OPERATOR).await;
    console_by_passkey(&page, &server, &auth).await;
    page.click("nav a[href='/console/api-keys']").await;
    arrive(&page, "/console/api-keys").await;
    page.wait_for_text("No API keys yet.").await;

    // Without a scope the form comes back with the reason, and nothing is made.
    page.type_into("#key-name", "billing sync").await;
    page.click("#create-key").await;
    page.wait_for_text("Choose at least one scope.").await;
    assert_eq!(
        page.eval("document.getElementById('scopes').getAttribute('aria-describedby')").await.unwrap(),
        "scopes-error"
    );
    assert!(server.state.directory.api_keys().await.unwrap().is_empty(), "a refused form makes no key");
    assert_eq!(
        page.eval("document.getElementById('key-name').value").await.unwrap(),
        "billing sync",
        "the name is kept"
    );

    page.click("#scope-users-read").await;
    page.click("#create-key").await;
    page.wait_for_text("API key made.").await;
    let key = page.eval("document.getElementById('new-key').textContent.trim()").await.unwrap();
    let key = key.as_str().unwrap().to_string();
    assert!(key.starts_with("tsk_"), "{key}");
    let stored = server.state.directory.api_keys().await.unwrap();
    assert_eq!(
        (stored.len(), stored[0].name.as_str(), stored[0].scopes.clone()),
        (1, "billing sync", vec!["users:read".to_string()])
    );

    assert_eq!(get(&server, "/api/v1/users", &key).await, StatusCode::OK, "users:read is granted");
    assert_eq!(get(&server, "/api/v1/events", &key).await, StatusCode::FORBIDDEN, "events:read is not");
    let write = reqwest::Client::new().post(server.url("/api/v1/users")).bearer_auth(&key);
    let write = write.json(&serde_json::json!({"email": "new@example.com"})).send().await.unwrap();
    assert_eq!(write.status(), StatusCode::FORBIDDEN, "users:write is not");

    page.click("nav a[href='/console/api-keys']").await;
    page.wait_for("!document.getElementById('new-key') && document.readyState === 'complete'").await;
    assert!(!page.text().await.contains(&key), "the key is shown once");

    page.click("#api-keys form button").await;
    page.wait_for_text("Revoke this API key?").await;
    assert_eq!(get(&server, "/api/v1/users", &key).await, StatusCode::OK, "asking to confirm changes nothing");
    page.click("#confirm").await;
    page.wait_for_text("API key revoked.").await;
    assert_eq!(get(&server, "/api/v1/users", &key).await, StatusCode::UNAUTHORIZED, "a revoked key is refused");
    assert!(page.eval("document.querySelector('#api-keys form') === null").await.unwrap() == true);

    server.state.flush_audit().await;
    let query = tessera::model::AuditQuery { limit: 200, ..Default::default() };
    let events = server.state.directory.audit_events(&query).await.unwrap();
    let operator = server.state.directory.user_by_email(&OPERATOR.parse().unwrap()).await.unwrap().unwrap();
    for action in ["api_key_created", "api_key_revoked"] {
        assert!(
            events.iter().any(|e| e.detail["action"] == action
                && e.detail["via"] == "console"
                && e.detail["operator"] == operator.id.0.as_str()
                && e.detail["target"] == stored[0].id.as_str()),
            "{action} is audited with the operator: {events:?}"
        );
    }
}
