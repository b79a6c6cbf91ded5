//! The credentials as `@passwordlessdev/passwordless-client` sends them, read into the shapes
//! webauthn-rs verifies. Passwordless.dev's server reads JSON without regard to case, and the
//! client relies on it (`AttestationObject`, `clientDataJson`), so names are matched the same way.

use serde_json::{Map, Value, json};
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use super::{Embedded, EmbeddedError};

/// The member of `object` named `name`, whatever its case.
pub fn member<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

fn text(object: &Value, name: &str) -> Embedded<String> {
    match member(object, name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(EmbeddedError::argument(format!("The credential's {name} is missing."))),
    }
}

/// Reads a registration (`navigator.credentials.create`'s answer).
pub fn registration(credential: &Value) -> Embedded<(RegisterPublicKeyCredential, Option<bool>)> {
    let response = member(credential, "response")
        .ok_or_else(|| EmbeddedError::argument("The credential's response is missing."))?;
    let mut raw = Map::new();
    raw.insert("attestationObject".into(), json!(text(response, "attestationObject")?));
    raw.insert("clientDataJSON".into(), json!(text(response, "clientDataJSON")?));
    if let Some(Value::Array(transports)) = member(response, "transports") {
        // Transports webauthn-rs does not know (`hybrid` on older versions) are dropped, not refused.
        let known: Vec<&Value> = transports
            .iter()
            .filter(|t| matches!(t.as_str(), Some("usb" | "nfc" | "ble" | "internal" | "hybrid" | "test")))
            .collect();
        raw.insert("transports".into(), json!(known));
    }
    let shaped = json!({
        "id": text(credential, "id")?,
        "rawId": text(credential, "rawId")?,
        "type": text(credential, "type")?,
        "response": raw,
    });
    let discoverable = member(credential, "clientExtensionResults")
        .and_then(|e| member(e, "credProps"))
        .and_then(|p| member(p, "rk"))
        .and_then(Value::as_bool);
    let parsed =
        serde_json::from_value(shaped).map_err(|_| EmbeddedError::argument("The credential is not readable."))?;
    Ok((parsed, discoverable))
}

/// Reads an assertion (`navigator.credentials.get`'s answer).
pub fn assertion(credential: &Value) -> Embedded<PublicKeyCredential> {
    let response = member(credential, "response")
        .ok_or_else(|| EmbeddedError::argument("The credential's response is missing."))?;
    let mut raw = Map::new();
    raw.insert("authenticatorData".into(), json!(text(response, "authenticatorData")?));
    raw.insert("clientDataJSON".into(), json!(text(response, "clientDataJSON")?));
    raw.insert("signature".into(), json!(text(response, "signature")?));
    if let Some(Value::String(handle)) = member(response, "userHandle") {
        raw.insert("userHandle".into(), json!(handle));
    }
    let shaped = json!({
        "id": text(credential, "id")?,
        "rawId": text(credential, "rawId")?,
        "type": text(credential, "type")?,
        "response": raw,
    });
    serde_json::from_value(shaped).map_err(|_| EmbeddedError::argument("The credential is not readable."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clients_capitalised_members_are_read() {
        let sent = json!({"id": "AQID", "rawId": "AQID", "type": "public-key", "clientExtensionResults": {"credProps": {"rk": true}},
            "response": {"AttestationObject": "AQID", "clientDataJson": "AQID", "transports": ["internal", "carrier-pigeon"]}});
        let (credential, discoverable) = registration(&sent).unwrap();
        assert_eq!(credential.raw_id, vec![1, 2, 3]);
        assert_eq!(discoverable, Some(true));
    }

    #[test]
    fn a_credential_without_its_response_is_refused() {
        assert!(assertion(&json!({"id": "AQID", "rawId": "AQID", "type": "public-key"})).is_err());
        assert!(
            registration(&json!({"id": "AQID", "rawId": "!!", "type": "public-key",
            "response": {"attestationObject": "AQID", "clientDataJSON": "AQID"}}))
            .is_err()
        );
    }
}
