//! The readers against sample lines of each format (the samples of `docs/import.md`).

use super::cose::tests::es256_key;
use super::{Format, parse};

fn b64(bytes: &[u8]) -> String {
    crate::crypto::b64url(bytes)
}

#[test]
fn an_auth0_export_line_keeps_proof_metadata_and_blocking() {
    let line = r#"{"user_id":"auth0|5f7c8ec7c33c6c004bbafe82","email":"Ann@Example.com","email_verified":true,
        "phone_number":"+14155550100","phone_verified":false,"blocked":true,"created_at":"2023-11-14T22:13:20.000Z",
        "user_metadata":{"theme":"dark"},"app_metadata":{"plan":"pro"},"identities":[{"provider":"auth0"}]}"#;
    let u = parse(Format::Auth0, &line.replace('\n', ""), None).unwrap();
    assert_eq!(u.external_id, "auth0|5f7c8ec7c33c6c004bbafe82");
    assert_eq!(u.email.unwrap().as_str(), "ann@example.com");
    assert!(u.email_verified && !u.phone_verified && !u.active);
    assert_eq!(u.created_at, Some(1_700_000_000));
    assert_eq!(
        (u.metadata["user_metadata"]["theme"].as_str(), u.metadata["app_metadata"]["plan"].as_str()),
        (Some("dark"), Some("pro"))
    );
}

#[test]
fn a_passwordless_dev_listing_brings_its_keys_and_keeps_a_uuid_user_handle() {
    let handle = uuid::Uuid::new_v4();
    let line = serde_json::json!({"values": [{
        "descriptor": {"type": "public-key", "id": b64(b"cred-1")},
        "publicKey": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, es256_key()),
        "userHandle": b64(handle.as_bytes()), "signatureCounter": 7, "attestationFmt": "none",
        "createdAt": "2023-11-14T22:13:20Z", "lastUsedAt": "2023-11-14T22:13:30Z",
        "aaGuid": "00000000-0000-0000-0000-000000000000", "rpid": "example.com", "origin": "https://example.com",
        "country": "", "device": "Chrome, Windows 10", "nickname": "Laptop", "userId": "app-user-1",
        "backupState": true, "isBackupEligible": true, "isDiscoverable": true
    }]});
    let u = parse(Format::Passwordless, &line.to_string(), Some("example.com")).unwrap();
    assert_eq!((u.external_id.as_str(), u.id.unwrap().0), ("app-user-1", handle.to_string()));
    let p = &u.passkeys[0];
    assert_eq!((p.cred_id.as_str(), p.name.as_str()), (b64(b"cred-1").as_str(), "Laptop"));
    assert!(p.backup_eligible && p.backup_state);
    assert_eq!(p.last_used_at, Some(1_700_000_010));
    let elsewhere = parse(Format::Passwordless, &line.to_string(), Some("tessera.example")).unwrap_err();
    assert!(elsewhere.contains("rpid"), "{elsewhere}");
}

#[test]
fn a_passage_user_brings_its_devices() {
    let line = serde_json::json!({"id": "8AH8wD9pjjh8jkJ6vi2nQDmv", "email": "ann@example.com", "email_verified": true,
        "status": "active", "created_at": "2023-11-14T22:13:20Z", "user_metadata": {"team": "a"},
        "webauthn_devices": [{"id": "dev1", "cred_id": b64(b"cred-2"), "public_key": b64(&es256_key()),
            "sign_count": 3, "friendly_name": "iPhone", "created_at": "2023-11-14T22:13:20Z"}]});
    let u = parse(Format::Passage, &line.to_string(), None).unwrap();
    assert_eq!((u.external_id.as_str(), u.metadata["team"].as_str()), ("8AH8wD9pjjh8jkJ6vi2nQDmv", Some("a")));
    assert_eq!((u.passkeys.len(), u.passkeys[0].name.as_str()), (1, "iPhone"));
}

#[test]
fn a_bad_line_says_where_and_why() {
    let refused = |format, line: &str| parse(format, line, None).unwrap_err();
    assert!(refused(Format::Tessera, "{not json").contains("key must be a string"));
    assert!(refused(Format::Tessera, r#"{"email":"a@example.com"}"#).contains("external_id"));
    assert!(refused(Format::Tessera, r#"{"id":"x","email":"nope"}"#).starts_with("email:"));
    assert!(refused(Format::Tessera, r#"{"id":"x","colour":"red"}"#).contains("unknown field"));
    let bad_key = r#"{"id":"x","passkeys":[{"credential_id":"AQ","public_key":"AAAA"}]}"#;
    assert!(refused(Format::Tessera, bad_key).starts_with("passkeys[0].public key"));
    assert!(refused(Format::Auth0, r#"{"user_id":"","email":"a@example.com"}"#).contains("external id"));
    assert!(refused(Format::Auth0, r#"{"user_id":"a","created_at":"yesterday"}"#).contains("RFC 3339"));
    assert!(refused(Format::Passwordless, r#"{"values":[]}"#).contains("no credentials"));
}
