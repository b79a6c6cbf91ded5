//! `AuditLog` rules: events stored once, listed newest first, filtered in the store, purged by age.

use std::sync::Arc;

use crate::model::{AuditEvent, AuditQuery, UserId};
use crate::store::Directory;
use crate::store::conformance::records::{NOW, user};

fn event(id: &str, at: i64, kind: &str, user: &UserId) -> AuditEvent {
    AuditEvent {
        id: id.into(),
        at,
        kind: kind.into(),
        user_id: Some(user.0.clone()),
        client_id: Some("app".into()),
        ip: Some("192.0.2.1".into()),
        detail: serde_json::json!({"method": "email_code"}),
    }
}

/// Stores three events, the first of them twice: two of user a, then one of b. Returns a's id.
async fn three_events(dir: &dyn Directory) -> (UserId, [AuditEvent; 3]) {
    let a = user(dir, "list-a@example.com").await.id;
    let b = user(dir, "list-b@example.com").await.id;
    let events = [
        event("e1", NOW, "sign_in", &a),
        event("e2", NOW + 5, "sign_in_failed", &a),
        event("e3", NOW + 9, "sign_in", &b),
    ];
    dir.insert_audit_events(&events).await.unwrap();
    dir.insert_audit_events(&events[..1]).await.unwrap();
    (a, events)
}

fn query(user: Option<&UserId>, kind: Option<&str>, since: Option<i64>) -> AuditQuery {
    AuditQuery { user_id: user.map(|u| u.0.clone()), kind: kind.map(str::to_owned), since, until: None, limit: 10 }
}

async fn ids(dir: &dyn Directory, query: AuditQuery) -> Vec<String> {
    dir.audit_events(&query).await.unwrap().into_iter().map(|e| e.id).collect()
}

pub async fn events_are_stored_once_and_listed_newest_first(dir: Arc<dyn Directory>) {
    three_events(&*dir).await;
    assert_eq!(ids(&*dir, query(None, None, None)).await, ["e3", "e2", "e1"], "newest first, once");
}

pub async fn events_are_filtered_by_user_kind_and_time(dir: Arc<dyn Directory>) {
    let (a, _) = three_events(&*dir).await;
    assert_eq!(ids(&*dir, query(Some(&a), None, None)).await, ["e2", "e1"]);
    assert_eq!(ids(&*dir, query(None, Some("sign_in"), Some(NOW + 1))).await, ["e3"]);
}

pub async fn an_event_reads_back_as_written(dir: Arc<dyn Directory>) {
    let (_, events) = three_events(&*dir).await;
    assert_eq!(dir.audit_events(&query(None, None, None)).await.unwrap()[2], events[0], "round trip");
}

pub async fn a_purge_removes_the_events_before_a_time(dir: Arc<dyn Directory>) {
    three_events(&*dir).await;
    assert_eq!(dir.purge_audit_events(NOW + 5, 100).await.unwrap(), 1);
    assert_eq!(ids(&*dir, query(None, None, None)).await, ["e3", "e2"]);
}

pub async fn a_purge_removes_at_most_its_batch_oldest_first(dir: Arc<dyn Directory>) {
    three_events(&*dir).await;
    assert_eq!(dir.purge_audit_events(NOW + 1000, 2).await.unwrap(), 2, "a batch of two");
    assert_eq!(ids(&*dir, query(None, None, None)).await, ["e3"], "the two oldest went first");
    assert_eq!(dir.purge_audit_events(NOW + 1000, 2).await.unwrap(), 1);
    assert_eq!(dir.purge_audit_events(NOW + 1000, 2).await.unwrap(), 0, "nothing left before the time");
}
