//! `RefreshTokens` rules: rotation for the owning client only, reuse revokes the family
//! (RFC 9700 §4.14.2), one winner among concurrent rotations, revocation by user.

use std::sync::Arc;

use crate::store::conformance::records::{NOW, refresh, user};
use crate::store::{Directory, Rotation};

/// Rotates token `[presented; 32]` for client `app` into `[next; 32]`.
async fn rotate(dir: &dyn Directory, presented: u8, next: u8) -> Rotation {
    dir.rotate_refresh(&[presented; 32], "app", &[next; 32], NOW + 1000, NOW).await.unwrap()
}

pub async fn a_refresh_token_of_another_client_is_refused_and_left_untouched(dir: Arc<dyn Directory>) {
    let user = user(&*dir, "ada@example.com").await;
    dir.insert_refresh(&refresh(2, "fam", &user.id)).await.unwrap();
    assert!(
        matches!(dir.rotate_refresh(&[2; 32], "other", &[3; 32], NOW + 1000, NOW).await.unwrap(), Rotation::Invalid),
        "another client's token is refused"
    );
    assert!(matches!(rotate(&*dir, 2, 3).await, Rotation::Rotated(_)), "its own client still rotates it");
}

pub async fn rotation_replaces_a_live_token_with_its_successor(dir: Arc<dyn Directory>) {
    let user = user(&*dir, "ada@example.com").await;
    dir.insert_refresh(&refresh(2, "fam", &user.id)).await.unwrap();
    match rotate(&*dir, 2, 3).await {
        Rotation::Rotated(t) => assert_eq!(t.family_id, "fam"),
        other => panic!("expected rotation, got {other:?}"),
    }
    let successor = dir.live_refresh_token(&[3; 32], NOW).await.unwrap().unwrap();
    assert_eq!(successor.scope, "openid offline_access");
    let first = refresh(2, "fam", &user.id);
    assert_eq!(successor.claims, first.claims, "the grant's claims request carries over");
    assert_eq!(successor.dpop_jkt, first.dpop_jkt, "and so does its DPoP key");
    assert_eq!(successor.audience.as_deref(), Some("https://notes.example/api"), "the successor keeps the API");
    assert!(dir.live_refresh_token(&[2; 32], NOW).await.unwrap().is_none(), "a used token is not live");
}

pub async fn refresh_reuse_revokes_the_whole_family(dir: Arc<dyn Directory>) {
    let user = user(&*dir, "ada@example.com").await;
    dir.insert_refresh(&refresh(2, "fam", &user.id)).await.unwrap();
    assert!(matches!(rotate(&*dir, 2, 3).await, Rotation::Rotated(_)));
    assert!(matches!(rotate(&*dir, 2, 4).await, Rotation::Reused { .. }), "reuse detected");
    assert!(matches!(rotate(&*dir, 3, 5).await, Rotation::Invalid), "the family is revoked");
}

pub async fn an_unknown_refresh_token_is_invalid(dir: Arc<dyn Directory>) {
    assert!(matches!(rotate(&*dir, 9, 6).await, Rotation::Invalid));
}

pub async fn exactly_one_concurrent_rotation_succeeds(dir: Arc<dyn Directory>) {
    let user = user(&*dir, "ada@example.com").await;
    dir.insert_refresh(&refresh(20, "race", &user.id)).await.unwrap();
    // Whatever batches or locks serve them, one rotation wins.
    let attempts: Vec<_> = (0..8u8)
        .map(|i| {
            let dir = dir.clone();
            tokio::spawn(async move { rotate(&*dir, 20, 30 + i).await })
        })
        .collect();
    let mut rotated = 0;
    for attempt in attempts {
        rotated += usize::from(matches!(attempt.await.unwrap(), Rotation::Rotated(_)));
    }
    assert_eq!(rotated, 1, "exactly one concurrent rotation succeeds");
}

pub async fn revoking_the_refresh_tokens_of_a_user_counts_the_live_families(dir: Arc<dyn Directory>) {
    let ada = user(&*dir, "ada@example.com").await;
    let ben = user(&*dir, "ben@example.com").await;
    assert_eq!(dir.revoke_refresh_of_user(&ben.id, NOW).await.unwrap(), 0);
    dir.insert_refresh(&refresh(2, "fam", &ada.id)).await.unwrap();
    assert_eq!(dir.revoke_refresh_of_user(&ada.id, NOW).await.unwrap(), 1);
    assert!(dir.live_refresh_token(&[2; 32], NOW).await.unwrap().is_none(), "a revoked family has no live token");
    assert_eq!(dir.revoke_refresh_of_user(&ada.id, NOW).await.unwrap(), 0, "only live families count");
}
