//! `Apis` rules: one registration per identifier, updates, deletion.

use std::sync::Arc;

use crate::config::ApiConfig;
use crate::store::conformance::records::NOW;
use crate::store::{Directory, StoreError};

fn api() -> ApiConfig {
    ApiConfig {
        identifier: "https://notes.example/api".into(),
        name: Some("Notes".into()),
        scopes: vec!["read:notes".into()],
        token_lifetime_secs: None,
        signing_alg: "ES256".into(),
    }
}

pub async fn an_api_identifier_is_registered_once(dir: Arc<dyn Directory>) {
    dir.insert_api(&api(), NOW).await.unwrap();
    assert!(matches!(dir.insert_api(&api(), NOW).await, Err(StoreError::Conflict)));
    assert_eq!(dir.api("https://notes.example/api").await.unwrap(), Some(api()));
}

pub async fn an_update_replaces_a_registered_api(dir: Arc<dyn Directory>) {
    dir.insert_api(&api(), NOW).await.unwrap();
    let longer = ApiConfig { token_lifetime_secs: Some(7200), ..api() };
    assert!(dir.update_api(&longer, NOW).await.unwrap());
    assert_eq!(dir.apis().await.unwrap(), vec![longer]);
}

pub async fn a_deleted_api_is_gone_and_cannot_be_updated(dir: Arc<dyn Directory>) {
    dir.insert_api(&api(), NOW).await.unwrap();
    assert!(dir.delete_api("https://notes.example/api").await.unwrap());
    assert!(dir.api("https://notes.example/api").await.unwrap().is_none());
    assert!(!dir.delete_api("https://notes.example/api").await.unwrap());
    assert!(!dir.update_api(&api(), NOW).await.unwrap());
}
