//! `Users::import_user` rules: a user arrives whole (identifiers, proof, metadata, passkeys) or
//! not at all, and an external id is imported once.

use std::sync::Arc;

use crate::model::{Imported, ImportedPasskey, ImportedUser, UserId};
use crate::store::conformance::records::{NOW, user};
use crate::store::{Directory, StoreError};

fn ann(external_id: &str, cred_id: &str) -> ImportedUser {
    ImportedUser {
        external_id: external_id.into(),
        id: None,
        email: Some("ann@example.com".parse().unwrap()),
        email_verified: true,
        phone: Some(crate::model::Phone::parse("+14155550100", None).unwrap()),
        phone_verified: false,
        active: false,
        created_at: Some(NOW - 100),
        metadata: serde_json::json!({"plan": "pro"}),
        passkeys: vec![ImportedPasskey {
            cred_id: cred_id.into(),
            name: "Phone".into(),
            passkey: "{}".into(),
            backup_eligible: true,
            backup_state: true,
            created_at: Some(NOW - 50),
            last_used_at: Some(NOW - 10),
        }],
    }
}

pub async fn an_imported_user_arrives_whole(dir: Arc<dyn Directory>) {
    let id = UserId::new();
    let imported = ImportedUser { id: Some(id.clone()), ..ann("auth0|1", "cred-1") };
    assert_eq!(dir.import_user(&imported, NOW).await.unwrap(), Imported::Created(id.clone()));
    let u = dir.user_by_external_id("auth0|1").await.unwrap().expect("found by external id");
    assert_eq!(u.id, id, "a free user id is kept");
    assert_eq!((u.email_verified, u.phone_verified, u.active), (true, false, false));
    assert_eq!((u.created_at, u.metadata["plan"].as_str()), (NOW - 100, Some("pro")));
    assert_eq!(u.external_id.as_deref(), Some("auth0|1"));
    let passkeys = dir.passkeys_of_user(&id).await.unwrap();
    assert_eq!(passkeys.len(), 1);
    let p = &passkeys[0];
    assert_eq!((p.name.as_str(), p.backup_eligible, p.backup_state), ("Phone", true, true));
    assert_eq!((p.created_at, p.last_used_at), (NOW - 50, Some(NOW - 10)));
}

pub async fn importing_an_external_id_again_writes_nothing(dir: Arc<dyn Directory>) {
    let Imported::Created(first) = dir.import_user(&ann("ext-1", "cred-1"), NOW).await.unwrap() else {
        panic!("the first import creates the user");
    };
    let again = ImportedUser { email: Some("other@example.com".parse().unwrap()), ..ann("ext-1", "cred-2") };
    assert_eq!(dir.import_user(&again, NOW).await.unwrap(), Imported::Existing(first.clone()));
    assert!(dir.user_by_email(&"other@example.com".parse().unwrap()).await.unwrap().is_none());
    assert!(dir.passkey("cred-2").await.unwrap().is_none());
}

pub async fn an_import_meeting_a_taken_identifier_or_credential_writes_nothing(dir: Arc<dyn Directory>) {
    let owner = user(&*dir, "ann@example.com").await;
    let refused = dir.import_user(&ann("ext-1", "cred-1"), NOW).await;
    assert!(matches!(refused, Err(StoreError::Conflict)), "{refused:?}");
    assert!(dir.user_by_external_id("ext-1").await.unwrap().is_none(), "no half-written user");
    assert!(dir.passkey("cred-1").await.unwrap().is_none(), "no passkey without its user");

    let free = ImportedUser { email: None, phone: None, ..ann("ext-2", "cred-9") };
    assert!(matches!(dir.import_user(&free, NOW).await.unwrap(), Imported::Created(_)));
    let taken = ImportedUser { email: None, phone: None, ..ann("ext-3", "cred-9") };
    assert!(matches!(dir.import_user(&taken, NOW).await, Err(StoreError::Conflict)));
    assert!(dir.user_by_external_id("ext-3").await.unwrap().is_none());
    let taken_id = ImportedUser { id: Some(owner.id), email: None, phone: None, ..ann("ext-4", "cred-4") };
    assert!(matches!(dir.import_user(&taken_id, NOW).await, Err(StoreError::Conflict)));
    assert!(dir.passkey("cred-4").await.unwrap().is_none());
}
