//! The console's events: filtered by kind, a page at a time, and exported as NDJSON with the
//! same filters.

use serde_json::{Value, json};
use tessera::model::AuditEvent;

use super::{OPERATOR, account_with_passkey, arrive, console_by_passkey, server};
use crate::support::chrome::Chrome;

#[tokio::test]
async fn events_are_filtered_by_kind_paged_and_exported_as_ndjson_with_the_same_filters() {
    let server = server().await;
    let now = server.clock.now();
    let failures: Vec<AuditEvent> = (0..60)
        .map(|i| AuditEvent {
            id: format!("f{i}"),
            at: now - 100 - i,
            kind: "sign_in_failed".into(),
            user_id: None,
            client_id: None,
            ip: None,
            detail: json!({"reason": "wrong_code", "n": i}),
        })
        .collect();
    server.state.directory.insert_audit_events(&failures).await.unwrap();
    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    let auth = page.add_authenticator(false, true).await;
    account_with_passkey(&page, &server, OPERATOR).await;
    console_by_passkey(&page, &server, &auth).await;
    page.click("nav a[href='/console/events']").await;
    arrive(&page, "/console/events").await;
    assert!(page.text().await.contains("sign_in"), "the operator's own sign-ins are there");

    server.state.flush_audit().await;
    let query = tessera::model::AuditQuery { kind: Some("sign_in_failed".into()), limit: 1000, ..Default::default() };
    let total = server.state.directory.audit_events(&query).await.unwrap().len();
    assert!(total >= 60, "the 60 made here, and any the sign-in itself recorded");
    page.type_into("#kind", "sign_in_failed").await;
    page.click(".filters button[type=submit]").await;
    page.wait_for("location.search.includes('kind=sign_in_failed') && document.readyState === 'complete'").await;
    let rows = "document.querySelectorAll('#events tbody tr').length";
    assert_eq!(page.eval(rows).await.unwrap(), 50, "a page of 50");
    let kinds = page.eval("[...document.querySelectorAll('#events tbody td:nth-child(2) code')].every(c => c.textContent === 'sign_in_failed')").await;
    assert_eq!(kinds.unwrap(), true, "only the kind asked for");
    page.click("#next-page").await;
    page.wait_for("location.search.includes('until=') && document.readyState === 'complete'").await;
    assert_eq!(page.eval(rows).await.unwrap(), total - 50, "the rest on the next page");
    assert_eq!(page.eval("document.getElementById('next-page')").await.unwrap(), Value::Null, "and no further page");

    let ndjson = page.eval("fetch(document.getElementById('export').href).then(r => r.text())").await.unwrap();
    let lines: Vec<Value> = ndjson.as_str().unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), total, "every selected event, across pages");
    assert!(lines.iter().all(|e| e["kind"] == "sign_in_failed"));
    let ats: Vec<i64> = lines.iter().map(|e| e["at"].as_i64().unwrap()).collect();
    assert!(ats.windows(2).all(|w| w[0] >= w[1]), "newest first");
}
