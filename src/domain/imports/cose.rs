//! Passkeys between their portable form (credential id, COSE public key, counter, flags) and the
//! webauthn-rs `Passkey` Tessera stores: the key is parsed and checked by webauthn-rs itself.

use std::collections::BTreeMap;

use serde_cbor_2::Value as Cbor;
use serde_json::{Value, json};
use webauthn_rs::prelude::{COSEKey, COSEKeyType, Passkey, Uuid};

/// A passkey in the form every export carries it.
#[derive(Clone, Debug, Default)]
pub struct Portable {
    pub cred_id: Vec<u8>,
    /// The credential public key, COSE-encoded (RFC 9053), as the authenticator gave it.
    pub public_key: Vec<u8>,
    pub sign_count: u32,
    pub transports: Vec<String>,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub user_verified: bool,
    pub aaguid: Option<Uuid>,
}

/// The webauthn-rs `Passkey` (as stored, JSON) for a portable passkey; `Err` says what is wrong.
pub fn to_stored(p: &Portable) -> Result<String, String> {
    if p.cred_id.is_empty() || p.cred_id.len() > 1023 {
        return Err("credential id: must be 1 to 1023 bytes".into());
    }
    let cbor: Cbor = serde_cbor_2::from_slice(&p.public_key).map_err(|_| "public key: not a COSE key".to_string())?;
    let key = COSEKey::try_from(&cbor).map_err(|e| format!("public key: {e}"))?;
    let metadata = match p.aaguid {
        Some(aaguid) if !aaguid.is_nil() => json!({"Packed": {"aaguid": aaguid}}),
        _ => json!("None"),
    };
    let transports: Vec<&str> = p.transports.iter().filter_map(|t| transport(t)).collect();
    let credential = json!({"cred": {
        "cred_id": crate::crypto::b64url(&p.cred_id),
        "cred": key,
        "counter": p.sign_count,
        "transports": if transports.is_empty() { Value::Null } else { json!(transports) },
        "user_verified": p.user_verified,
        "backup_eligible": p.backup_eligible,
        "backup_state": p.backup_state,
        "registration_policy": "required",
        "extensions": {},
        "attestation": {"data": "None", "metadata": metadata},
        "attestation_format": "none",
    }});
    let passkey: Passkey = serde_json::from_value(credential).map_err(|e| format!("passkey: {e}"))?;
    serde_json::to_string(&passkey).map_err(|e| format!("passkey: {e}"))
}

/// WebAuthn's transport names webauthn-rs knows (`cable` is hybrid's old name); others dropped.
fn transport(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "usb" => "usb",
        "nfc" => "nfc",
        "ble" => "ble",
        "internal" => "internal",
        "hybrid" | "cable" => "hybrid",
        _ => return None,
    })
}

/// The portable form of a stored passkey.
pub fn from_stored(stored: &str) -> Result<Portable, String> {
    let json: Value = serde_json::from_str(stored).map_err(|e| e.to_string())?;
    let passkey: Passkey = serde_json::from_value(json.clone()).map_err(|e| e.to_string())?;
    let cred = &json["cred"];
    let flag = |name: &str| cred[name].as_bool().unwrap_or(false);
    let transports = cred["transports"].as_array().into_iter().flatten();
    let aaguid = cred["attestation"]["metadata"].as_object().and_then(|m| m.values().next()?["aaguid"].as_str());
    Ok(Portable {
        cred_id: passkey.cred_id().to_vec(),
        public_key: encode(passkey.get_public_key())?,
        sign_count: cred["counter"].as_u64().and_then(|c| u32::try_from(c).ok()).unwrap_or(0),
        transports: transports.filter_map(|t| transport(t.as_str()?)).map(String::from).collect(),
        backup_eligible: flag("backup_eligible"),
        backup_state: flag("backup_state"),
        user_verified: flag("user_verified"),
        aaguid: aaguid.and_then(|a| Uuid::parse_str(a).ok()),
    })
}

/// A COSE key as CBOR (RFC 9053 §7: kty 1, alg 3, then the key type's parameters).
fn encode(key: &COSEKey) -> Result<Vec<u8>, String> {
    let int = |i: i64| Cbor::Integer(i.into());
    let mut map = BTreeMap::new();
    map.insert(int(3), int(key.type_ as i64));
    match &key.key {
        COSEKeyType::EC_EC2(ec) => {
            map.insert(int(1), int(2));
            map.insert(int(-1), int(ec.curve.clone() as i64));
            map.insert(int(-2), Cbor::Bytes(ec.x.clone()));
            map.insert(int(-3), Cbor::Bytes(ec.y.clone()));
        }
        COSEKeyType::EC_OKP(okp) => {
            map.insert(int(1), int(1));
            map.insert(int(-1), int(okp.curve.clone() as i64));
            map.insert(int(-2), Cbor::Bytes(okp.x.clone()));
        }
        COSEKeyType::RSA(rsa) => {
            map.insert(int(1), int(3));
            map.insert(int(-1), Cbor::Bytes(rsa.n.clone()));
            map.insert(int(-2), Cbor::Bytes(rsa.e.to_vec()));
        }
    }
    serde_cbor_2::to_vec(&Cbor::Map(map)).map_err(|e| e.to_string())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The P-256 base point (SEC 2 §2.4.2), a valid public key.
    const GX: &str = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296";
    const GY: &str = "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    /// An ES256 COSE key (RFC 9053 §7.1 layout).
    pub fn es256_key() -> Vec<u8> {
        let int = |i: i64| Cbor::Integer(i.into());
        let map = BTreeMap::from([
            (int(1), int(2)),
            (int(3), int(-7)),
            (int(-1), int(1)),
            (int(-2), Cbor::Bytes(hex(GX))),
            (int(-3), Cbor::Bytes(hex(GY))),
        ]);
        serde_cbor_2::to_vec(&Cbor::Map(map)).unwrap()
    }

    #[test]
    fn a_portable_passkey_survives_storing_and_exporting() {
        let portable = Portable {
            cred_id: vec![1, 2, 3],
            public_key: es256_key(),
            sign_count: 41,
            transports: vec!["internal".into(), "hybrid".into()],
            backup_eligible: true,
            backup_state: true,
            user_verified: true,
            aaguid: Some(Uuid::from_u128(0xadce0002_35bc_c60a_648b_0b25f1f05503)),
        };
        let back = from_stored(&to_stored(&portable).unwrap()).unwrap();
        assert_eq!(back.public_key, portable.public_key);
        assert_eq!((back.cred_id, back.sign_count, back.transports), (vec![1, 2, 3], 41, portable.transports));
        assert_eq!((back.backup_eligible, back.backup_state, back.user_verified), (true, true, true));
        assert_eq!(back.aaguid, portable.aaguid);
    }

    #[test]
    fn a_public_key_that_is_not_a_valid_cose_key_is_refused() {
        let p = |public_key: Vec<u8>| Portable { cred_id: vec![1], public_key, ..Default::default() };
        assert!(to_stored(&p(b"not cbor".to_vec())).unwrap_err().starts_with("public key"));
        let mut off_curve = es256_key();
        let last = off_curve.len() - 1;
        off_curve[last] ^= 1;
        assert!(to_stored(&p(off_curve)).unwrap_err().starts_with("public key"));
        assert!(to_stored(&Portable { cred_id: vec![], ..p(es256_key()) }).unwrap_err().starts_with("credential id"));
    }
}
