//! `private_key_jwt` client authentication (RFC 7523, OIDC Core §9), with keys at a `jwks_uri`
//! the test publishes and rotates.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::support::receiver::Receiver;
use crate::support::{TestServer, client};

/// A client signing key: the PKCS#8 DER and its public JWK.
pub(crate) struct ClientKey {
    pub(crate) kid: String,
    pub(crate) der: Vec<u8>,
    pub(crate) jwk: serde_json::Value,
}

pub(crate) fn new_key(kid: &str) -> ClientKey {
    let der = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
        .unwrap()
        .as_ref()
        .to_vec();
    let pair = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &der).unwrap();
    let point = pair.public_key().as_ref();
    let jwk = json!({"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
                     "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])});
    ClientKey { kid: kid.into(), der, jwk }
}

pub(crate) fn assertion(key: &ClientKey, claims: serde_json::Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_der(&key.der)).unwrap()
}

fn claims(server: &TestServer, aud: &str, exp_in: i64, jti: &str) -> serde_json::Value {
    let now = server.clock.now();
    json!({"iss": "pkj", "sub": "pkj", "aud": aud, "iat": now, "exp": now + exp_in, "jti": jti})
}

/// Calls /introspect authenticating with `assertion`; 200 means the client was accepted.
async fn authenticate(server: &TestServer, assertion: &str) -> u16 {
    let form = [
        ("token", "anything"),
        ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
        ("client_assertion", assertion),
    ];
    reqwest::Client::new().post(server.url("/introspect")).form(&form).send().await.unwrap().status().as_u16()
}

async fn server_with_jwks_uri(receiver: &Receiver) -> TestServer {
    let jwks_uri = format!("{}/jwks", receiver.base);
    TestServer::start_with(|c| {
        let base = c.issuer.clone();
        let mut pkj = client("pkj", None, "private_key_jwt", "ES256", &base);
        pkj.jwks_uri = Some(jwks_uri);
        c.clients.push(pkj);
    })
    .await
}

#[tokio::test]
async fn a_fresh_signed_assertion_authenticates_the_client() {
    let receiver = Receiver::start().await;
    let key = new_key("k1");
    *receiver.jwks.lock().unwrap() = json!({"keys": [key.jwk]});
    let server = server_with_jwks_uri(&receiver).await;
    assert_eq!(authenticate(&server, &assertion(&key, claims(&server, &server.base, 60, "a"))).await, 200);
}

#[tokio::test]
async fn client_assertion_aud_must_be_the_issuer_alone() {
    let receiver = Receiver::start().await;
    let key = new_key("k1");
    *receiver.jwks.lock().unwrap() = json!({"keys": [key.jwk]});
    let server = server_with_jwks_uri(&receiver).await;
    let token_url = server.url("/token");
    assert_eq!(authenticate(&server, &assertion(&key, claims(&server, &token_url, 60, "a"))).await, 401, "token URL");
    let mut array = claims(&server, &server.base, 60, "b");
    array["aud"] = json!([server.base, "https://other.example"]);
    assert_eq!(authenticate(&server, &assertion(&key, array)).await, 401, "an array holding the issuer");
    let mut alone_in_array = claims(&server, &server.base, 60, "c");
    alone_in_array["aud"] = json!([server.base]);
    assert_eq!(authenticate(&server, &assertion(&key, alone_in_array)).await, 401, "a string, not an array");
    assert_eq!(authenticate(&server, &assertion(&key, claims(&server, &server.base, 60, "d"))).await, 200);
}

#[tokio::test]
async fn wrong_audience_expired_replayed_long_lived_or_unsigned_assertions_are_invalid_client() {
    let receiver = Receiver::start().await;
    let key = new_key("k1");
    *receiver.jwks.lock().unwrap() = json!({"keys": [key.jwk]});
    let server = server_with_jwks_uri(&receiver).await;
    let issuer = server.base.clone();
    assert_eq!(
        authenticate(&server, &assertion(&key, claims(&server, "https://other.example/token", 60, "1"))).await,
        401,
        "wrong aud"
    );
    assert_eq!(authenticate(&server, &assertion(&key, claims(&server, &issuer, -120, "2"))).await, 401, "expired");
    assert_eq!(
        authenticate(&server, &assertion(&key, claims(&server, &issuer, 3600, "3"))).await,
        401,
        "too long-lived"
    );
    let once = assertion(&key, claims(&server, &issuer, 60, "4"));
    assert_eq!(authenticate(&server, &once).await, 200);
    assert_eq!(authenticate(&server, &once).await, 401, "replayed jti");
    let mut no_exp = claims(&server, &issuer, 60, "5");
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_eq!(authenticate(&server, &assertion(&key, no_exp)).await, 401, "exp is required");
    let body = URL_SAFE_NO_PAD.encode(claims(&server, &issuer, 60, "6").to_string());
    let unsigned = format!("{}.{body}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#));
    assert_eq!(authenticate(&server, &unsigned).await, 401, "unsigned");
    let stranger = new_key("k1");
    assert_eq!(
        authenticate(&server, &assertion(&stranger, claims(&server, &issuer, 60, "7"))).await,
        401,
        "signed by another key"
    );
}

#[tokio::test]
async fn a_key_rotated_at_the_jwks_uri_is_picked_up() {
    let receiver = Receiver::start().await;
    let old = new_key("k1");
    *receiver.jwks.lock().unwrap() = json!({"keys": [old.jwk]});
    let server = server_with_jwks_uri(&receiver).await;
    let issuer = server.base.clone();
    assert_eq!(authenticate(&server, &assertion(&old, claims(&server, &issuer, 60, "a"))).await, 200);

    let new = new_key("k2");
    *receiver.jwks.lock().unwrap() = json!({"keys": [new.jwk]});
    server.clock.advance(11);
    assert_eq!(
        authenticate(&server, &assertion(&new, claims(&server, &issuer, 60, "b"))).await,
        200,
        "unknown kid: fetched again"
    );
    assert_eq!(
        authenticate(&server, &assertion(&old, claims(&server, &issuer, 60, "c"))).await,
        401,
        "the removed key no longer works"
    );
}

#[tokio::test]
async fn registered_urls_resolving_into_a_denied_network_are_not_fetched() {
    let receiver = Receiver::start().await;
    let key = new_key("k1");
    *receiver.jwks.lock().unwrap() = json!({"keys": [key.jwk]});
    let port = url::Url::parse(&receiver.base).unwrap().port().unwrap();
    let start = |deny: Vec<String>| {
        TestServer::start_with(move |c| {
            let mut pkj = client("pkj", None, "private_key_jwt", "ES256", &c.issuer);
            // A name, so the check happens after DNS resolution.
            pkj.jwks_uri = Some(format!("http://localhost:{port}/jwks"));
            c.clients.push(pkj);
            c.outbound.deny.extend(deny);
        })
    };
    let open = start(vec![]).await;
    assert_eq!(authenticate(&open, &assertion(&key, claims(&open, &open.base, 60, "a"))).await, 200);
    let guarded = start(vec!["127.0.0.0/8".into(), "::1/128".into()]).await;
    assert_eq!(authenticate(&guarded, &assertion(&key, claims(&guarded, &guarded.base, 60, "b"))).await, 401);
    assert_eq!(receiver.jwks_fetches(), 1, "the guarded server never reached the receiver");
}

#[tokio::test]
async fn a_failing_jwks_uri_is_fetched_once_for_many_assertions_at_once_and_then_rested() {
    let receiver = Receiver::start().await;
    let key = new_key("k1");
    *receiver.jwks.lock().unwrap() = json!({"keys": [key.jwk]});
    receiver.jwks_failing.store(true, std::sync::atomic::Ordering::SeqCst);
    *receiver.jwks_delay.lock().unwrap() = std::time::Duration::from_millis(300);
    let server = server_with_jwks_uri(&receiver).await;
    let at_once = (0..8).map(|i| {
        let server = &server;
        let assertion = assertion(&key, claims(server, &server.base, 60, &format!("a{i}")));
        async move { authenticate(server, &assertion).await }
    });
    assert!(futures::future::join_all(at_once).await.iter().all(|s| *s == 401));
    assert_eq!(receiver.jwks_fetches(), 1, "one fetch for eight assertions at once (single flight)");
    for i in 0..5 {
        assert_eq!(
            authenticate(&server, &assertion(&key, claims(&server, &server.base, 60, &format!("b{i}")))).await,
            401
        );
    }
    assert_eq!(receiver.jwks_fetches(), 1, "the failure is remembered (negative cache)");
    receiver.jwks_failing.store(false, std::sync::atomic::Ordering::SeqCst);
    server.clock.advance(11);
    assert_eq!(authenticate(&server, &assertion(&key, claims(&server, &server.base, 60, "c"))).await, 200);
    assert_eq!(receiver.jwks_fetches(), 2, "fetched again once the failure has rested");
}

#[tokio::test]
async fn a_jwks_uri_body_is_cut_off_at_64_kb_not_read_to_its_end() {
    let receiver = Receiver::start().await;
    let key = new_key("k1");
    let uri = format!("{}/jwks-endless", receiver.base);
    let server = TestServer::start_with(|c| {
        let mut pkj = client("pkj", None, "private_key_jwt", "ES256", &c.issuer);
        pkj.jwks_uri = Some(uri);
        c.clients.push(pkj);
    })
    .await;
    let started = std::time::Instant::now();
    assert_eq!(authenticate(&server, &assertion(&key, claims(&server, &server.base, 60, "a"))).await, 401);
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "refused at the limit, not at the timeout");
}
