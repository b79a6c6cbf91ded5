//! `Identities` rules: one user per provider subject, listed per user, removed only by the
//! owner, and gone with the user.

use std::sync::Arc;

use crate::model::{LinkedIdentity, User};
use crate::store::conformance::records::{NOW, user};
use crate::store::{Directory, StoreError};

fn linked(owner: &User, subject: &str) -> LinkedIdentity {
    LinkedIdentity {
        provider: "idp".into(),
        subject: subject.into(),
        user_id: owner.id.clone(),
        email: Some("who@idp.example".into()),
        created_at: NOW,
    }
}

pub async fn a_provider_subject_signs_in_one_user(dir: Arc<dyn Directory>) {
    let a = user(&*dir, "id-a@example.com").await;
    let b = user(&*dir, "id-b@example.com").await;
    dir.link_identity(&linked(&a, "sub-1")).await.unwrap();
    let taken = dir.link_identity(&linked(&b, "sub-1")).await;
    assert!(matches!(taken, Err(StoreError::Conflict)), "one user per provider subject");
    assert_eq!(dir.identity("idp", "sub-1").await.unwrap(), Some(linked(&a, "sub-1")));
    assert_eq!(dir.identity("other", "sub-1").await.unwrap(), None, "subjects are per provider");
}

pub async fn only_the_owner_unlinks_an_identity(dir: Arc<dyn Directory>) {
    let a = user(&*dir, "id-a@example.com").await;
    let b = user(&*dir, "id-b@example.com").await;
    dir.link_identity(&linked(&a, "sub-1")).await.unwrap();
    dir.link_identity(&linked(&a, "sub-2")).await.unwrap();
    assert_eq!(dir.identities_of_user(&a.id).await.unwrap().len(), 2);
    assert!(!dir.unlink_identity(&b.id, "idp", "sub-1").await.unwrap(), "only the owner unlinks");
    assert!(dir.unlink_identity(&a.id, "idp", "sub-1").await.unwrap());
    assert_eq!(dir.identities_of_user(&a.id).await.unwrap(), vec![linked(&a, "sub-2")]);
    assert!(dir.delete_user(&a.id).await.unwrap());
    assert_eq!(dir.identity("idp", "sub-2").await.unwrap(), None, "gone with the user");
}
