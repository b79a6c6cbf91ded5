//! Starting embedded, adding single sign-on later: a passkey made with the browser SDK on the
//! application's page, for a Tessera user, signs in on Tessera's own pages through the OIDC flow,
//! and shows on the account page and in the management API.

use serde_json::{Value, json};

use super::{SHOP_PUBLIC, api, server, shop};
use crate::api::{KEY, call, with_keys};
use crate::support::chrome::Chrome;
use crate::support::passwordless_dev::serve_page;
use crate::support::rp;

#[tokio::test]
async fn a_passkey_made_on_the_apps_page_for_a_tessera_user_signs_in_on_tesseras_pages_and_shows_on_the_account() {
    let origin = serve_page().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let callback = format!("http://localhost:{}/cb", listener.local_addr().unwrap().port());
    let landing = axum::Router::new().fallback(|| async { axum::response::Html("<p>Signed in.</p>") });
    tokio::spawn(async move { axum::serve(listener, landing).await.unwrap() });
    let back = callback.clone();
    let server = server(&origin, move |c| {
        c.apps[0].tessera_users = true;
        c.clients[0].redirect_uris.push(back);
    })
    .await;
    let user = server.state.directory.create_user_with_email(&"ada@example.com".parse().unwrap(), 0).await.unwrap();
    let backend = shop(&server);

    let foreign = backend.call("createRegisterToken", json!([{"userId": "user-42", "username": "x"}])).await;
    assert_eq!(foreign.unwrap_err()["errorCode"], "invalid_argument", "this application's users are Tessera's");

    let chrome = Chrome::launch().await;
    let page = chrome.page().await;
    page.add_authenticator(false, true).await;
    page.goto(&format!("{origin}/")).await;
    let made = backend.call("createRegisterToken", json!([{"userId": user.id.0, "username": "ada@example.com"}])).await;
    let register = made.unwrap()["token"].as_str().unwrap().to_string();
    let config = json!({"apiUrl": api(&server), "apiKey": SHOP_PUBLIC});
    let script =
        format!("(async () => new Passwordless.Client({config}).register({}, 'Shop laptop'))()", json!(register));
    let registered: Value = page.eval(&script).await.unwrap();
    assert!(registered["token"].is_string(), "{registered}");

    // Tessera's login page offers the passkey by autofill; the authenticator answers by itself.
    let client =
        rp::client(&server, "web").await.set_redirect_uri(openidconnect::RedirectUrl::new(callback.clone()).unwrap());
    let pending = rp::start(&client, &["openid"]);
    page.goto(&format!("{}&prompt=login", pending.url)).await;
    let href = page.wait_for(&format!("location.href.startsWith({}) && location.href", json!(callback))).await;
    let code = crate::support::browser::param(&url::Url::parse(href.as_str().unwrap()).unwrap(), "code").unwrap();
    let tokens = rp::redeem(&client, pending, &code).await;
    let id_token = openidconnect::TokenResponse::id_token(&tokens).unwrap().to_string();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, id_token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["sub"], user.id.0.as_str(), "signed in as the Tessera user the application named");
    assert_eq!(claims["amr"], json!(["hwk", "user", "mfa"]));
    let stored = server.state.directory.app_passkeys_of_user("shop", &user.id.0).await.unwrap();
    assert!(stored[0].last_used_at.is_some(), "the use is recorded on the application's passkey");

    page.goto(&server.url("/account")).await;
    assert!(page.text().await.contains("Shop laptop"), "the account page shows it");
    with_keys(&server).await;
    let (status, listed) =
        call(&server, reqwest::Method::GET, &format!("/api/v1/users/{}/passkeys", user.id.0), Some(KEY), None).await;
    assert_eq!(status, 200);
    assert_eq!(listed["passkeys"][0]["name"], "Shop laptop", "{listed}");
}
