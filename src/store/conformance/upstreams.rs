//! `Upstreams` rules: one registration per id, read back whole (secrets too), updates, deletion.

use std::sync::Arc;

use crate::config::UpstreamConfig;
use crate::store::conformance::records::NOW;
use crate::store::{Directory, StoreError};

fn upstream() -> UpstreamConfig {
    serde_json::from_value(serde_json::json!({
        "id": "corp", "kind": "oidc", "name": "Corp SSO", "issuer": "https://sso.corp.example",
        "client_id": "tessera", "client_secret": "s3cret-of-corp", "trust_verified_email": true,
    }))
    .unwrap()
}

pub async fn an_upstream_id_is_registered_once(dir: Arc<dyn Directory>) {
    dir.insert_upstream(&upstream(), NOW).await.unwrap();
    let renamed = UpstreamConfig { name: Some("Another".into()), ..upstream() };
    assert!(matches!(dir.insert_upstream(&renamed, NOW).await, Err(StoreError::Conflict)));
    assert_eq!(dir.upstream("corp").await.unwrap().unwrap().name.as_deref(), Some("Corp SSO"), "the first stays");
}

pub async fn an_upstream_reads_back_whole_with_its_secrets(dir: Arc<dyn Directory>) {
    let apple = UpstreamConfig {
        id: "apple".into(),
        kind: "apple".into(),
        client_secret: None,
        team_id: Some("TEAM123456".into()),
        key_id: Some("KEY1234567".into()),
        private_key: Some("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n".into()),
        ..upstream()
    };
    dir.insert_upstream(&apple, NOW).await.unwrap();
    dir.insert_upstream(&upstream(), NOW).await.unwrap();
    let read = dir.upstream("apple").await.unwrap().unwrap();
    assert_eq!(serde_json::to_value(&read).unwrap(), serde_json::to_value(&apple).unwrap());
    let corp = dir.upstream("corp").await.unwrap().unwrap();
    assert_eq!(corp.client_secret.as_deref(), Some("s3cret-of-corp"));
    let ids: Vec<String> = dir.upstreams().await.unwrap().into_iter().map(|u| u.id).collect();
    assert_eq!(ids, ["apple", "corp"], "listed by id");
}

pub async fn an_update_replaces_a_registered_upstream(dir: Arc<dyn Directory>) {
    dir.insert_upstream(&upstream(), NOW).await.unwrap();
    let changed = UpstreamConfig { client_secret: None, trust_verified_email: false, ..upstream() };
    assert!(dir.update_upstream(&changed, NOW + 1).await.unwrap());
    let read = dir.upstream("corp").await.unwrap().unwrap();
    assert!(read.client_secret.is_none() && !read.trust_verified_email, "replaced, not merged");
    assert_eq!(dir.upstreams().await.unwrap().len(), 1);
}

pub async fn a_deleted_upstream_is_gone_and_cannot_be_updated(dir: Arc<dyn Directory>) {
    dir.insert_upstream(&upstream(), NOW).await.unwrap();
    assert!(dir.delete_upstream("corp").await.unwrap());
    assert!(dir.upstream("corp").await.unwrap().is_none() && !dir.delete_upstream("corp").await.unwrap());
    assert!(!dir.update_upstream(&upstream(), NOW).await.unwrap());
    assert!(dir.upstreams().await.unwrap().is_empty());
}
