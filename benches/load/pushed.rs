//! The code flow as FAPI-minded clients run it: a pushed authorization request (RFC 9126) and
//! DPoP-bound tokens (RFC 9449), with a proof signed by the load generator for each request.

use std::sync::atomic::{AtomicU64, Ordering};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;

use crate::load::{Scenario, get, post_form, send};
use crate::scenarios::{CHALLENGE, CodeFlow, VERIFIER, basic, json, ok};

/// PAR, then authorize with the `request_uri`, then the token request; both POSTs carry a
/// fresh DPoP proof, and the token must come back bound.
pub struct PushedDpopFlow {
    pub flow: CodeFlow,
    key: EcdsaKeyPair,
    /// The proof header (with the public JWK), base64url, the same for every proof.
    header: String,
    next_jti: AtomicU64,
}

impl PushedDpopFlow {
    pub fn new(flow: CodeFlow) -> PushedDpopFlow {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("a P-256 key");
        let point = key.public_key().as_ref();
        let jwk = serde_json::json!({"kty": "EC", "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])});
        let header = serde_json::json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk});
        let header = URL_SAFE_NO_PAD.encode(header.to_string());
        PushedDpopFlow { flow, key, header, next_jti: AtomicU64::new(tessera::crypto::random_u64()) }
    }

    /// A proof for `POST url` (RFC 9449 §4.2).
    fn proof(&self, url: &str) -> String {
        let jti = self.next_jti.fetch_add(1, Ordering::Relaxed);
        let iat = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let claims = serde_json::json!({"jti": format!("{jti:x}"), "htm": "POST", "htu": url, "iat": iat});
        let input = format!("{}.{}", self.header, URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = self.key.sign(&SystemRandom::new(), input.as_bytes()).expect("ES256 signs");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }

    async fn push(&self) -> Result<String, String> {
        let f = &self.flow;
        let url = format!("{}/par", f.base);
        let body = format!(
            "response_type=code&client_id={}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&scope=openid%20email\
             &state=s&nonce=n&code_challenge={CHALLENGE}&code_challenge_method=S256",
            f.client_id
        );
        let mut request = post_form(&url, body);
        request.headers_mut().insert("authorization", basic(&f.client_id).parse().map_err(|_| "header")?);
        request.headers_mut().insert("dpop", self.proof(&url).parse().map_err(|_| "header")?);
        let pushed = json(&ok(send(&f.http, request).await?, 201)?)?;
        pushed["request_uri"].as_str().map(str::to_owned).ok_or_else(|| "no request_uri".into())
    }
}

impl Scenario for PushedDpopFlow {
    type Worker = ();
    async fn worker(&self, _: usize) {}
    async fn step(&self, _: &mut ()) -> Result<(), String> {
        let f = &self.flow;
        let request_uri = self.push().await?;
        let authorize = format!("{}/authorize?client_id={}&request_uri={request_uri}", f.base, f.client_id);
        let request = get(&authorize).header("cookie", &f.cookie).body(Bytes::new()).map_err(|e| e.to_string())?;
        let answer = send(&f.http, request).await?;
        let redirect = answer.location.ok_or(format!("status {}", answer.status))?;
        let code = redirect.split("code=").nth(1).and_then(|r| r.split('&').next()).ok_or("no code")?.to_string();
        let url = format!("{}/token", f.base);
        let body = format!(
            "grant_type=authorization_code&code={code}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&code_verifier={VERIFIER}"
        );
        let mut request = post_form(&url, body);
        request.headers_mut().insert("authorization", basic(&f.client_id).parse().map_err(|_| "header")?);
        request.headers_mut().insert("dpop", self.proof(&url).parse().map_err(|_| "header")?);
        let tokens = json(&ok(send(&f.http, request).await?, 200)?)?;
        if tokens["token_type"] != "DPoP" {
            return Err(format!("token_type {}", tokens["token_type"]));
        }
        Ok(())
    }
}
