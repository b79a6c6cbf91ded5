//! The FAPI 2.0 Security Profile as a client setting: `openid-client` completes the profile's
//! flow (private_key_jwt, PAR, PKCE, DPoP), and what the profile forbids is refused.

use serde_json::json;

use crate::private_key_jwt::{ClientKey, assertion, new_key};
use crate::support::openid_client::{Mode, Rp, Signer};
use crate::support::{TestServer, client, raw_token};

async fn server_for(key: &ClientKey) -> TestServer {
    let jwks = json!({"keys": [key.jwk]}).to_string();
    TestServer::start_with(|c| {
        let mut fapi = client("fapi", None, "private_key_jwt", "ES256", &c.issuer);
        fapi.jwks = Some(jwks);
        fapi.security_profile = Some("fapi2".into());
        c.clients.push(fapi);
    })
    .await
}

fn client_assertion(server: &TestServer, key: &ClientKey, jti: &str) -> String {
    let now = server.clock.now();
    assertion(key, json!({"iss": "fapi", "sub": "fapi", "aud": server.base, "iat": now, "exp": now + 60, "jti": jti}))
}

#[tokio::test]
async fn openid_client_completes_the_fapi2_flow_with_private_key_jwt_par_pkce_and_dpop() {
    let key = new_key("fapi-1");
    let server = server_for(&key).await;
    let signer = Signer { der: &key.der, kid: &key.kid };
    let params = json!({"scope": "openid email offline_access", "prompt": "consent"});
    let mut rp = Rp::start(&server, "fapi", Some("private_key_jwt"), Mode::ParDpop, params, Some(signer));
    let url = rp.authorization_url().await;
    let callback = server.browser().sign_in(&url, "ada@example.com").await;
    assert!(callback.query_pairs().any(|(k, v)| k == "iss" && v == server.base), "RFC 9207 iss in the response");
    let outcome = rp.redeem(callback.as_str()).await;
    assert_eq!(outcome["token_type"], "dpop", "{outcome}");
    assert_eq!(outcome["userinfo"]["email"], "ada@example.com");
    assert_eq!(outcome["refreshed_token_type"], "dpop", "refreshed with the key");
    assert!(outcome["refresh_token"].is_null(), "FAPI 2.0: the refresh token is not rotated: {outcome}");
}

#[tokio::test]
async fn a_fapi2_client_is_refused_plain_requests_pushes_without_pkce_and_bearer_tokens() {
    let key = new_key("fapi-1");
    let server = server_for(&key).await;
    let redirect = server.redirect_uri("fapi");
    let plain = format!(
        "/authorize?response_type=code&client_id=fapi&redirect_uri={redirect}&scope=openid&state=s\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
    );
    let refused = server.browser().get(&plain).await;
    let location = refused.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("error=invalid_request"), "PAR is required: {location}");

    let assertion_type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    let no_pkce = [
        ("response_type", "code"),
        ("client_id", "fapi"),
        ("redirect_uri", redirect.as_str()),
        ("scope", "openid"),
        ("client_assertion_type", assertion_type),
        ("client_assertion", &client_assertion(&server, &key, "j1")),
    ];
    let response = reqwest::Client::new().post(server.url("/par")).form(&no_pkce).send().await.unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "FAPI 2.0: PKCE for every request: {body}");

    let form = [
        ("grant_type", "client_credentials"),
        ("client_assertion_type", assertion_type),
        ("client_assertion", &client_assertion(&server, &key, "j2")),
    ];
    let (status, body, _) = raw_token(&server, &form, None).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_dpop_proof")), "sender-constrained only");
}
