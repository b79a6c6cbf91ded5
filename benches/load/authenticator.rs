//! A software passkey for the load generator: one P-256 key, attestation `none`, a counter that
//! stays 0 (as synced passkeys report it), so any number of concurrent sign-ins may use it.
//! It writes the CTAP2 structures by hand (WebAuthn §6.1 authenticator data, §6.5 attestation
//! object, RFC 9053 §7.1.1 COSE EC2 key).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::json;
use tessera::crypto::{b64url, sha256};

pub struct SoftPasskey {
    key: EcdsaKeyPair,
    rng: SystemRandom,
    pub cred_id: Vec<u8>,
    rp_id: String,
    origin: String,
}

/// WebAuthn §6.1 flags: user present, user verified, backup eligible and backed up (synced).
const UP_UV_BE_BS: u8 = 0x01 | 0x04 | 0x08 | 0x10;
/// ... and attested credential data included.
const AT: u8 = 0x40;

/// A CBOR head (RFC 8949 §3): major type and argument.
fn head(out: &mut Vec<u8>, major: u8, n: usize) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=255 => out.extend([m | 24, n as u8]),
        _ => {
            out.push(m | 25);
            out.extend((n as u16).to_be_bytes());
        }
    }
}

fn bytes(out: &mut Vec<u8>, b: &[u8]) {
    head(out, 2, b.len());
    out.extend_from_slice(b);
}

fn text(out: &mut Vec<u8>, s: &str) {
    head(out, 3, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// A negative integer `-1 - n`.
fn negative(out: &mut Vec<u8>, n: usize) {
    head(out, 1, n);
}

impl SoftPasskey {
    pub fn new(rp_id: &str, origin: &str) -> SoftPasskey {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).expect("a P-256 key");
        let mut cred_id = vec![0u8; 32];
        tessera::crypto::fill(&mut cred_id);
        SoftPasskey { key, rng: SystemRandom::new(), cred_id, rp_id: rp_id.into(), origin: origin.into() }
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        json!({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false})
            .to_string()
            .into_bytes()
    }

    fn auth_data(&self, flags: u8) -> Vec<u8> {
        let mut data = sha256(self.rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend(0u32.to_be_bytes());
        data
    }

    /// The COSE_Key of the public key: kty EC2, alg ES256, crv P-256, x, y.
    pub fn cose_key(&self) -> Vec<u8> {
        let point = self.key.public_key().as_ref();
        let mut out = Vec::new();
        head(&mut out, 5, 5);
        out.extend([0x01, 0x02, 0x03]);
        negative(&mut out, 6);
        negative(&mut out, 0);
        out.push(0x01);
        negative(&mut out, 1);
        bytes(&mut out, &point[1..33]);
        negative(&mut out, 2);
        bytes(&mut out, &point[33..65]);
        out
    }

    /// `navigator.credentials.create`'s answer, as the browser SDK sends it.
    pub fn register(&self, challenge: &str) -> serde_json::Value {
        let mut auth = self.auth_data(UP_UV_BE_BS | AT);
        auth.extend([0u8; 16]);
        auth.extend((self.cred_id.len() as u16).to_be_bytes());
        auth.extend(&self.cred_id);
        auth.extend(self.cose_key());
        let mut attestation = Vec::new();
        head(&mut attestation, 5, 3);
        text(&mut attestation, "fmt");
        text(&mut attestation, "none");
        text(&mut attestation, "attStmt");
        head(&mut attestation, 5, 0);
        text(&mut attestation, "authData");
        bytes(&mut attestation, &auth);
        let id = b64url(&self.cred_id);
        json!({"id": id, "rawId": id, "type": "public-key", "clientExtensionResults": {},
            "response": {"AttestationObject": b64url(&attestation),
                         "clientDataJson": b64url(&self.client_data("webauthn.create", challenge))}})
    }

    /// `navigator.credentials.get`'s answer: a signature over the authenticator data and the
    /// client data's hash (WebAuthn §6.3.3).
    pub fn assert(&self, challenge: &str) -> serde_json::Value {
        self.assert_as(&self.cred_id, challenge)
    }

    /// The same answer from another credential of this key (the load generator gives each of
    /// its people a credential id of their own, all with one key pair).
    pub fn assert_as(&self, cred_id: &[u8], challenge: &str) -> serde_json::Value {
        let auth = self.auth_data(UP_UV_BE_BS);
        let client = self.client_data("webauthn.get", challenge);
        let mut signed = auth.clone();
        signed.extend(sha256(&client));
        let signature = self.key.sign(&self.rng, &signed).expect("a signature");
        let id = b64url(cred_id);
        json!({"id": id, "rawId": id, "type": "public-key", "clientExtensionResults": {},
            "response": {"authenticatorData": b64url(&auth), "clientDataJson": b64url(&client),
                         "signature": b64url(signature.as_ref())}})
    }
}
