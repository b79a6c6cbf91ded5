//! Real third-party clients: Auth0's Node SDKs (`auth0` and `@auth0/auth0-auth-js` on npm) run
//! their passwordless, token and revocation calls against Tessera over loopback TLS, and validate
//! the ID token they get back their own way (issuer with a trailing slash, JWKS at
//! `/.well-known/jwks.json`, tokens from `/oauth/token`).

use base64::Engine;
use serde_json::{Value, json};
use tessera::config::ApiConfig;

use crate::support::node::{Script, localhost_certs};
use crate::support::process::free_port;
use crate::support::{TestServer, client};

const SDK: &str = "auth0@4.37.1";
const AUTH_JS: &str = "@auth0/auth0-auth-js@1.16.1";
const SECRET: &str = "sdk-secret-0123456789abcdef";
const NOTES: &str = "https://notes.example/api";

fn claims(jwt: &str) -> Value {
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1).unwrap()).unwrap();
    serde_json::from_slice(&payload).unwrap()
}

/// Tessera with an issuer at `https://localhost:{port}/` (the SDKs' TLS proxy) and a client
/// `sdk` that sends its secret in the body, as Auth0's SDKs do.
async fn server(port: u16, adjust: impl FnOnce(&mut tessera::config::Config)) -> (TestServer, String) {
    let issuer = format!("https://localhost:{port}/");
    let server = TestServer::start_with(|c| {
        c.issuer = issuer.clone();
        let mut sdk = client("sdk", Some(SECRET), "client_secret_post", "RS256", &issuer);
        sdk.passwordless = true;
        c.clients.push(sdk);
        adjust(c);
    })
    .await;
    (server, issuer)
}

#[tokio::test]
async fn auth0s_node_sdk_signs_in_with_its_passwordless_methods() {
    let modules = crate::support::npm::package(SDK);
    let certs = localhost_certs();
    let port = free_port();
    let (server, issuer) = server(port, |_| {}).await;
    let target = server.base.replace("localhost", "127.0.0.1");
    let email = "ada@example.com";
    let (cert, key) = (certs.cert.to_str().unwrap(), certs.key.to_str().unwrap());
    let args = [port.to_string().as_str(), &target, cert, key, "sdk", SECRET, email].map(str::to_owned);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut node = Script::start("auth0_sdk.cjs", &args, &[modules], Some(&certs.cert));
    let first = node.next().await;
    assert_eq!(first, "sent", "sendEmail succeeded: {first}");
    node.send(&server.smtp.nth_to(email, 1).await.code());
    let outcome = node.next_json().await;
    assert_eq!(outcome["ok"], true, "loginWithEmail succeeded and the SDK accepted the ID token: {outcome}");

    let claims = claims(outcome["id_token"].as_str().unwrap());
    let user = server.state.directory.user_by_email(&email.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!((claims["iss"].as_str(), claims["sub"].as_str()), (Some(issuer.as_str()), Some(user.id.0.as_str())));
}

#[tokio::test]
async fn auth0s_sdks_get_tokens_for_an_audience_and_revoke_their_refresh_tokens() {
    let modules = [crate::support::npm::package(SDK), crate::support::npm::package(AUTH_JS)];
    let certs = localhost_certs();
    let port = free_port();
    let (server, _) = server(port, |c| {
        c.login.resend_cooldown_secs = 0;
        c.apis.push(ApiConfig {
            identifier: NOTES.into(),
            name: None,
            scopes: vec!["read:notes".into()],
            token_lifetime_secs: Some(900),
            signing_alg: "ES256".into(),
        });
    })
    .await;
    let target = server.base.replace("localhost", "127.0.0.1");
    let email = "ada@example.com";
    let (cert, key) = (certs.cert.to_str().unwrap(), certs.key.to_str().unwrap());
    let args = [port.to_string().as_str(), &target, cert, key, "sdk", SECRET, email, NOTES].map(str::to_owned);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut node = Script::start("auth0_revoke.cjs", &args, &modules, Some(&certs.cert));
    for (n, sdk) in [(1, "auth0-auth-js"), (2, "auth0")] {
        assert_eq!(node.next_json().await, json!({"sent": sdk}), "{sdk}: the code was requested");
        let mail = server.smtp.nth_to(email, n).await;
        if sdk == "auth0-auth-js" {
            assert!(mail.subject().contains(" est votre code pour "), "language: fr-CA: {}", mail.subject());
        }
        node.send(&mail.code());
        let outcome = node.next_json().await;
        assert_eq!(outcome["sdk"], sdk, "{outcome}");
        let access = claims(outcome["access_token"].as_str().unwrap());
        assert_eq!(access["aud"][0], NOTES, "{sdk}: the access token is for the API");
        assert_eq!(access["exp"].as_i64().unwrap() - access["iat"].as_i64().unwrap(), 900);
        assert!(access["scope"].as_str().unwrap().contains("read:notes"));
        assert_eq!((&outcome["revoked"], &outcome["refused"]), (&json!(true), &json!(true)), "{sdk}: {outcome}");
    }
}
