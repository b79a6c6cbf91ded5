//! `Consents` rules: what a user granted a client is kept as granted.

use std::sync::Arc;

use crate::model::Consent;
use crate::store::Directory;
use crate::store::conformance::records::{NOW, client, user};

pub async fn a_granted_consent_reads_back(dir: Arc<dyn Directory>) {
    let user = user(&*dir, "ada@example.com").await;
    dir.insert_client(&client("app"), NOW).await.unwrap();
    let consent = Consent { client_id: "app".into(), scopes: vec!["openid".into()], granted_at: NOW };
    dir.grant_consent(&user.id, &consent).await.unwrap();
    assert_eq!(dir.consent(&user.id, "app").await.unwrap(), Some(consent));
}
