//! Revocation (RFC 7009) and introspection (RFC 7662).

use openidconnect::OAuth2TokenResponse;
use serde_json::json;

use crate::support::{POST_SECRET, TestServer, WEB_SECRET, signed_in};

async fn call(
    server: &TestServer,
    path: &str,
    form: &[(&str, &str)],
    client: (&str, &str),
) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(server.url(path))
        .basic_auth(client.0, Some(client.1))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

async fn userinfo_status(server: &TestServer, token: &str) -> u16 {
    reqwest::Client::new().get(server.url("/userinfo")).bearer_auth(token).send().await.unwrap().status().as_u16()
}

fn post_client_form<'a>(form: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = form.to_vec();
    f.extend([("client_id", "post"), ("client_secret", POST_SECRET)]);
    f
}

#[tokio::test]
async fn a_revoked_access_token_fails_at_userinfo_and_introspection() {
    let server = TestServer::start().await;
    let (_, tokens) = signed_in(&server, &server.browser(), "web", &["email"], "ada@example.com").await;
    let at = tokens.access_token().secret().clone();
    assert_eq!(userinfo_status(&server, &at).await, 200);
    let (status, _) =
        call(&server, "/revoke", &[("token", &at), ("token_type_hint", "refresh_token")], ("web", WEB_SECRET)).await;
    assert_eq!(status, 200, "a wrong hint still revokes");
    assert_eq!(userinfo_status(&server, &at).await, 401);
    let (_, body) = call(&server, "/introspect", &[("token", &at)], ("web", WEB_SECRET)).await;
    assert_eq!(body, json!({"active": false}));
}

#[tokio::test]
async fn revoking_a_refresh_token_revokes_its_family_and_access_tokens() {
    let server = TestServer::start().await;
    let (client, tokens) = signed_in(&server, &server.browser(), "web", &["offline_access"], "ada@example.com").await;
    let rt = tokens.refresh_token().unwrap().secret().clone();
    let (status, _) = call(&server, "/revoke", &[("token", &rt)], ("web", WEB_SECRET)).await;
    assert_eq!(status, 200);
    let refresh = client
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .unwrap()
        .request_async(&crate::support::rp::http)
        .await;
    assert!(refresh.is_err());
    assert_eq!(userinfo_status(&server, tokens.access_token().secret()).await, 401);
}

#[tokio::test]
async fn unknown_tokens_answer_200_and_other_clients_tokens_are_not_revoked() {
    let server = TestServer::start().await;
    let (status, _) = call(&server, "/revoke", &[("token", "never-issued")], ("web", WEB_SECRET)).await;
    assert_eq!(status, 200);
    let (_, tokens) = signed_in(&server, &server.browser(), "web", &[], "ada@example.com").await;
    let at = tokens.access_token().secret().clone();
    let response = reqwest::Client::new()
        .post(server.url("/revoke"))
        .form(&post_client_form(&[("token", &at)]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "a client can only revoke its own tokens");
    assert_eq!(userinfo_status(&server, &at).await, 200);
    let (status, body) = call(&server, "/revoke", &[("token", &at)], ("web", "wrong-secret-0123456789")).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
}

#[tokio::test]
async fn introspection_describes_live_tokens_of_the_calling_client_only() {
    let server = TestServer::start().await;
    let (_, tokens) =
        signed_in(&server, &server.browser(), "web", &["offline_access", "email"], "ada@example.com").await;
    let at = tokens.access_token().secret().clone();
    let (status, body) = call(&server, "/introspect", &[("token", &at)], ("web", WEB_SECRET)).await;
    assert_eq!(status, 200);
    assert_eq!(body["active"], true);
    for claim in ["scope", "client_id", "sub", "exp", "iat", "iss", "token_type", "aud"] {
        assert!(body.get(claim).is_some(), "{claim}");
    }
    assert_eq!(body["client_id"], "web");
    assert_eq!(body["token_type"], "Bearer");

    let rt = tokens.refresh_token().unwrap().secret().clone();
    let (_, body) =
        call(&server, "/introspect", &[("token", &rt), ("token_type_hint", "refresh_token")], ("web", WEB_SECRET))
            .await;
    assert_eq!((body["active"].as_bool(), body["token_type"].as_str()), (Some(true), Some("refresh_token")));

    let response = reqwest::Client::new()
        .post(server.url("/introspect"))
        .form(&post_client_form(&[("token", &at)]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.json::<serde_json::Value>().await.unwrap(), json!({"active": false}), "another client's token");
    let (_, body) = call(&server, "/introspect", &[("token", "unknown")], ("web", WEB_SECRET)).await;
    assert_eq!(body, json!({"active": false}));
    server.clock.advance(601);
    let (_, body) = call(&server, "/introspect", &[("token", &at)], ("web", WEB_SECRET)).await;
    assert_eq!(body, json!({"active": false}), "expired");
    let response = reqwest::Client::new().post(server.url("/introspect")).form(&[("token", &at)]).send().await.unwrap();
    assert_eq!(response.status(), 401, "introspection needs client authentication");
}
