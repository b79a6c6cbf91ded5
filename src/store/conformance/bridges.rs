//! `Bridges` rules: one registration per id, updates, deletion.

use std::sync::Arc;

use crate::config::BridgeConfig;
use crate::store::conformance::records::NOW;
use crate::store::{Directory, StoreError};

fn bridge() -> BridgeConfig {
    serde_json::from_value(serde_json::json!({
        "id": "b1", "format": "jwt", "return_urls": ["https://broker.example/cb"], "audience": "broker",
    }))
    .unwrap()
}

/// `bridge()` with a longer assertion lifetime.
fn longer() -> BridgeConfig {
    BridgeConfig { assertion_lifetime_secs: 300, ..bridge() }
}

pub async fn a_bridge_id_is_registered_once(dir: Arc<dyn Directory>) {
    dir.insert_bridge(&bridge(), NOW).await.unwrap();
    assert!(matches!(dir.insert_bridge(&bridge(), NOW).await, Err(StoreError::Conflict)));
}

pub async fn an_update_replaces_a_registered_bridge(dir: Arc<dyn Directory>) {
    dir.insert_bridge(&bridge(), NOW).await.unwrap();
    assert!(dir.update_bridge(&longer(), NOW).await.unwrap());
    assert_eq!(dir.bridge("b1").await.unwrap().unwrap().assertion_lifetime_secs, 300);
    assert_eq!(dir.bridges().await.unwrap().len(), 1);
}

pub async fn a_deleted_bridge_is_gone_and_cannot_be_updated(dir: Arc<dyn Directory>) {
    dir.insert_bridge(&bridge(), NOW).await.unwrap();
    assert!(dir.delete_bridge("b1").await.unwrap());
    assert!(dir.bridge("b1").await.unwrap().is_none() && !dir.delete_bridge("b1").await.unwrap());
    assert!(!dir.update_bridge(&longer(), NOW).await.unwrap());
}
