//! `Clients` rules: one registration per id, every field kept, updates, deletion without heirs.

use std::sync::Arc;

use crate::model::{AuthMethod, Client, Consent};
use crate::store::conformance::records::{NOW, client, user};
use crate::store::{Directory, StoreError};

pub async fn a_client_id_is_registered_once(dir: Arc<dyn Directory>) {
    dir.insert_client(&client("app"), NOW).await.unwrap();
    assert!(matches!(dir.insert_client(&client("app"), NOW).await, Err(StoreError::Conflict)));
}

pub async fn a_client_reads_back_as_registered(dir: Arc<dyn Directory>) {
    dir.insert_client(&client("app"), NOW).await.unwrap();
    let stored = dir.client("app").await.unwrap().unwrap();
    assert_eq!(stored.secret_hash, Some([7; 32]));
    assert_eq!(stored.auth_method, AuthMethod::ClientSecretPost);
    assert_eq!(stored.backchannel_logout_uri.as_deref(), Some("https://app.example/bcl"));
    assert!(stored.backchannel_logout_session_required);
    assert_eq!(stored.client_credentials_scopes, ["reports:read"]);
    assert_eq!((stored.primary_color.as_deref(), stored.third_party), (Some("#112233"), true));
    assert_eq!(stored.logo_uri.as_deref(), Some("https://app.example/logo.svg"));
    assert_eq!(stored.options, client("app").options);
    assert_eq!(dir.clients().await.unwrap().len(), 1);
}

pub async fn an_update_replaces_an_existing_registration_only(dir: Arc<dyn Directory>) {
    dir.insert_client(&client("app"), NOW).await.unwrap();
    let renamed = Client { name: "Renamed".into(), secret_hash: None, auth_method: AuthMethod::None, ..client("app") };
    assert!(dir.update_client(&renamed, NOW).await.unwrap());
    let read = dir.client("app").await.unwrap().unwrap();
    assert_eq!((read.name.as_str(), read.secret_hash, read.auth_method), ("Renamed", None, AuthMethod::None));
    assert!(!dir.update_client(&Client { id: "ghost".into(), ..renamed }, NOW).await.unwrap());
}

pub async fn deleting_a_client_leaves_nothing_for_a_new_client_of_the_same_id(dir: Arc<dyn Directory>) {
    let user = user(&*dir, "ada@example.com").await;
    dir.insert_client(&client("app"), NOW).await.unwrap();
    let consent = Consent { client_id: "app".into(), scopes: vec!["openid".into()], granted_at: NOW };
    dir.grant_consent(&user.id, &consent).await.unwrap();
    assert_eq!(dir.consent(&user.id, "app").await.unwrap(), Some(consent));
    assert!(dir.delete_client("app").await.unwrap());
    assert!(dir.consent(&user.id, "app").await.unwrap().is_none(), "a new client of the same id inherits nothing");
    assert!(!dir.delete_client("app").await.unwrap());
}
