//! Refresh tokens (RFC 6749 §6): only with offline_access, rotated on every use, reuse revokes
//! the family (RFC 9700 §4.14.2), bound to their client.

use openidconnect::{OAuth2TokenResponse, Scope};

use crate::support::{TestServer, raw_token, rp, signed_in};

#[tokio::test]
async fn refresh_tokens_are_issued_only_with_offline_access() {
    let server = TestServer::start().await;
    let (_, tokens) = signed_in(&server, &server.browser(), "web", &["email"], "ada@example.com").await;
    assert!(tokens.refresh_token().is_none());
    let (_, tokens) = signed_in(&server, &server.browser(), "web", &["offline_access"], "ada@example.com").await;
    assert!(tokens.refresh_token().is_some());
}

#[tokio::test]
async fn offline_access_needs_the_users_consent_asked_now_or_given_before() {
    let server = TestServer::start().await;
    let client = rp::client(&server, "web").await;
    let browser = server.browser();
    let without_prompt = |pending: &rp::Pending| pending.url.replace("&prompt=consent", "");
    let pending = rp::start(&client, &["offline_access"]);
    let callback = browser.sign_in(&without_prompt(&pending), "ada@example.com").await;
    let code = crate::support::browser::param(&callback, "code").unwrap();
    let tokens = rp::redeem(&client, pending, &code).await;
    assert!(tokens.refresh_token().is_none(), "OIDC Core §11: ignored without prompt=consent or earlier consent");
    assert!(!tokens.scopes().unwrap().iter().any(|s| s.as_str() == "offline_access"), "and not granted");

    let pending = rp::start(&client, &["offline_access"]);
    let callback = browser.sign_in(&pending.url, "ada@example.com").await;
    let code = crate::support::browser::param(&callback, "code").unwrap();
    assert!(rp::redeem(&client, pending, &code).await.refresh_token().is_some(), "consented on the page");

    let pending = rp::start(&client, &["offline_access"]);
    let callback = browser.sign_in(&without_prompt(&pending), "ada@example.com").await;
    let code = crate::support::browser::param(&callback, "code").unwrap();
    assert!(rp::redeem(&client, pending, &code).await.refresh_token().is_some(), "the consent given before holds");
}

#[tokio::test]
async fn each_refresh_rotates_and_reuse_revokes_the_whole_family() {
    let server = TestServer::start().await;
    let (client, tokens) =
        signed_in(&server, &server.browser(), "spa", &["offline_access", "email"], "ada@example.com").await;
    let first = tokens.refresh_token().unwrap().clone();
    let second = client.exchange_refresh_token(&first).unwrap().request_async(&rp::http).await.expect("first refresh");
    let second_token = second.refresh_token().unwrap().clone();
    assert_ne!(first.secret(), second_token.secret(), "rotated");

    let reuse = client.exchange_refresh_token(&first).unwrap().request_async(&rp::http).await;
    assert!(format!("{:?}", reuse.unwrap_err()).contains("invalid_grant"));
    let after = client.exchange_refresh_token(&second_token).unwrap().request_async(&rp::http).await;
    assert!(after.is_err(), "the newest token of a reused family is revoked too");
    let info = client
        .user_info(second.access_token().clone(), None)
        .unwrap()
        .request_async::<openidconnect::EmptyAdditionalClaims, _, openidconnect::core::CoreGenderClaim>(&rp::http)
        .await;
    assert!(info.is_err(), "access tokens of the family are revoked");
}

#[tokio::test]
async fn a_refresh_token_works_only_for_its_own_client_and_is_not_burnt_by_others() {
    let server = TestServer::start().await;
    let (client, tokens) = signed_in(&server, &server.browser(), "web", &["offline_access"], "ada@example.com").await;
    let token = tokens.refresh_token().unwrap().secret().clone();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", token.as_str()),
        ("client_id", "post"),
        ("client_secret", crate::support::POST_SECRET),
    ];
    let (status, body, _) = raw_token(&server, &form, None).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    let ok = client.exchange_refresh_token(tokens.refresh_token().unwrap()).unwrap().request_async(&rp::http).await;
    assert!(ok.is_ok(), "the owner can still refresh");
}

#[tokio::test]
async fn a_refresh_may_narrow_the_scope_but_never_widen_it() {
    let server = TestServer::start().await;
    let (client, tokens) =
        signed_in(&server, &server.browser(), "web", &["offline_access", "email"], "ada@example.com").await;
    let wider = client
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .unwrap()
        .add_scope(Scope::new("phone".into()))
        .request_async(&rp::http)
        .await;
    assert!(format!("{:?}", wider.unwrap_err()).contains("invalid_scope"));
    let narrower = client
        .exchange_refresh_token(tokens.refresh_token().unwrap())
        .unwrap()
        .add_scope(Scope::new("openid".into()))
        .request_async(&rp::http)
        .await
        .expect("a narrower scope is allowed, and the refused wider request did not consume the token");
    assert_eq!(narrower.scopes().unwrap().iter().map(|s| s.as_str()).collect::<Vec<_>>(), ["openid"]);
}

#[tokio::test]
async fn expired_refresh_tokens_are_refused() {
    let server = TestServer::start().await;
    let (client, tokens) = signed_in(&server, &server.browser(), "web", &["offline_access"], "ada@example.com").await;
    server.clock.advance(31 * 24 * 3600);
    let result = client.exchange_refresh_token(tokens.refresh_token().unwrap()).unwrap().request_async(&rp::http).await;
    assert!(format!("{:?}", result.unwrap_err()).contains("invalid_grant"));
}

#[tokio::test]
async fn refresh_reuse_with_scope_revokes_the_family() {
    let server = TestServer::start().await;
    let (client, tokens) =
        signed_in(&server, &server.browser(), "spa", &["offline_access", "email"], "ada@example.com").await;
    let first = tokens.refresh_token().unwrap().clone();
    let second = client.exchange_refresh_token(&first).unwrap().request_async(&rp::http).await.expect("first refresh");
    let reuse = client
        .exchange_refresh_token(&first)
        .unwrap()
        .add_scope(Scope::new("openid".into()))
        .request_async(&rp::http)
        .await;
    assert!(format!("{:?}", reuse.unwrap_err()).contains("invalid_grant"));
    let after = client.exchange_refresh_token(second.refresh_token().unwrap()).unwrap().request_async(&rp::http).await;
    assert!(after.is_err(), "reuse with a scope revokes the family like reuse without one");
}
