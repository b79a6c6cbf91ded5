//! `Users` rules: one owner per identifier, changes that unverify, the listing, status, deletion.

use std::sync::Arc;

use crate::model::{Identifier, Phone, StoredPasskey, UserChange, UserId, UserQuery};
use crate::store::conformance::records::{NOW, session, user, user_at};
use crate::store::{Directory, StoreError};

fn email(address: &str) -> Identifier {
    Identifier::Email(address.parse().unwrap())
}

pub async fn creating_a_user_for_a_known_email_returns_its_owner(dir: Arc<dyn Directory>) {
    let ada = "ada@example.com".parse().unwrap();
    assert!(dir.user_by_email(&ada).await.unwrap().is_none());
    let user = dir.create_user_with_email(&ada, NOW).await.unwrap();
    let again = dir.create_user_with_email(&ada, NOW).await.unwrap();
    assert_eq!(user.id, again.id, "one owner per email");
    assert_eq!(dir.user_by_email(&ada).await.unwrap().unwrap().id, user.id);
    assert!(dir.user(&user.id).await.unwrap().unwrap().email_verified);
    assert_eq!(user.metadata, serde_json::json!({}));
}

pub async fn of_two_concurrent_insertions_of_one_identifier_exactly_one_succeeds(dir: Arc<dyn Directory>) {
    let cat = email("cat@example.com");
    let meta = serde_json::json!({"tier": 1});
    let (first, second) = tokio::join!(dir.insert_user(&cat, &meta, NOW), dir.insert_user(&cat, &meta, NOW));
    assert!(first.is_ok() != second.is_ok(), "of two concurrent creations exactly one succeeds");
    let cat_user = first.or(second).unwrap();
    assert_eq!((cat_user.metadata["tier"].as_i64(), cat_user.email_verified), (Some(1), true));
    assert!(matches!(dir.insert_user(&cat, &meta, NOW).await, Err(StoreError::Conflict)));
}

/// Ann, given a new email, a phone and metadata at `NOW + 5`.
async fn changed_ann(dir: &dyn Directory) -> (UserId, UserChange) {
    let ann = user(dir, "ann@example.com").await;
    let change = UserChange {
        email: Some(Some("ann@new.example".parse().unwrap())),
        phone: Some(Some(Phone::parse("+44 7911 123456", None).unwrap())),
        metadata: Some(serde_json::json!({"tier": 2})),
    };
    (ann.id, change)
}

pub async fn a_changed_identifier_is_unverified_and_frees_the_old_one(dir: Arc<dyn Directory>) {
    let (ann, change) = changed_ann(&*dir).await;
    let changed = dir.update_user(&ann, &change, NOW + 5).await.unwrap().unwrap();
    assert_eq!(changed.email.as_ref().map(|e| e.as_str()), Some("ann@new.example"));
    assert!(!changed.email_verified && !changed.phone_verified, "a new identifier is unproven");
    assert_eq!((changed.metadata["tier"].as_i64(), changed.updated_at), (Some(2), NOW + 5));
    assert!(dir.user_by_email(&"ann@example.com".parse().unwrap()).await.unwrap().is_none(), "the old one is free");
}

pub async fn changing_an_identifier_to_its_own_value_keeps_the_user(dir: Arc<dyn Directory>) {
    let (ann, change) = changed_ann(&*dir).await;
    let changed = dir.update_user(&ann, &change, NOW + 5).await.unwrap().unwrap();
    let same = UserChange { email: Some(changed.email.clone()), ..Default::default() };
    assert_eq!(dir.update_user(&ann, &same, NOW + 6).await.unwrap().unwrap().metadata["tier"], 2);
}

pub async fn a_change_to_another_users_identifier_is_refused_and_changes_nothing(dir: Arc<dyn Directory>) {
    let (ann, change) = changed_ann(&*dir).await;
    let changed = dir.update_user(&ann, &change, NOW + 5).await.unwrap().unwrap();
    user(&*dir, "ben@example.com").await;
    let taken = UserChange { email: Some(Some("ben@example.com".parse().unwrap())), ..Default::default() };
    assert!(matches!(dir.update_user(&ann, &taken, NOW).await, Err(StoreError::Conflict)));
    assert_eq!(dir.user(&ann).await.unwrap().unwrap().email, changed.email, "a refused change changes nothing");
}

pub async fn a_phone_can_be_removed(dir: Arc<dyn Directory>) {
    let (ann, change) = changed_ann(&*dir).await;
    dir.update_user(&ann, &change, NOW + 5).await.unwrap().unwrap();
    let drop_phone = UserChange { phone: Some(None), ..Default::default() };
    assert!(dir.update_user(&ann, &drop_phone, NOW).await.unwrap().unwrap().phone.is_none());
}

pub async fn changing_an_unknown_user_finds_nothing(dir: Arc<dyn Directory>) {
    let drop_phone = UserChange { phone: Some(None), ..Default::default() };
    assert!(dir.update_user(&UserId("nobody".into()), &drop_phone, NOW).await.unwrap().is_none());
}

pub async fn the_listing_is_ordered_by_id_and_a_cursor_continues_after_the_last_id(dir: Arc<dyn Directory>) {
    user(&*dir, "list-a@example.com").await;
    user(&*dir, "list-b@example.com").await;
    let page = |after: Option<&str>, limit| UserQuery { after: after.map(str::to_owned), limit, ..Default::default() };
    let all = dir.users(&page(None, 1000)).await.unwrap();
    assert!(all.windows(2).all(|w| w[0].id.0 < w[1].id.0), "ordered by id");
    let first = dir.users(&page(None, 1)).await.unwrap();
    let next = dir.users(&page(Some(&first[0].id.0), 1)).await.unwrap();
    assert_eq!(next[0].id, all[1].id, "the cursor continues after the last id");
}

pub async fn the_listing_filters_by_creation_time_and_status(dir: Arc<dyn Directory>) {
    let ann = user(&*dir, "ann@example.com").await;
    let ben = user_at(&*dir, "ben@example.com", NOW + 100).await;
    let window = UserQuery { limit: 1000, created_since: Some(NOW + 50), ..Default::default() };
    let ids: Vec<UserId> = dir.users(&window).await.unwrap().into_iter().map(|u| u.id).collect();
    assert!(ids.contains(&ben.id) && !ids.contains(&ann.id), "created_since filters in the store");
    assert!(dir.set_user_active(&ben.id, false, NOW).await.unwrap());
    let inactive = UserQuery { limit: 1000, active: Some(false), ..Default::default() };
    assert_eq!(dir.users(&inactive).await.unwrap().iter().map(|u| &u.id).collect::<Vec<_>>(), [&ben.id]);
}

pub async fn a_deactivated_user_reads_as_inactive_at_once(dir: Arc<dyn Directory>) {
    let a = user(&*dir, "list-a@example.com").await;
    assert!(dir.user(&a.id).await.unwrap().unwrap().active);
    assert!(dir.set_user_active(&a.id, false, NOW + 1).await.unwrap());
    assert!(!dir.user(&a.id).await.unwrap().unwrap().active, "a deactivated user reads as inactive at once");
    assert!(dir.set_user_active(&a.id, true, NOW + 2).await.unwrap());
    assert!(!dir.set_user_active(&UserId("nobody".into()), false, NOW).await.unwrap());
}

pub async fn the_operator_role_is_granted_and_taken_back_and_reads_at_once(dir: Arc<dyn Directory>) {
    let op = user(&*dir, "op@example.com").await;
    assert!(!dir.user(&op.id).await.unwrap().unwrap().operator, "nobody is an operator by default");
    assert!(dir.set_operator(&op.id, true, NOW + 1).await.unwrap());
    assert!(dir.user(&op.id).await.unwrap().unwrap().operator, "granted, the role reads at once");
    let by_email = dir.user_by_email(&"op@example.com".parse().unwrap()).await.unwrap().unwrap();
    assert!(by_email.operator);
    assert!(dir.set_operator(&op.id, false, NOW + 2).await.unwrap());
    assert!(!dir.user(&op.id).await.unwrap().unwrap().operator, "taken back, it is gone at once");
    assert!(!dir.set_operator(&UserId("nobody".into()), true, NOW).await.unwrap());
}

pub async fn deleting_a_user_removes_its_sessions_identifiers_and_passkeys(dir: Arc<dyn Directory>) {
    let ben = user(&*dir, "ben@example.com").await;
    let long = crate::model::Session { expires_at: NOW + 3600, ..session("s-ben", &ben.id) };
    dir.insert_session(&[9; 32], &long, NOW).await.unwrap();
    let passkey = StoredPasskey {
        cred_id: "cred-ben".into(),
        user_id: ben.id.clone(),
        name: "Laptop".into(),
        passkey: "{}".into(),
        backup_eligible: true,
        backup_state: false,
        created_at: NOW,
        last_used_at: None,
    };
    dir.insert_passkey(&passkey).await.unwrap();
    assert!(dir.delete_user(&ben.id).await.unwrap());
    assert!(dir.user(&ben.id).await.unwrap().is_none());
    assert!(dir.session_by_token(&[9; 32], NOW).await.unwrap().is_none(), "sessions go with the user");
    assert!(dir.user_by_identifier(&email("ben@example.com")).await.unwrap().is_none());
    assert!(dir.passkey("cred-ben").await.unwrap().is_none(), "passkeys go with the user");
    assert!(!dir.delete_user(&ben.id).await.unwrap());
}
