//! The `claims` request parameter (OIDC Core §5.5) and `acr` demands (§3.1.2.1 `acr_values`,
//! §5.5.1.1 essential `acr`), with the `openidconnect` crate as the relying party.

use openidconnect::core::{CoreGenderClaim, CoreIdTokenClaims};
use openidconnect::{EmptyAdditionalClaims, OAuth2TokenResponse, TokenResponse};

use crate::support::browser::{Step, param};
use crate::support::{TestServer, rp, signed_in};

fn with(pending: &rp::Pending, extra: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&pending.url).unwrap();
    url.query_pairs_mut().extend_pairs(extra);
    url.to_string()
}

async fn userinfo(client: &rp::Client, token: &openidconnect::AccessToken) -> serde_json::Value {
    let info = client
        .user_info(token.clone(), None)
        .unwrap()
        .request_async::<EmptyAdditionalClaims, _, CoreGenderClaim>(&rp::http)
        .await
        .expect("userinfo answers");
    serde_json::to_value(info).unwrap()
}

fn id_claims(client: &rp::Client, tokens: &openidconnect::core::CoreTokenResponse) -> serde_json::Value {
    let verifier = client.id_token_verifier();
    let claims: &CoreIdTokenClaims =
        tokens.id_token().unwrap().claims(&verifier, |_: Option<&openidconnect::Nonce>| Ok(())).unwrap();
    serde_json::to_value(claims).unwrap()
}

#[tokio::test]
async fn the_claims_parameter_releases_named_claims_where_it_asks_and_keeps_them_on_refresh() {
    let server = TestServer::start().await;
    let client = rp::client(&server, "web").await;
    let pending = rp::start(&client, &["offline_access"]);
    let claims = r#"{"id_token":{"email":null},"userinfo":{"email_verified":{"essential":true}}}"#;
    let callback = server.browser().sign_in(&with(&pending, &[("claims", claims)]), "ada@example.com").await;
    let code = param(&callback, "code").unwrap();
    let tokens = rp::redeem(&client, pending, &code).await;
    let id = id_claims(&client, &tokens);
    assert_eq!(id["email"], "ada@example.com", "asked for in the ID token without the email scope");
    assert!(id.get("email_verified").is_none(), "only what was asked for");
    let info = userinfo(&client, tokens.access_token()).await;
    assert_eq!((info["email_verified"].as_bool(), info.get("email")), (Some(true), None), "{info}");

    let refreshed =
        client.exchange_refresh_token(tokens.refresh_token().unwrap()).unwrap().request_async(&rp::http).await.unwrap();
    let info = userinfo(&client, refreshed.access_token()).await;
    assert_eq!(info["email_verified"], true, "the grant's claims request holds after a refresh: {info}");
}

#[tokio::test]
async fn a_malformed_claims_parameter_is_invalid_request() {
    let server = TestServer::start().await;
    let client = rp::client(&server, "web").await;
    let pending = rp::start(&client, &["email"]);
    let Step::Client(url) = server.browser().authorize(&with(&pending, &[("claims", r#"{"id_token":[1]}"#)])).await
    else {
        panic!("the error goes back to the client");
    };
    assert_eq!(param(&url, "error").as_deref(), Some("invalid_request"));
}

#[tokio::test]
async fn an_acr_the_session_does_not_meet_asks_for_a_passkey_and_an_essential_one_is_enforced() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let (client, tokens) = signed_in(&server, &browser, "web", &["email"], "ada@example.com").await;
    assert_eq!(id_claims(&client, &tokens)["acr"], "aal1");

    let pending = rp::start(&client, &["email"]);
    let essential = r#"{"id_token":{"acr":{"essential":true,"value":"phr"}}}"#;
    let Step::Login(page) = browser.authorize(&with(&pending, &[("claims", essential)])).await else {
        panic!("an email-code session does not meet phr: step up");
    };
    assert!(page.html.contains("asks you to sign in with a passkey"), "the page says why");
    assert!(!page.html.contains("/email\""), "and offers no email code");
    let callback = browser.complete_login(&page, "ada@example.com").await;
    assert_eq!(
        param(&callback, "error").as_deref(),
        Some("unmet_authentication_requirements"),
        "a code sign-in forced through does not meet an essential phr"
    );

    let pending = rp::start(&client, &["email"]);
    let Step::Client(none) = browser.authorize(&with(&pending, &[("acr_values", "phr"), ("prompt", "none")])).await
    else {
        panic!("prompt=none never shows a page");
    };
    assert_eq!(param(&none, "error").as_deref(), Some("login_required"));

    let pending = rp::start(&client, &["email"]);
    let Step::Client(met) = browser.authorize(&with(&pending, &[("acr_values", "phr aal1")])).await else {
        panic!("aal1 is among the values asked for");
    };
    assert!(param(&met, "code").is_some());
}

#[tokio::test]
async fn an_essential_acr_nothing_here_can_meet_is_refused_at_once() {
    let server = TestServer::start().await;
    let client = rp::client(&server, "web").await;
    let pending = rp::start(&client, &["email"]);
    let unknown = r#"{"id_token":{"acr":{"essential":true,"values":["urn:example:loa:4"]}}}"#;
    let Step::Client(url) = server.browser().authorize(&with(&pending, &[("claims", unknown)])).await else {
        panic!("the error goes back to the client");
    };
    assert_eq!(param(&url, "error").as_deref(), Some("unmet_authentication_requirements"));
}
