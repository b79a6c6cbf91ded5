//! Finding a user and acting on them from the console: what an operator does there ends what
//! it should, at once, for the applications too.

use super::{OPERATOR, USER, account_with_passkey, arrive, console_by_passkey, refresh_token_of, server};
use crate::support::chrome::Chrome;
use crate::support::rp;

#[tokio::test]
async fn an_operator_signed_in_by_passkey_ends_a_users_sessions_and_their_next_refresh_fails() {
    let server = server().await;
    let (client, refresh) = refresh_token_of(&server, USER).await;
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(&page, &server, OPERATOR).await;
    console_by_passkey(&page, &server, &auth).await;

    page.type_into("#q", USER).await;
    page.press_enter().await;
    page.wait_for("document.querySelectorAll('#users tbody tr').length === 1").await;
    page.click("#users tbody a").await;
    let user = server.state.directory.user_by_email(&USER.parse().unwrap()).await.unwrap().unwrap();
    arrive(&page, &format!("/console/users/{}", user.id.0)).await;
    let text = page.text().await;
    assert!(text.contains(USER) && text.contains("End all sessions"), "{text}");
    assert_eq!(server.state.directory.sessions_of_user(&user.id, server.clock.now()).await.unwrap().len(), 1);

    page.click("#end-sessions").await;
    page.wait_for_text("Every session and refresh token of this user has ended.").await;
    assert!(page.text().await.contains("No live sessions."));
    assert!(server.state.directory.sessions_of_user(&user.id, server.clock.now()).await.unwrap().is_empty());
    let refreshed = client.exchange_refresh_token(&refresh).unwrap().request_async(&rp::http).await;
    assert!(format!("{:?}", refreshed.unwrap_err()).contains("invalid_grant"), "the user's refresh token is dead");

    server.state.flush_audit().await;
    let query = tessera::model::AuditQuery { user_id: Some(user.id.0.clone()), limit: 50, ..Default::default() };
    let events = server.state.directory.audit_events(&query).await.unwrap();
    assert!(
        events.iter().any(|e| e.kind == "session_revoked" && e.detail["by"] == "console"),
        "the ending is audited as the console's: {events:?}"
    );
}

#[tokio::test]
async fn an_operator_deactivates_and_activates_a_user_and_removes_their_passkey() {
    let server = server().await;
    let chrome = Chrome::launch().await;
    let user_page = chrome.isolated_page().await;
    user_page.add_authenticator(true, true).await;
    account_with_passkey(&user_page, &server, USER).await;
    let user = server.state.directory.user_by_email(&USER.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(server.state.directory.passkeys_of_user(&user.id).await.unwrap().len(), 1);

    let page = chrome.isolated_page().await;
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(&page, &server, OPERATOR).await;
    console_by_passkey(&page, &server, &auth).await;
    page.goto(&server.url(&format!("/console/users/{}", user.id.0))).await;
    page.wait_for_text("Deactivate").await;

    page.click("#deactivate").await;
    page.wait_for_text("User deactivated.").await;
    assert!(!server.state.directory.user(&user.id).await.unwrap().unwrap().active);
    assert!(server.state.directory.sessions_of_user(&user.id, server.clock.now()).await.unwrap().is_empty());
    user_page.reload().await;
    user_page.wait_for("location.pathname.startsWith('/login/')").await;

    page.click("#activate").await;
    page.wait_for_text("User activated.").await;
    assert!(server.state.directory.user(&user.id).await.unwrap().unwrap().active);

    page.click("form[action$='/passkeys/remove'] button").await;
    page.wait_for_text("Passkey removed.").await;
    assert!(server.state.directory.passkeys_of_user(&user.id).await.unwrap().is_empty());
    server.state.flush_audit().await;
    let query = tessera::model::AuditQuery { user_id: Some(user.id.0.clone()), limit: 50, ..Default::default() };
    let events = server.state.directory.audit_events(&query).await.unwrap();
    let operator = server.state.directory.user_by_email(&OPERATOR.parse().unwrap()).await.unwrap().unwrap();
    for action in ["user_deactivated", "user_activated"] {
        assert!(
            events.iter().any(|e| e.detail["action"] == action && e.detail["operator"] == operator.id.0.as_str()),
            "{action} is audited with the operator: {events:?}"
        );
    }
    assert!(events.iter().any(|e| e.kind == "passkey_removed" && e.detail["by"] == "console"));
}

#[tokio::test]
async fn deleting_a_user_from_the_console_needs_the_box_ticked() {
    let server = server().await;
    let ada = server.state.directory.create_user_with_email(&USER.parse().unwrap(), 0).await.unwrap();
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(&page, &server, OPERATOR).await;
    console_by_passkey(&page, &server, &auth).await;
    page.goto(&server.url(&format!("/console/users/{}", ada.id.0))).await;
    page.wait_for_text("Delete user").await;

    // Unticked, the browser does not send the form (the box is required).
    page.click("#delete").await;
    let still = page.eval("location.pathname").await.unwrap();
    assert_eq!(still, format!("/console/users/{}", ada.id.0));
    assert!(server.state.directory.user(&ada.id).await.unwrap().is_some());

    page.click("input[name=confirm]").await;
    page.click("#delete").await;
    page.wait_for_text("User deleted.").await;
    assert!(server.state.directory.user(&ada.id).await.unwrap().is_none());
}

#[tokio::test]
async fn the_users_page_filters_by_status_and_says_when_a_search_cannot_be_read() {
    let server = server().await;
    let dir = &server.state.directory;
    let ada = dir.create_user_with_email(&USER.parse().unwrap(), 0).await.unwrap();
    dir.create_user_with_email(&"bo@example.com".parse().unwrap(), 0).await.unwrap();
    dir.set_user_active(&ada.id, false, 1).await.unwrap();
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(&page, &server, OPERATOR).await;
    console_by_passkey(&page, &server, &auth).await;
    let text = page.text().await;
    assert!(text.contains(USER) && text.contains("bo@example.com") && text.contains(OPERATOR), "{text}");

    page.eval("document.getElementById('status').value = 'deactivated'").await.unwrap();
    page.click(".filters button[type=submit]").await;
    page.wait_for("location.search.includes('status=deactivated') && document.readyState === 'complete'").await;
    let text = page.text().await;
    assert!(text.contains(USER) && !text.contains("bo@example.com"), "only the deactivated user: {text}");

    page.type_into("#q", "+12").await;
    page.press_enter().await;
    page.wait_for_text("Enter an email address, a phone number starting with +, or a user id.").await;
    assert_eq!(page.eval("document.getElementById('q').getAttribute('aria-invalid')").await.unwrap(), "true");
}
