//! The overview counts the last day from the audit events: sign-ins by method per hour, failures
//! by reason, and the sessions live now, with every number readable as text.

use serde_json::json;
use tessera::model::AuditEvent;

use super::{OPERATOR, account_with_passkey, console_by_passkey, server};
use crate::support::chrome::Chrome;

fn failure(id: &str, at: i64, reason: &str) -> AuditEvent {
    let detail = json!({"method": "email_code", "reason": reason});
    AuditEvent { id: id.into(), at, kind: "sign_in_failed".into(), user_id: None, client_id: None, ip: None, detail }
}

#[tokio::test]
async fn the_overview_counts_the_days_sign_ins_by_method_and_failures_by_reason_in_words_and_numbers() {
    let server = server().await;
    let now = server.clock.now();
    let failures = [
        failure("f1", now - 7200, "wrong_code"),
        failure("f2", now - 60, "wrong_code"),
        failure("old", now - 90_000, "expired"),
    ];
    server.state.directory.insert_audit_events(&failures).await.unwrap();
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(&page, &server, OPERATOR).await;
    console_by_passkey(&page, &server, &auth).await;
    server.state.flush_audit().await;
    page.click("nav a[href='/console']").await;
    page.wait_for("location.pathname === '/console' && document.readyState === 'complete'").await;

    let tile = |id: &str| format!("document.getElementById('{id}').textContent");
    assert_eq!(page.eval(&tile("tile-sign-ins")).await.unwrap(), "2", "the code, then the passkey");
    assert_eq!(page.eval(&tile("tile-failures")).await.unwrap(), "2", "a day-old failure is left out");
    assert_eq!(page.eval(&tile("tile-sent")).await.unwrap(), "1");
    assert_eq!(page.eval(&tile("tile-sessions")).await.unwrap(), "1", "the operator's own session");
    let label = page.eval("document.querySelector('svg.chart').getAttribute('aria-label')").await.unwrap();
    let label = label.as_str().unwrap();
    assert!(label.contains("email_code 1") && label.contains("passkey 1"), "the chart says its numbers: {label}");
    assert_eq!(
        page.eval("document.querySelectorAll('svg.chart polyline').length").await.unwrap(),
        2,
        "a line per method"
    );
    let failures = page.eval("document.getElementById('failures-table').innerText").await.unwrap();
    assert!(failures.as_str().unwrap().contains("wrong_code\t2"), "{failures}");
}
