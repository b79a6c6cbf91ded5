//! `EmbeddedApps` rules: one application per id, passkeys unique within an application, one
//! owner per alias (a refused change changes nothing), and deletions that leave nothing behind.

use std::sync::Arc;

use crate::model::{AppAlias, AppPasskey, EmbeddedApp};
use crate::store::conformance::records::NOW;
use crate::store::{Directory, StoreError};

pub fn app(id: &str) -> EmbeddedApp {
    EmbeddedApp {
        id: id.into(),
        name: "Shop".into(),
        rp_id: "shop.example".into(),
        origins: vec!["https://shop.example".into(), "android:apk-key-hash:abc".into()],
        public_key: format!("{id}:public:0123"),
        secret_hash: [9; 32],
        generate_sign_in_tokens: true,
        tessera_users: true,
        created_at: NOW,
    }
}

fn passkey(app_id: &str, cred_id: &str, user_id: &str) -> AppPasskey {
    AppPasskey {
        app_id: app_id.into(),
        cred_id: cred_id.into(),
        user_id: user_id.into(),
        passkey: "{}".into(),
        user_handle: "aGFuZGxl".into(),
        nickname: Some("Laptop".into()),
        rp_id: "shop.example".into(),
        origin: "https://shop.example".into(),
        device: "Chrome on Linux".into(),
        aaguid: "00000000-0000-0000-0000-000000000000".into(),
        backup_eligible: true,
        backup_state: false,
        discoverable: Some(true),
        created_at: NOW,
        last_used_at: None,
    }
}

fn alias(hash: &str, plaintext: Option<&str>) -> AppAlias {
    AppAlias { hash: hash.into(), plaintext: plaintext.map(str::to_owned) }
}

pub async fn an_app_id_is_registered_once_and_reads_back(dir: Arc<dyn Directory>) {
    dir.insert_embedded_app(&app("shop"), NOW).await.unwrap();
    assert!(matches!(dir.insert_embedded_app(&app("shop"), NOW).await, Err(StoreError::Conflict)));
    assert_eq!(dir.embedded_app("shop").await.unwrap(), Some(app("shop")));
    let moved = EmbeddedApp { origins: vec!["https://new.shop.example".into()], ..app("shop") };
    assert!(dir.update_embedded_app(&moved, NOW).await.unwrap());
    assert_eq!(dir.embedded_apps().await.unwrap(), vec![moved]);
    assert!(!dir.update_embedded_app(&app("other"), NOW).await.unwrap());
}

pub async fn a_credential_id_is_unique_within_an_app_not_across_apps(dir: Arc<dyn Directory>) {
    dir.insert_app_passkey(&passkey("shop", "cred-1", "u1")).await.unwrap();
    let again = dir.insert_app_passkey(&passkey("shop", "cred-1", "u2")).await;
    assert!(matches!(again, Err(StoreError::Conflict)));
    dir.insert_app_passkey(&passkey("blog", "cred-1", "u2")).await.unwrap();
    assert_eq!(dir.app_passkey("shop", "cred-1").await.unwrap().unwrap().user_id, "u1");
    assert_eq!(dir.app_passkeys_of_user("blog", "u2").await.unwrap().len(), 1);
    assert!(dir.app_passkeys_of_user("shop", "u2").await.unwrap().is_empty());
}

pub async fn an_app_passkeys_sign_in_records_its_updated_credential_and_when(dir: Arc<dyn Directory>) {
    let original = passkey("shop", "cred-1", "u1");
    dir.insert_app_passkey(&original).await.unwrap();
    let updated = AppPasskey { passkey: "{\"counter\":2}".into(), backup_state: true, ..original };
    dir.app_passkey_used(&updated, NOW + 5).await.unwrap();
    let read = dir.app_passkey("shop", "cred-1").await.unwrap().unwrap();
    assert_eq!(read, AppPasskey { last_used_at: Some(NOW + 5), ..updated });
}

pub async fn an_alias_of_another_user_is_refused_and_changes_nothing(dir: Arc<dyn Directory>) {
    dir.set_app_aliases("shop", "u1", &[alias("h-ann", Some("ann@example.com"))]).await.unwrap();
    dir.set_app_aliases("shop", "u2", &[alias("h-bob", None)]).await.unwrap();
    let taken = dir.set_app_aliases("shop", "u2", &[alias("h-bob2", None), alias("h-ann", None)]).await;
    assert!(matches!(taken, Err(StoreError::Conflict)));
    assert_eq!(dir.app_aliases_of_user("shop", "u2").await.unwrap(), vec![alias("h-bob", None)]);
    assert_eq!(dir.app_alias_owner("shop", "h-ann").await.unwrap().as_deref(), Some("u1"));
    assert_eq!(dir.app_alias_owner("blog", "h-ann").await.unwrap(), None);
    // Setting replaces: the aliases left out are gone.
    dir.set_app_aliases("shop", "u1", &[alias("h-ann2", None)]).await.unwrap();
    assert_eq!(dir.app_alias_owner("shop", "h-ann").await.unwrap(), None);
}

pub async fn users_are_listed_with_their_counts_and_deleted_whole(dir: Arc<dyn Directory>) {
    dir.insert_app_passkey(&passkey("shop", "cred-1", "u1")).await.unwrap();
    dir.insert_app_passkey(&passkey("shop", "cred-2", "u1")).await.unwrap();
    dir.set_app_aliases("shop", "u1", &[alias("h1", Some("ann")), alias("h2", None)]).await.unwrap();
    dir.set_app_aliases("shop", "u2", &[alias("h3", None)]).await.unwrap();
    let users = dir.app_users("shop").await.unwrap();
    let summary: Vec<_> = users.iter().map(|u| (u.user_id.as_str(), u.credentials, u.alias_count)).collect();
    assert_eq!(summary, vec![("u1", 2, 2), ("u2", 0, 1)]);
    assert_eq!(users[0].aliases, vec!["ann".to_string()]);
    assert!(dir.delete_app_user("shop", "u1").await.unwrap());
    assert!(dir.app_passkeys_of_user("shop", "u1").await.unwrap().is_empty());
    assert_eq!(dir.app_alias_owner("shop", "h1").await.unwrap(), None);
    assert!(!dir.delete_app_user("shop", "u1").await.unwrap());
}

pub async fn deleting_an_app_removes_its_passkeys_and_aliases_only(dir: Arc<dyn Directory>) {
    dir.insert_embedded_app(&app("shop"), NOW).await.unwrap();
    dir.insert_app_passkey(&passkey("shop", "cred-1", "u1")).await.unwrap();
    dir.insert_app_passkey(&passkey("blog", "cred-1", "u1")).await.unwrap();
    dir.set_app_aliases("shop", "u1", &[alias("h1", None)]).await.unwrap();
    assert!(dir.delete_embedded_app("shop").await.unwrap());
    assert!(dir.embedded_app("shop").await.unwrap().is_none());
    assert!(dir.app_passkey("shop", "cred-1").await.unwrap().is_none());
    assert!(dir.app_alias_owner("shop", "h1").await.unwrap().is_none());
    assert!(dir.app_passkey("blog", "cred-1").await.unwrap().is_some());
    assert!(dir.delete_app_passkey("blog", "cred-1").await.unwrap());
    assert!(!dir.delete_app_passkey("blog", "cred-1").await.unwrap());
}
