//! DPoP (RFC 9449): `openid-client` binds its tokens to a key through PAR and uses them at
//! userinfo and for a refresh; hand-made proofs check the refusals the RFC lists.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::private_key_jwt::{ClientKey, new_key};
use crate::support::openid_client::{Mode, Rp};
use crate::support::{TestServer, WEB_SECRET, client, raw_token};

fn proof(key: &ClientKey, htm: &str, htu: &str, iat: i64, extra: serde_json::Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.typ = Some("dpop+jwt".into());
    let mut jwk = key.jwk.clone();
    jwk.as_object_mut().unwrap().retain(|name, _| ["kty", "crv", "x", "y"].contains(&name.as_str()));
    header.jwk = Some(serde_json::from_value(jwk).unwrap());
    let mut claims = json!({"jti": crate::support::process::free_port().to_string() + &iat.to_string(), "htm": htm, "htu": htu, "iat": iat});
    for (name, value) in extra.as_object().unwrap() {
        claims[name] = value.clone();
    }
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_der(&key.der)).unwrap()
}

async fn client_credentials(
    server: &TestServer,
    proof: Option<&str>,
) -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
    let mut request = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth("web", Some(WEB_SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", "reports:read")]);
    if let Some(proof) = proof {
        request = request.header("DPoP", proof);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, response.json().await.unwrap(), headers)
}

#[tokio::test]
async fn openid_client_binds_its_tokens_through_par_and_uses_them_with_server_nonces() {
    let server = TestServer::start_with(|c| c.oauth.dpop_nonces = true).await;
    let params = json!({"scope": "openid email offline_access", "prompt": "consent"});
    let mut rp = Rp::start(&server, "web", Some(WEB_SECRET), Mode::ParDpop, params, None);
    let url = rp.authorization_url().await;
    let callback = server.browser().sign_in(&url, "ada@example.com").await;
    let outcome = rp.redeem(callback.as_str()).await;
    assert_eq!(outcome["token_type"], "dpop", "{outcome}");
    assert_eq!(outcome["userinfo"]["email"], "ada@example.com", "userinfo with the DPoP scheme and a proof");
    assert_eq!(outcome["refreshed_token_type"], "dpop", "the refreshed token is bound too");

    let token = outcome["access_token"].as_str().unwrap();
    let bearer = reqwest::Client::new().get(server.url("/userinfo")).bearer_auth(token).send().await.unwrap();
    assert_eq!(bearer.status(), 401, "RFC 9449 §7.1: a bound token is no Bearer token");
    assert!(bearer.headers()["www-authenticate"].to_str().unwrap().starts_with("DPoP "));
    let form = [("token", token)];
    let introspected: serde_json::Value = reqwest::Client::new()
        .post(server.url("/introspect"))
        .basic_auth("web", Some(WEB_SECRET))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(introspected["token_type"], "DPoP");
    assert_eq!(introspected["cnf"]["jkt"].as_str().map(str::len), Some(43), "RFC 9449 §6.2: {introspected}");
}

#[tokio::test]
async fn a_public_clients_refresh_token_is_bound_to_its_key() {
    let server = TestServer::start().await;
    let params = json!({"scope": "openid offline_access", "prompt": "consent"});
    let mut rp = Rp::start(&server, "spa", None, Mode::Dpop, params, None);
    let url = rp.authorization_url().await;
    let callback = server.browser().sign_in(&url, "ada@example.com").await;
    let outcome = rp.redeem(callback.as_str()).await;
    let refresh = outcome["refresh_token"].as_str().expect("refreshed with the key");
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", "spa")];
    let (status, body, _) = raw_token(&server, &form, None).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_dpop_proof")), "no proof: {body}");
    let stranger = new_key("other");
    let now = server.clock.now();
    let response = reqwest::Client::new()
        .post(server.url("/token"))
        .header("DPoP", proof(&stranger, "POST", &server.url("/token"), now, json!({})))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "another key's proof");
}

#[tokio::test]
async fn the_token_endpoint_refuses_proofs_for_another_request_or_replayed() {
    let server = TestServer::start().await;
    let key = new_key("k");
    let (url, now) = (server.url("/token"), server.clock.now());
    let good = proof(&key, "POST", &url, now, json!({}));
    let (status, body, _) = client_credentials(&server, Some(&good)).await;
    assert_eq!((status, body["token_type"].as_str()), (200, Some("DPoP")), "{body}");
    assert_eq!(
        crate::journeys::claims(body["access_token"].as_str().unwrap())["cnf"]["jkt"].as_str().map(str::len),
        Some(43)
    );
    let (status, body, _) = client_credentials(&server, Some(&good)).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_dpop_proof")), "replayed jti");
    for bad in [
        proof(&key, "GET", &url, now, json!({})),
        proof(&key, "POST", &server.url("/userinfo"), now, json!({})),
        proof(&key, "POST", &url, now - 600, json!({})),
        "not.a.proof".to_string(),
    ] {
        let (status, body, _) = client_credentials(&server, Some(&bad)).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_dpop_proof")), "{body}");
    }
}

#[tokio::test]
async fn with_server_nonces_a_proof_without_the_nonce_gets_one_to_retry_with() {
    let server = TestServer::start_with(|c| c.oauth.dpop_nonces = true).await;
    let key = new_key("k");
    let (url, now) = (server.url("/token"), server.clock.now());
    let (status, body, headers) = client_credentials(&server, Some(&proof(&key, "POST", &url, now, json!({})))).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("use_dpop_nonce")));
    let nonce = headers["dpop-nonce"].to_str().unwrap();
    let retried = proof(&key, "POST", &url, now, json!({"nonce": nonce}));
    let (status, _, headers) = client_credentials(&server, Some(&retried)).await;
    assert_eq!(status, 200);
    assert!(headers.contains_key("dpop-nonce"), "RFC 9449 §8.2: a fresh nonce with every answer");
}

#[tokio::test]
async fn a_client_that_requires_dpop_gets_no_bearer_token() {
    let server = TestServer::start_with(|c| {
        let mut bound = client("bound", Some(WEB_SECRET), "client_secret_basic", "ES256", &c.issuer);
        bound.dpop_bound_access_tokens = true;
        c.clients.push(bound);
    })
    .await;
    let (status, body, _) =
        raw_token(&server, &[("grant_type", "client_credentials")], Some(("bound", WEB_SECRET))).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_dpop_proof")));
}

#[tokio::test]
async fn a_code_pushed_with_a_proof_is_redeemed_only_with_that_key() {
    let server = TestServer::start().await;
    let (mine, theirs) = (new_key("mine"), new_key("theirs"));
    let now = server.clock.now();
    let redirect = server.redirect_uri("web");
    let form = [
        ("response_type", "code"),
        ("client_id", "web"),
        ("redirect_uri", redirect.as_str()),
        ("scope", "openid"),
        ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
        ("code_challenge_method", "S256"),
    ];
    let pushed: serde_json::Value = reqwest::Client::new()
        .post(server.url("/par"))
        .basic_auth("web", Some(WEB_SECRET))
        .header("DPoP", proof(&mine, "POST", &server.url("/par"), now, json!({})))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uri = pushed["request_uri"].as_str().expect("pushed");
    let authorize = format!("/authorize?client_id=web&request_uri={uri}");
    let callback = server.browser().sign_in(&server.url(&authorize), "ada@example.com").await;
    let code = crate::support::browser::param(&callback, "code").unwrap();
    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect.as_str()),
        ("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    ];
    let response = reqwest::Client::new()
        .post(server.url("/token"))
        .basic_auth("web", Some(WEB_SECRET))
        .header("DPoP", proof(&theirs, "POST", &server.url("/token"), now, json!({})))
        .form(&exchange)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_dpop_proof", "RFC 9449 §10: the code is bound to the pushing key");
}
