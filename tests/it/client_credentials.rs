//! `client_credentials` (RFC 6749 §4.4): access tokens for a confidential client itself (RFC 9068).

use openidconnect::{OAuth2TokenResponse, Scope};

use crate::support::{TestServer, WEB_SECRET, raw_token, rp};

fn claims(token: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap();
    serde_json::from_slice(&payload).unwrap()
}

#[tokio::test]
async fn a_confidential_client_gets_a_token_for_itself_with_its_registered_scopes() {
    let server = TestServer::start().await;
    let client = rp::client(&server, "web").await;
    let tokens = client
        .exchange_client_credentials()
        .unwrap()
        .add_scope(Scope::new("reports:read".into()))
        .request_async(&rp::http)
        .await
        .expect("client_credentials succeeds");
    assert!(tokens.refresh_token().is_none(), "no refresh token for client_credentials");
    let at = claims(tokens.access_token().secret());
    assert_eq!((at["sub"].as_str(), at["client_id"].as_str()), (Some("web"), Some("web")));
    assert_eq!(at["scope"], "reports:read");
    assert_eq!(at["aud"], server.base.as_str());
    assert!(at.get("auth_time").is_none());

    let introspected: serde_json::Value = reqwest::Client::new()
        .post(server.url("/introspect"))
        .basic_auth("web", Some(WEB_SECRET))
        .form(&[("token", tokens.access_token().secret().as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((introspected["active"].as_bool(), introspected["sub"].as_str()), (Some(true), Some("web")));
    let userinfo = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 401, "a client token has no user behind it");
}

#[tokio::test]
async fn scopes_audiences_and_public_clients_are_checked() {
    let server = TestServer::start().await;
    let basic = Some(("web", WEB_SECRET));
    let (status, body, _) = raw_token(&server, &[("grant_type", "client_credentials")], basic).await;
    assert_eq!(status, 200);
    assert_eq!(body["scope"], "reports:read reports:write", "no scope asked: every registered scope");
    for scope in ["admin", "openid", "reports:read admin"] {
        let (status, body, _) =
            raw_token(&server, &[("grant_type", "client_credentials"), ("scope", scope)], basic).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")), "{scope}");
    }
    let form = [("grant_type", "client_credentials"), ("resource", "https://api.example.com/")];
    let (_, body, _) = raw_token(&server, &form, basic).await;
    assert_eq!(claims(body["access_token"].as_str().unwrap())["aud"], "https://api.example.com/");
    let (status, body, _) =
        raw_token(&server, &[("grant_type", "client_credentials"), ("resource", "not a uri")], basic).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")));
    let (status, body, _) =
        raw_token(&server, &[("grant_type", "client_credentials"), ("client_id", "spa")], None).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unauthorized_client")));
}

#[tokio::test]
async fn a_client_registered_for_no_scopes_gets_a_token_whose_response_names_none() {
    let server = TestServer::start_with(|c| c.clients[0].client_credentials_scopes.clear()).await;
    let basic = Some(("web", WEB_SECRET));
    let (status, body, _) = raw_token(&server, &[("grant_type", "client_credentials")], basic).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("scope").is_none(), "RFC 6749 §5.1: no empty scope string: {body}");
}
