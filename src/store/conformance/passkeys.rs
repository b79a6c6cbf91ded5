//! `Passkeys` rules: one owner per credential id, sign-ins recorded, and only the owner renames
//! or removes a passkey.

use std::sync::Arc;

use crate::model::{StoredPasskey, User};
use crate::store::conformance::records::{NOW, user};
use crate::store::{Directory, StoreError};

/// Users a (who registers `cred-1`) and b.
async fn owner_and_other(dir: &dyn Directory) -> (User, User, StoredPasskey) {
    let a = user(dir, "list-a@example.com").await;
    let b = user(dir, "list-b@example.com").await;
    let passkey = StoredPasskey {
        cred_id: "cred-1".into(),
        user_id: a.id.clone(),
        name: "Laptop".into(),
        passkey: "{}".into(),
        backup_eligible: true,
        backup_state: false,
        created_at: NOW,
        last_used_at: None,
    };
    dir.insert_passkey(&passkey).await.unwrap();
    (a, b, passkey)
}

pub async fn a_credential_id_has_one_owner(dir: Arc<dyn Directory>) {
    let (_, b, pk) = owner_and_other(&*dir).await;
    let stolen = StoredPasskey { user_id: b.id.clone(), ..pk.clone() };
    assert!(matches!(dir.insert_passkey(&stolen).await, Err(StoreError::Conflict)), "a credential id has one owner");
    assert_eq!(dir.passkey("cred-1").await.unwrap(), Some(pk));
}

pub async fn a_sign_in_records_the_updated_credential_and_when(dir: Arc<dyn Directory>) {
    owner_and_other(&*dir).await;
    dir.passkey_used("cred-1", "{\"n\":1}", true, NOW + 7).await.unwrap();
    let used = dir.passkey("cred-1").await.unwrap().unwrap();
    assert_eq!((used.passkey.as_str(), used.backup_state, used.last_used_at), ("{\"n\":1}", true, Some(NOW + 7)));
}

pub async fn only_the_owner_renames_a_passkey(dir: Arc<dyn Directory>) {
    let (a, b, _) = owner_and_other(&*dir).await;
    assert!(!dir.rename_passkey(&b.id, "cred-1", "Mine").await.unwrap(), "only the owner renames");
    assert!(dir.rename_passkey(&a.id, "cred-1", "Phone").await.unwrap());
    assert_eq!(dir.passkeys_of_user(&a.id).await.unwrap()[0].name, "Phone");
    assert!(dir.passkeys_of_user(&b.id).await.unwrap().is_empty());
}

pub async fn only_the_owner_removes_a_passkey(dir: Arc<dyn Directory>) {
    let (a, b, _) = owner_and_other(&*dir).await;
    assert!(!dir.delete_passkey(&b.id, "cred-1").await.unwrap(), "only the owner removes");
    assert!(dir.delete_passkey(&a.id, "cred-1").await.unwrap());
    assert!(dir.passkey("cred-1").await.unwrap().is_none());
}
