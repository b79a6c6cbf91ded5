//! Conformance rules for what a session records besides the sign-in itself: how it signed in,
//! the browser it lives in, and when it was last used.

use crate::model::{Session, UserId};
use crate::store::Directory;

pub async fn device_and_last_seen(dir: &dyn Directory, user: &UserId, now: i64) {
    let agent = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    let session = Session {
        id: "s-device".into(),
        user_id: user.clone(),
        auth_time: now,
        amr: vec!["swk".into(), "user".into()],
        acr: "phr".into(),
        expires_at: now + 1000,
        method: "passkey".into(),
        user_agent: agent.into(),
        last_seen: now,
    };
    dir.insert_session(&[21; 32], &session, now).await.unwrap();
    let read = dir.session_by_token(&[21; 32], now).await.unwrap().unwrap();
    assert_eq!((read.method.as_str(), read.user_agent.as_str(), read.last_seen), ("passkey", agent, now));

    dir.touch_session("s-device", now + 90).await.unwrap();
    let read = dir.session_by_token(&[21; 32], now + 90).await.unwrap().unwrap();
    assert_eq!(read.last_seen, now + 90, "a use is seen at once, cache or not");
    let listed = dir.sessions_of_user(user, now + 90).await.unwrap();
    assert_eq!(listed.iter().find(|s| s.id == "s-device").map(|s| s.last_seen), Some(now + 90));

    dir.touch_session("s-device", now + 30).await.unwrap();
    let read = dir.session_by_token(&[21; 32], now + 90).await.unwrap().unwrap();
    assert_eq!(read.last_seen, now + 90, "a late write never moves last use back");
    dir.touch_session("no-such-session", now).await.unwrap();
    assert!(dir.revoke_session("s-device", now + 90).await.unwrap().is_some());
}
