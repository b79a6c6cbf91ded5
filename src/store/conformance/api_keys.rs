//! `ApiKeys` rules: one key per id, found by hash while live, revoked once.

use std::sync::Arc;

use crate::model::ApiKey;
use crate::store::conformance::records::NOW;
use crate::store::{Directory, StoreError};

fn key() -> ApiKey {
    ApiKey {
        id: "k1".into(),
        name: "ci".into(),
        hash: [9; 32],
        scopes: vec!["users:read".into()],
        created_at: NOW,
        revoked_at: None,
    }
}

pub async fn an_api_key_id_is_registered_once(dir: Arc<dyn Directory>) {
    dir.insert_api_key(&key()).await.unwrap();
    assert!(matches!(dir.insert_api_key(&key()).await, Err(StoreError::Conflict)));
}

pub async fn an_api_key_is_found_by_its_hash_until_revoked(dir: Arc<dyn Directory>) {
    dir.insert_api_key(&key()).await.unwrap();
    assert_eq!(dir.api_key_by_hash(&[9; 32]).await.unwrap(), Some(key()));
    assert!(dir.revoke_api_key("k1", NOW + 1).await.unwrap());
    assert!(dir.api_key_by_hash(&[9; 32]).await.unwrap().is_none());
}

pub async fn an_api_key_is_revoked_once_and_listed_with_when(dir: Arc<dyn Directory>) {
    dir.insert_api_key(&key()).await.unwrap();
    assert!(dir.revoke_api_key("k1", NOW + 1).await.unwrap());
    assert!(!dir.revoke_api_key("k1", NOW + 2).await.unwrap());
    assert_eq!(dir.api_keys().await.unwrap()[0].revoked_at, Some(NOW + 1));
}
