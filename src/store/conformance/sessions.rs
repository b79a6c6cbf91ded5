//! `Sessions` rules: found by token while live, listed newest first, ended once, and what a
//! session records besides the sign-in itself: how it signed in, the browser it lives in, and
//! when it was last used.

use std::sync::Arc;

use crate::model::{Session, UserId};
use crate::store::Directory;
use crate::store::conformance::records::{NOW, session, user};

pub async fn a_session_is_found_by_its_token_until_it_expires(dir: Arc<dyn Directory>) {
    let user = user(&*dir, "ada@example.com").await;
    dir.insert_session(&[1; 32], &session("s1", &user.id), NOW).await.unwrap();
    assert_eq!(dir.session_by_token(&[1; 32], NOW).await.unwrap().unwrap().id, "s1");
    assert!(dir.session_by_token(&[1; 32], NOW + 100).await.unwrap().is_none(), "expired sessions are not found");
}

pub async fn a_session_is_found_with_its_user_until_it_ends_or_expires(dir: Arc<dyn Directory>) {
    let user = user(&*dir, "ada@example.com").await;
    dir.insert_session(&[1; 32], &session("s1", &user.id), NOW).await.unwrap();
    let (found, owner) = dir.session_and_user(&[1; 32], NOW).await.unwrap().expect("a live session");
    assert_eq!((found.id.as_str(), &owner.id), ("s1", &user.id));
    assert_eq!(owner.email.as_ref().map(|e| e.as_str()), Some("ada@example.com"), "with its identifiers");
    let alone = dir.session_by_token(&[1; 32], NOW).await.unwrap().unwrap();
    assert_eq!((found.auth_time, found.amr, found.acr), (alone.auth_time, alone.amr, alone.acr), "the same session");
    assert!(dir.session_and_user(&[2; 32], NOW).await.unwrap().is_none(), "another token finds nothing");
    assert!(dir.session_and_user(&[1; 32], NOW + 100).await.unwrap().is_none(), "expired sessions are not found");
    dir.revoke_session("s1", NOW).await.unwrap();
    assert!(dir.session_and_user(&[1; 32], NOW).await.unwrap().is_none(), "ended sessions are not found");
}

pub async fn a_users_sessions_are_listed_newest_first(dir: Arc<dyn Directory>) {
    let user = user(&*dir, "ada@example.com").await;
    dir.insert_session(&[1; 32], &session("s1", &user.id), NOW).await.unwrap();
    let later = Session { auth_time: NOW + 1, ..session("s2", &user.id) };
    dir.insert_session(&[8; 32], &later, NOW).await.unwrap();
    let ids: Vec<String> = dir.sessions_of_user(&user.id, NOW).await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(ids, ["s2", "s1"], "newest first");
}

pub async fn a_sessions_clients_are_recorded_once_each_in_order(dir: Arc<dyn Directory>) {
    let user = user(&*dir, "ada@example.com").await;
    dir.insert_session(&[1; 32], &session("s1", &user.id), NOW).await.unwrap();
    dir.add_session_client("s1", "b").await.unwrap();
    dir.add_session_client("s1", "a").await.unwrap();
    dir.add_session_client("s1", "a").await.unwrap();
    assert_eq!(dir.session_clients("s1").await.unwrap(), ["a", "b"]);
}

pub async fn a_session_ends_once_and_is_not_found_after(dir: Arc<dyn Directory>) {
    let user = user(&*dir, "ada@example.com").await;
    dir.insert_session(&[1; 32], &session("s1", &user.id), NOW).await.unwrap();
    assert_eq!(dir.revoke_session("s1", NOW).await.unwrap().unwrap().id, "s1");
    assert!(dir.revoke_session("s1", NOW).await.unwrap().is_none(), "a session ends once");
    assert!(dir.session_by_token(&[1; 32], NOW).await.unwrap().is_none(), "revoked sessions are not found");
}

pub async fn live_sessions_are_counted_without_the_ended_and_the_expired(dir: Arc<dyn Directory>) {
    let ada = user(&*dir, "ada@example.com").await;
    let bo = user(&*dir, "bo@example.com").await;
    assert_eq!(dir.live_sessions(NOW).await.unwrap(), 0);
    dir.insert_session(&[1; 32], &session("s1", &ada.id), NOW).await.unwrap();
    dir.insert_session(&[2; 32], &session("s2", &ada.id), NOW).await.unwrap();
    dir.insert_session(&[3; 32], &session("s3", &bo.id), NOW).await.unwrap();
    dir.revoke_session("s2", NOW).await.unwrap();
    assert_eq!(dir.live_sessions(NOW).await.unwrap(), 2, "every user's live sessions, not the ended one");
    assert_eq!(dir.live_sessions(NOW + 100).await.unwrap(), 0, "expired sessions are not live");
}

const AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// A passkey session in Firefox, stored under token `[21; 32]`.
async fn device_session(dir: &dyn Directory, user: &UserId) {
    let session = Session {
        id: "s-device".into(),
        user_id: user.clone(),
        auth_time: NOW,
        amr: vec!["swk".into(), "user".into()],
        acr: "phr".into(),
        expires_at: NOW + 1000,
        method: "passkey".into(),
        user_agent: AGENT.into(),
        last_seen: NOW,
    };
    dir.insert_session(&[21; 32], &session, NOW).await.unwrap();
}

pub async fn a_session_keeps_how_it_signed_in_and_its_browser(dir: Arc<dyn Directory>) {
    let user = user(&*dir, "ada@example.com").await;
    device_session(&*dir, &user.id).await;
    let read = dir.session_by_token(&[21; 32], NOW).await.unwrap().unwrap();
    assert_eq!((read.method.as_str(), read.user_agent.as_str(), read.last_seen), ("passkey", AGENT, NOW));
}

pub async fn a_use_is_seen_at_once_cache_or_not(dir: Arc<dyn Directory>) {
    let user = user(&*dir, "ada@example.com").await;
    device_session(&*dir, &user.id).await;
    // Read first, so a caching backend holds the session when it is touched.
    dir.session_by_token(&[21; 32], NOW).await.unwrap().unwrap();
    dir.touch_session("s-device", NOW + 90).await.unwrap();
    let read = dir.session_by_token(&[21; 32], NOW + 90).await.unwrap().unwrap();
    assert_eq!(read.last_seen, NOW + 90, "a use is seen at once, cache or not");
    let listed = dir.sessions_of_user(&user.id, NOW + 90).await.unwrap();
    assert_eq!(listed.iter().find(|s| s.id == "s-device").map(|s| s.last_seen), Some(NOW + 90));
}

pub async fn a_late_use_never_moves_the_last_use_back(dir: Arc<dyn Directory>) {
    let user = user(&*dir, "ada@example.com").await;
    device_session(&*dir, &user.id).await;
    dir.touch_session("s-device", NOW + 90).await.unwrap();
    dir.touch_session("s-device", NOW + 30).await.unwrap();
    let read = dir.session_by_token(&[21; 32], NOW + 90).await.unwrap().unwrap();
    assert_eq!(read.last_seen, NOW + 90, "a late write never moves last use back");
    dir.touch_session("no-such-session", NOW).await.unwrap();
    assert!(dir.revoke_session("s-device", NOW + 90).await.unwrap().is_some());
}
