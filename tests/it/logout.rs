//! RP-Initiated Logout 1.0 and Back-Channel Logout 1.0.

use base64::Engine;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use openidconnect::TokenResponse;

use crate::support::browser::{Step, param};
use crate::support::receiver::Receiver;
use crate::support::{Browser, TestServer, client, rp, signed_in};

async fn id_token_of(server: &TestServer, browser: &Browser, client_id: &str) -> String {
    let (_, tokens) = signed_in(server, browser, client_id, &[], "ada@example.com").await;
    tokens.id_token().unwrap().to_string()
}

async fn signed_out(server: &TestServer, browser: &Browser) -> bool {
    let client = rp::client(server, "web").await;
    let pending = rp::start(&client, &[]);
    let Step::Client(url) = browser.authorize(&format!("{}&prompt=none", pending.url)).await else { panic!() };
    param(&url, "error").as_deref() == Some("login_required")
}

fn logout_url(query: &[(&str, &str)]) -> String {
    format!("/logout?{}", serde_urlencoded::to_string(query).unwrap())
}

#[tokio::test]
async fn logout_with_a_matching_hint_ends_the_session_and_returns_with_state() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let hint = id_token_of(&server, &browser, "web").await;
    let target = server.url("/bye/web");
    let response = browser
        .get(&logout_url(&[
            ("id_token_hint", hint.as_str()),
            ("post_logout_redirect_uri", target.as_str()),
            ("state", "xyz"),
            ("ui_locales", "en"),
        ]))
        .await;
    assert_eq!(Browser::location(&response), format!("{target}?state=xyz"));
    assert!(signed_out(&server, &browser).await, "a later prompt=none answers login_required");
}

#[tokio::test]
async fn an_expired_hint_is_still_accepted() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let hint = id_token_of(&server, &browser, "web").await;
    server.clock.advance(7200);
    let response = browser
        .get(&logout_url(&[("id_token_hint", &hint), ("post_logout_redirect_uri", &server.url("/bye/web"))]))
        .await;
    assert_eq!(Browser::location(&response), server.url("/bye/web"));
}

#[tokio::test]
async fn bad_redirect_uris_and_hints_show_a_page_and_never_redirect() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let hint = id_token_of(&server, &browser, "web").await;
    let mut tampered = hint.clone();
    tampered.truncate(hint.len() - 3);
    tampered.push_str("AAA");
    let registered = server.url("/bye/web");
    let below = format!("{registered}/x");
    let other_client = server.url("/bye/post");
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("id_token_hint", &hint), ("post_logout_redirect_uri", "https://evil.example/")],
        vec![("id_token_hint", &hint), ("post_logout_redirect_uri", &below)],
        vec![("id_token_hint", &hint), ("post_logout_redirect_uri", &other_client)],
        vec![("post_logout_redirect_uri", &registered)],
        vec![("client_id", "post"), ("id_token_hint", &hint), ("post_logout_redirect_uri", &registered)],
        vec![("client_id", "nobody"), ("post_logout_redirect_uri", &registered)],
        vec![("id_token_hint", "not-a-jwt"), ("post_logout_redirect_uri", &registered)],
        vec![("id_token_hint", &tampered), ("post_logout_redirect_uri", &registered)],
        vec![("state", "a"), ("state", "b")],
    ];
    for query in cases {
        let response = browser.get(&logout_url(&query)).await;
        assert_eq!(response.status(), 400, "{query:?}");
        assert!(response.headers().get("location").is_none(), "{query:?}");
    }
    assert!(!signed_out(&server, &browser).await, "nothing was ended by a refused request");
}

#[tokio::test]
async fn a_request_not_tied_to_the_session_asks_for_confirmation() {
    let server = TestServer::start().await;
    let browser = server.browser();
    signed_in(&server, &browser, "web", &[], "ada@example.com").await;
    let other = server.browser();
    let hint_of_other_user = {
        let (_, t) = signed_in(&server, &other, "web", &[], "grace@example.com").await;
        t.id_token().unwrap().to_string()
    };
    for query in [vec![("client_id", "web")], vec![("id_token_hint", hint_of_other_user.as_str())]] {
        let response = browser.get(&logout_url(&query)).await;
        assert_eq!(response.status(), 200, "{query:?}");
        let html = response.text().await.unwrap();
        assert!(html.contains("Sign out?") && html.contains("ada@example.com"));
    }
    assert!(!signed_out(&server, &browser).await, "showing the page ends nothing");
    let (id, csrf) = confirmation(&browser, &server).await;
    let forged = other.post("/logout/confirm", &[("id", &id), ("csrf", &csrf)]).await;
    assert_eq!(forged.status(), 400, "another browser cannot confirm");
    let (id, csrf) = confirmation(&browser, &server).await;
    let response = browser.post("/logout/confirm", &[("id", &id), ("csrf", &csrf)]).await;
    assert_eq!(Browser::location(&response), server.url("/bye/web"));
    assert!(signed_out(&server, &browser).await);
    assert!(!signed_out(&server, &other).await, "only this browser's session ended");
}

/// Opens the confirmation page of an untied logout and returns its pending id and CSRF token.
async fn confirmation(browser: &Browser, server: &TestServer) -> (String, String) {
    let query = [("client_id", "web"), ("post_logout_redirect_uri", &server.url("/bye/web"))];
    let html = browser.get(&logout_url(&query)).await.text().await.unwrap();
    let id = html.split("name=\"id\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    (id, crate::support::browser::csrf(&html))
}

/// Verifies a logout token with an independent JWT library against the published JWKS.
async fn verify_logout_token(server: &TestServer, token: &str, client_id: &str) -> serde_json::Value {
    let jwks: JwkSet = reqwest::get(server.url("/jwks")).await.unwrap().json().await.unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
    let jwk = jwks.find(header.kid.as_deref().unwrap()).expect("signed with a published key");
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[client_id]);
    validation.set_issuer(&[server.base.as_str()]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
    validation.validate_exp = false;
    let claims: serde_json::Value =
        jsonwebtoken::decode(token, &DecodingKey::from_jwk(jwk).unwrap(), &validation).unwrap().claims;
    assert!(claims["jti"].is_string() && claims["sid"].is_string() && claims["sub"].is_string());
    assert!(claims["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
    assert!(claims.get("nonce").is_none(), "a logout token never carries a nonce");
    claims
}

#[tokio::test]
async fn ending_a_session_sends_a_signed_logout_token_with_retries() {
    let receiver = Receiver::start().await;
    *receiver.fail_next.lock().unwrap() = 2;
    let bcl = format!("{}/logout", receiver.base);
    let server = TestServer::start_with(|c| {
        let base = c.issuer.clone();
        let mut bc = client("bcl", Some(crate::support::WEB_SECRET), "client_secret_basic", "ES256", &base);
        bc.backchannel_logout_uri = Some(bcl.clone());
        bc.backchannel_logout_session_required = true;
        c.clients.push(bc);
    })
    .await;
    let browser = server.browser();
    // Sign in through the back-channel client so the session records it.
    let c = openidconnect::core::CoreClient::from_provider_metadata(
        rp::discover(&server).await,
        openidconnect::ClientId::new("bcl".into()),
        Some(openidconnect::ClientSecret::new(crate::support::WEB_SECRET.into())),
    )
    .set_redirect_uri(openidconnect::RedirectUrl::new(server.redirect_uri("bcl")).unwrap());
    let pending = rp::start(&c, &[]);
    let callback = browser.sign_in(&pending.url, "ada@example.com").await;
    let tokens = rp::redeem(&c, pending, &param(&callback, "code").unwrap()).await;
    let hint = tokens.id_token().unwrap().to_string();
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(hint.split('.').nth(1).unwrap()).unwrap();
    let sid = serde_json::from_slice::<serde_json::Value>(&payload).unwrap()["sid"].as_str().unwrap().to_string();
    browser.get(&logout_url(&[("id_token_hint", &hint)])).await;
    let token = receiver.nth_token(1).await;
    let claims = verify_logout_token(&server, &token, "bcl").await;
    assert_eq!(claims["sid"], sid.as_str(), "the logout token names the session from the ID token");
    assert_eq!(*receiver.fail_next.lock().unwrap(), 0, "delivered after two failures");
}
