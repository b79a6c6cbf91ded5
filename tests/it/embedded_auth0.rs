//! Auth0's rules on the embedded passwordless API: public (single-page and native) clients on
//! `/passwordless/start` and the OTP grant, with Auth0's per-address limit; a link when `send`
//! is absent; `x-request-language` choosing the message's language.

use serde_json::{Value, json};

use crate::embedded::{EMAIL, SECRET, call, server_with};
use crate::support::{TestServer, client};

const GRANT: &str = "http://auth0.com/oauth/grant-type/passwordless/otp";

/// A public client calls as Auth0's browser and mobile SDKs do: `client_id`, no secret.
async fn public_start(server: &TestServer, email: &str) -> (u16, Value) {
    let body = json!({"client_id": "native", "connection": "email", "email": email, "send": "code"});
    let response = reqwest::Client::new().post(server.url("/passwordless/start")).json(&body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn with_public_client(adjust: impl FnOnce(&mut tessera::config::Config)) -> TestServer {
    server_with(None, |c| {
        let mut native = client("native", None, "none", "ES256", &c.issuer);
        native.passwordless = true;
        c.clients.push(native);
        adjust(c);
    })
    .await
}

#[tokio::test]
async fn a_public_client_signs_in_with_the_passwordless_api_without_a_secret() {
    let server = with_public_client(|_| {}).await;
    assert_eq!(public_start(&server, EMAIL).await.0, 200);
    let code = server.smtp.nth_to(EMAIL, 1).await.code();
    let form = [
        ("grant_type", GRANT),
        ("client_id", "native"),
        ("realm", "email"),
        ("username", EMAIL),
        ("otp", code.as_str()),
        ("scope", "openid email"),
    ];
    let (status, tokens, _) = crate::support::raw_token(&server, &form, None).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens["id_token"].is_string());
    // The verify API is server-to-server: a public client has no business there.
    let verify = reqwest::Client::new()
        .post(server.url("/verify"))
        .json(&json!({"client_id": "native", "email": EMAIL}))
        .send()
        .await
        .unwrap();
    assert_eq!(verify.status(), 400);
}

#[tokio::test]
async fn a_public_client_gets_auth0s_fifty_starts_an_hour_from_one_address() {
    let server = with_public_client(|c| {
        // Tessera's own per-identifier and per-address limits wide open, so Auth0's binds.
        c.login.sends_per_window = 100;
        c.login.resend_cooldown_secs = 0;
    })
    .await;
    for n in 0..50 {
        assert_eq!(public_start(&server, &format!("user{n}@example.com")).await.0, 200, "start {n}");
    }
    let (status, answer) = public_start(&server, "user50@example.com").await;
    assert_eq!((status, answer["error"].as_str()), (429, Some("too_many_attempts")));
    // A forwarded address is not believed without a secret: the caller's own still counts.
    let forwarded = reqwest::Client::new()
        .post(server.url("/passwordless/start"))
        .header("auth0-forwarded-for", "198.51.100.7")
        .json(&json!({"client_id": "native", "connection": "email", "email": "user51@example.com", "send": "code"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forwarded.status(), 429);
    let confidential = json!({"connection": "email", "email": "user52@example.com", "send": "code"});
    let (status, _) =
        call(&server, reqwest::Method::POST, "/passwordless/start", ("app", SECRET), Some(confidential)).await;
    assert_eq!(status, 200, "the limit is the public client's, not the address's for everyone");
}

#[tokio::test]
async fn without_send_an_email_carries_a_link_as_at_auth0_and_a_text_a_code() {
    let server = server_with(None, |_| {}).await;
    let body = json!({"connection": "email", "email": EMAIL});
    assert_eq!(call(&server, reqwest::Method::POST, "/passwordless/start", ("app", SECRET), Some(body)).await.0, 200);
    let mail = server.smtp.nth_to(EMAIL, 1).await;
    assert!(mail.subject().starts_with("Your link"), "a link, no code: {}", mail.subject());
    assert!(mail.data.replace("=\r\n", "").contains("/passwordless/link/"));
    let bad = json!({"connection": "email", "email": EMAIL, "send": "carrier-pigeon"});
    let (status, answer) =
        call(&server, reqwest::Method::POST, "/passwordless/start", ("app", SECRET), Some(bad)).await;
    assert_eq!((status, answer["error"].as_str()), (400, Some("invalid_request")));
}

#[tokio::test]
async fn x_request_language_chooses_the_language_of_the_message() {
    let server = server_with(None, |_| {}).await;
    let start = |lang: &'static str, email: &'static str| {
        let server = &server;
        async move {
            reqwest::Client::new()
                .post(server.url("/passwordless/start"))
                .basic_auth("app", Some(SECRET))
                .header("x-request-language", lang)
                .json(&json!({"connection": "email", "email": email, "send": "code"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(start("fr-CA", EMAIL).await, 200);
    let subject = server.smtp.nth_to(EMAIL, 1).await.subject();
    assert!(subject.contains(" est votre code pour "), "French for fr-CA: {subject}");
    assert_eq!(start("tlh", "grace@example.com").await, 200);
    let subject = server.smtp.nth_to("grace@example.com", 1).await.subject();
    assert!(subject.contains(" is your code for "), "an unknown language falls back: {subject}");
}
