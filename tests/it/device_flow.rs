//! The device authorization grant's refusals at the token endpoint (RFC 8628 §3.5): pending,
//! slow_down for polling too fast, expired_token, and codes of another client or none at all.

use crate::support::{POST_SECRET, TestServer, WEB_SECRET, raw_token};

async fn started(server: &TestServer) -> serde_json::Value {
    let response = reqwest::Client::new()
        .post(server.url("/device_authorization"))
        .basic_auth("web", Some(WEB_SECRET))
        .form(&[("scope", "openid email")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

async fn poll(server: &TestServer, device_code: &str, client: (&str, &str)) -> (u16, serde_json::Value) {
    let form = [("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", device_code)];
    let (status, body, _) = raw_token(server, &form, Some(client)).await;
    (status, body)
}

#[tokio::test]
async fn a_device_polls_pending_is_slowed_down_when_too_fast_and_expires() {
    let server = TestServer::start().await;
    let started = started(&server).await;
    assert_eq!((started["expires_in"].as_u64(), started["interval"].as_u64()), (Some(600), Some(5)));
    assert!(started["verification_uri_complete"].as_str().unwrap().ends_with(started["user_code"].as_str().unwrap()));
    let code = started["device_code"].as_str().unwrap();
    let web = ("web", WEB_SECRET);
    assert_eq!(poll(&server, code, web).await.1["error"], "authorization_pending");
    assert_eq!(poll(&server, code, web).await.1["error"], "slow_down", "polled again at once");
    server.clock.advance(6);
    assert_eq!(poll(&server, code, web).await.1["error"], "slow_down", "the interval grew to 10 s, and now 15 s");
    server.clock.advance(16);
    assert_eq!(poll(&server, code, web).await.1["error"], "authorization_pending", "waited long enough");
    let form = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", code),
        ("client_id", "post"),
        ("client_secret", POST_SECRET),
    ];
    assert_eq!(raw_token(&server, &form, None).await.1["error"], "invalid_grant", "another client's code");
    server.clock.advance(600);
    let (status, body) = poll(&server, code, web).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("expired_token")));
    assert_eq!(poll(&server, "made-up", web).await.1["error"], "invalid_grant");
}

#[tokio::test]
async fn unknown_scopes_are_refused_and_discovery_names_the_endpoint() {
    let server = TestServer::start().await;
    let response = reqwest::Client::new()
        .post(server.url("/device_authorization"))
        .basic_auth("web", Some(WEB_SECRET))
        .form(&[("scope", "openid admin")])
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_scope");
    let doc: serde_json::Value =
        reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
    assert_eq!(doc["device_authorization_endpoint"], server.url("/device_authorization"));
    assert!(
        doc["grant_types_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == "urn:ietf:params:oauth:grant-type:device_code")
    );
}
