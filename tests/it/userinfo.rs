//! `/userinfo` (OIDC Core §5.3, RFC 6750): Bearer header or form body, claims by scope, and
//! `WWW-Authenticate` challenges for missing, bad, expired or revoked tokens.

use openidconnect::OAuth2TokenResponse;

use crate::support::{TestServer, signed_in};

#[tokio::test]
async fn a_missing_token_gets_a_bare_bearer_challenge() {
    let server = TestServer::start().await;
    let response = reqwest::get(server.url("/userinfo")).await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"tessera\"");
}

#[tokio::test]
async fn bad_and_expired_tokens_are_invalid_token() {
    let server = TestServer::start().await;
    let (_, tokens) = signed_in(&server, &server.browser(), "web", &["email"], "ada@example.com").await;
    let good = tokens.access_token().secret().clone();
    let mut tampered = good.clone();
    tampered.pop();
    tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
    let http = reqwest::Client::new();
    for token in ["garbage", "a.b.c", tampered.as_str()] {
        let response = http.get(server.url("/userinfo")).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), 401, "{token}");
        assert!(response.headers()["www-authenticate"].to_str().unwrap().contains("error=\"invalid_token\""));
    }
    let response = http.get(server.url("/userinfo")).header("authorization", "Basic abc").send().await.unwrap();
    assert_eq!(response.status(), 401);

    let response = http.get(server.url("/userinfo")).bearer_auth(&good).send().await.unwrap();
    assert_eq!(response.status(), 200);
    server.clock.advance(601);
    let response = http.get(server.url("/userinfo")).bearer_auth(&good).send().await.unwrap();
    assert_eq!(response.status(), 401, "expired");
}

#[tokio::test]
async fn post_accepts_the_token_in_the_form_body_but_not_in_two_places() {
    let server = TestServer::start().await;
    let (_, tokens) = signed_in(&server, &server.browser(), "web", &["email"], "ada@example.com").await;
    let token = tokens.access_token().secret().clone();
    let http = reqwest::Client::new();
    let response = http.post(server.url("/userinfo")).form(&[("access_token", token.as_str())]).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let claims: serde_json::Value = response.json().await.unwrap();
    assert_eq!(claims["email"], "ada@example.com");
    let response = http
        .post(server.url("/userinfo"))
        .bearer_auth(&token)
        .form(&[("access_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn claims_follow_the_granted_scopes() {
    let server = TestServer::start().await;
    let (_, tokens) = signed_in(&server, &server.browser(), "web", &[], "ada@example.com").await;
    let claims: serde_json::Value = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(claims["sub"].is_string());
    assert!(claims.get("email").is_none(), "no email claim without the email scope");
}
