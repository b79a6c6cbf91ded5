//! Signed request objects (RFC 9101, OIDC Core §6.1) with `openid-client` as the relying party,
//! alone and pushed (RFC 9126 §3), and the refusals: another key, another audience, expiry,
//! nested references, and a client that must sign sending a plain request.

use serde_json::json;

use crate::private_key_jwt::{ClientKey, assertion, new_key};
use crate::support::openid_client::{Mode, Rp, Signer};
use crate::support::{Browser, TestServer, WEB_SECRET, browser, client};

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A confidential client that registered `key` and must sign its requests.
async fn server_for(key: &ClientKey) -> TestServer {
    let jwks = json!({"keys": [key.jwk]}).to_string();
    TestServer::start_with(|c| {
        let mut signer = client("signer", Some(WEB_SECRET), "client_secret_basic", "ES256", &c.issuer);
        signer.jwks = Some(jwks);
        signer.require_signed_request_object = true;
        c.clients.push(signer);
    })
    .await
}

fn request_claims(server: &TestServer, extra: serde_json::Value) -> serde_json::Value {
    let now = server.clock.now();
    let mut claims = json!({
        "iss": "signer", "aud": server.base, "exp": now + 300, "nbf": now, "client_id": "signer",
        "response_type": "code", "redirect_uri": server.redirect_uri("signer"), "scope": "openid",
        "state": "inner", "code_challenge": CHALLENGE, "code_challenge_method": "S256",
    });
    for (name, value) in extra.as_object().unwrap() {
        claims[name] = value.clone();
    }
    claims
}

fn authorize_with(server: &TestServer, request: &str, outer: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("client_id", "signer").append_pair("request", request).extend_pairs(outer);
    server.url(&format!("/authorize?{}", query.finish()))
}

#[tokio::test]
async fn openid_client_signs_in_with_a_signed_request_object() {
    let key = new_key("rp-1");
    let server = server_for(&key).await;
    let signer = Signer { der: &key.der, kid: &key.kid };
    let mut rp = Rp::start(&server, "signer", Some(WEB_SECRET), Mode::Jar, json!({}), Some(signer));
    let url = rp.authorization_url().await;
    assert!(url.contains("request="), "{url}");
    let callback = server.browser().sign_in(&url, "ada@example.com").await;
    let outcome = rp.redeem(callback.as_str()).await;
    assert_eq!(outcome["claims"]["email"], "ada@example.com", "{outcome}");
}

#[tokio::test]
async fn openid_client_pushes_a_signed_request_object() {
    let key = new_key("rp-1");
    let server = server_for(&key).await;
    let signer = Signer { der: &key.der, kid: &key.kid };
    let mut rp = Rp::start(&server, "signer", Some(WEB_SECRET), Mode::ParJar, json!({}), Some(signer));
    let url = rp.authorization_url().await;
    assert!(url.contains("request_uri=") && !url.contains("request="), "{url}");
    let callback = server.browser().sign_in(&url, "ada@example.com").await;
    assert_eq!(rp.redeem(callback.as_str()).await["claims"]["email"], "ada@example.com");
}

#[tokio::test]
async fn the_request_objects_values_take_precedence_over_the_query() {
    let key = new_key("rp-1");
    let server = server_for(&key).await;
    let object = assertion(&key, request_claims(&server, json!({})));
    let outer = [("state", "outer"), ("scope", "openid email")];
    let browser = server.browser();
    let callback = browser.sign_in(&authorize_with(&server, &object, &outer), "ada@example.com").await;
    assert_eq!(browser::param(&callback, "state").as_deref(), Some("inner"), "OIDC Core §6.1");
}

#[tokio::test]
async fn a_request_object_signed_by_another_key_or_for_another_server_is_refused() {
    let key = new_key("rp-1");
    let server = server_for(&key).await;
    let stranger = new_key("rp-1");
    let outer = [("redirect_uri", server.redirect_uri("signer")), ("state", "outer".into())];
    let outer: Vec<(&str, &str)> = outer.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let cases = [
        assertion(&stranger, request_claims(&server, json!({}))),
        assertion(&key, request_claims(&server, json!({"aud": "https://elsewhere.example"}))),
        assertion(&key, request_claims(&server, json!({"iss": "web"}))),
        assertion(&key, request_claims(&server, json!({"exp": server.clock.now() - 120}))),
        assertion(&key, request_claims(&server, json!({"request_uri": "https://x.example/r"}))),
    ];
    for object in cases {
        let response = server.browser().get(&authorize_with(&server, &object, &outer)).await;
        let location = url::Url::parse(&Browser::location(&response)).unwrap();
        assert_eq!(browser::param(&location, "error").as_deref(), Some("invalid_request_object"));
        assert_eq!(browser::param(&location, "state").as_deref(), Some("outer"), "the verified outer redirect");
    }
    let unverified = server.browser().get(&authorize_with(&server, "not.a.jwt", &[])).await;
    assert_eq!(unverified.status(), 400, "without a registered outer redirect_uri the error is a page");
}

#[tokio::test]
async fn a_client_that_must_sign_cannot_send_a_plain_request() {
    let key = new_key("rp-1");
    let server = server_for(&key).await;
    let plain = format!(
        "/authorize?response_type=code&client_id=signer&redirect_uri={}&scope=openid&state=s1\
         &code_challenge={CHALLENGE}&code_challenge_method=S256",
        server.redirect_uri("signer")
    );
    let refused = server.browser().get(&plain).await;
    let location = url::Url::parse(&Browser::location(&refused)).unwrap();
    assert_eq!(browser::param(&location, "error").as_deref(), Some("invalid_request"), "RFC 9101 §10.5");
}
