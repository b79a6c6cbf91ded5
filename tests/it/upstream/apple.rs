//! Sign in with Apple against a stand-in that records Apple's request formats: the client
//! secret is an ES256 JWT from the team's key (`iss` team, `sub` client id, `aud` Apple), sent
//! in the body; the answer is a form post from Apple's site, carrying the name the first time;
//! `email_verified` comes as the string "true".

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use tessera::config::UpstreamConfig;

use super::standin::StandIn;
use super::{PROVIDER, state_and_nonce, to_upstream};
use crate::support::TestServer;
use crate::support::browser::{Browser, param};

const EMAIL: &str = "ada@privaterelay.appleid.com";

fn decode(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn apple_gets_a_signed_client_secret_and_its_form_post_with_the_name_signs_in() {
    let standin = StandIn::start().await;
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let public = key.public_key().as_ref().to_vec();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("AuthKey_KEY1234567.p8");
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        STANDARD.encode(key.to_pkcs8v1().unwrap().as_ref())
    );
    std::fs::write(&path, pem).unwrap();
    let config = UpstreamConfig {
        kind: "apple".into(),
        client_secret: None,
        team_id: Some("TEAM123456".into()),
        key_id: Some("KEY1234567".into()),
        private_key_file: Some(path),
        ..super::upstream(&standin.issuer, true)
    };
    let server = TestServer::start_with(move |c| c.upstreams = vec![config]).await;
    let browser = server.browser();
    let (_, url) = to_upstream(&server, &browser).await;
    assert_eq!(param(&url, "response_mode").as_deref(), Some("form_post"));
    assert_eq!(param(&url, "scope").as_deref(), Some("openid name email"));
    let (state, nonce) = state_and_nonce(&url);
    let mut claims = standin.claims(&nonce, "000123.apple", EMAIL, true);
    claims["email_verified"] = json!("true");
    standin.answer_with(standin.sign(&claims));

    let user = r#"{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"ada@privaterelay.appleid.com"}"#;
    let form = [("state", state.as_str()), ("code", "apple-code"), ("user", user)];
    let posted = browser.post(&format!("/login/upstream/{PROVIDER}/callback"), &form).await;
    let onward = Browser::location(&posted);
    assert!(onward.starts_with(&format!("/login/upstream/{PROVIDER}/callback?")), "on as a GET: {onward}");
    let response = browser.get(&onward).await;
    assert!(Browser::location(&response).starts_with("/authorize/resume/"), "signed in");

    let (form, basic) = standin.token_request.lock().unwrap().clone().unwrap();
    assert_eq!(basic, None, "Apple reads the secret from the body");
    assert_eq!(form["client_id"], "down");
    let secret = &form["client_secret"];
    let parts: Vec<&str> = secret.split('.').collect();
    assert_eq!(decode(parts[0]), json!({"alg": "ES256", "kid": "KEY1234567"}));
    let body = decode(parts[1]);
    assert_eq!(
        (&body["iss"], &body["sub"], &body["aud"]),
        (&json!("TEAM123456"), &json!("down"), &json!("https://appleid.apple.com"))
    );
    assert!(body["exp"].as_i64().unwrap() > body["iat"].as_i64().unwrap());
    let signed = format!("{}.{}", parts[0], parts[1]);
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    aws_lc_rs::signature::UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
        .verify(signed.as_bytes(), &signature)
        .expect("signed by the team's key");

    let created = server.state.directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(created.metadata["name"], "Ada Lovelace", "the name Apple sends once is kept");
}
