//! The embedded APIs: `/passwordless/start` with the passwordless OTP grant (Auth0's shape), and
//! the links it sends, over real HTTP with every error status.

use serde_json::{Value, json};
use tessera::config::SmsProvider;

use crate::support::browser::{Browser, param};
use crate::support::receiver::Receiver;
use crate::support::sms_vendor::{self as vendor, Vendor};
use crate::support::{TestServer, client};

pub(crate) const SECRET: &str = "app-secret-0123456789abcdef";
pub(crate) const OTHER_SECRET: &str = "other-secret-0123456789abcdef";
const GRANT: &str = "http://auth0.com/oauth/grant-type/passwordless/otp";
pub(crate) const EMAIL: &str = "ada@example.com";

pub(crate) async fn server_with(
    receiver: Option<&Receiver>,
    adjust: impl FnOnce(&mut tessera::config::Config),
) -> TestServer {
    let callback = receiver.map(|r| format!("{}/hook", r.base));
    TestServer::start_with(move |c| {
        let mut app = client("app", Some(SECRET), "client_secret_basic", "ES256", &c.issuer);
        app.passwordless = true;
        app.verify_callback_url = callback;
        let mut other = client("other", Some(OTHER_SECRET), "client_secret_basic", "ES256", &c.issuer);
        other.passwordless = true;
        // Auth0 SDKs send the secret in the body.
        let mut sdk = client("sdk", Some(SECRET), "client_secret_post", "ES256", &c.issuer);
        sdk.passwordless = true;
        c.clients.push(sdk);
        c.clients.push(app);
        c.clients.push(other);
        adjust(c);
    })
    .await
}

pub(crate) async fn call(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    auth: (&str, &str),
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, server.url(path)).basic_auth(auth.0, Some(auth.1));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn otp_token(server: &TestServer, username: &str, otp: &str, scope: &str) -> (u16, Value) {
    let form = [("grant_type", GRANT), ("realm", "email"), ("username", username), ("otp", otp), ("scope", scope)];
    let (status, body, _) = crate::support::raw_token(server, &form, Some(("app", SECRET))).await;
    (status, body)
}

fn claims(jwt: &str) -> Value {
    use base64::Engine;
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1).unwrap()).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn an_emailed_code_redeemed_with_the_passwordless_grant_returns_the_token_set() {
    let server = server_with(None, |_| {}).await;
    // JSON with the secret in the body, as Auth0 SDKs send it.
    let start = reqwest::Client::new()
        .post(server.url("/passwordless/start"))
        .json(&json!({"client_id": "sdk", "client_secret": SECRET, "connection": "email", "email": EMAIL, "send": "code"}))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 200);
    let started: Value = start.json().await.unwrap();
    assert_eq!((started["email"].as_str(), started["email_verified"].as_bool()), (Some(EMAIL), Some(false)));
    let code = server.smtp.nth_to(EMAIL, 1).await.code();

    let form = [
        ("grant_type", GRANT),
        ("client_id", "sdk"),
        ("client_secret", SECRET),
        ("realm", "email"),
        ("username", EMAIL),
        ("otp", code.as_str()),
        ("scope", "openid email offline_access"),
    ];
    let (status, tokens, _) = crate::support::raw_token(&server, &form, None).await;
    assert_eq!(status, 200, "{tokens}");
    assert!(tokens["access_token"].is_string() && tokens["refresh_token"].is_string());
    let id = claims(tokens["id_token"].as_str().unwrap());
    let user = server.state.directory.user_by_email(&EMAIL.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(
        (id["sub"].as_str(), id["aud"].as_str(), id["email"].as_str()),
        (Some(user.id.0.as_str()), Some("sdk"), Some(EMAIL))
    );
    let (status, _, _) = crate::support::raw_token(&server, &form, None).await;
    assert_eq!(status, 400, "a code works once");

    let discovery: Value =
        reqwest::get(server.url("/.well-known/openid-configuration")).await.unwrap().json().await.unwrap();
    assert!(discovery["grant_types_supported"].as_array().unwrap().contains(&json!(GRANT)));
}

#[tokio::test]
async fn wrong_codes_are_invalid_grant_and_the_attempt_cap_kills_the_code() {
    let server = server_with(None, |_| {}).await;
    let body = json!({"connection": "email", "email": EMAIL, "send": "code"});
    assert_eq!(call(&server, reqwest::Method::POST, "/passwordless/start", ("app", SECRET), Some(body)).await.0, 200);
    let code = server.smtp.nth_to(EMAIL, 1).await.code();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mut descriptions = Vec::new();
    for _ in 0..5 {
        let (status, body) = otp_token(&server, EMAIL, wrong, "openid").await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
        descriptions.push(body["error_description"].as_str().unwrap().to_string());
    }
    assert_eq!(descriptions[0], descriptions[3]);
    assert_ne!(descriptions[4], descriptions[0], "the last attempt says the limit was reached");
    assert!(descriptions[4].contains("maximum number of attempts"));
    assert_eq!(otp_token(&server, EMAIL, &code, "openid").await.0, 400, "the code is dead");
    assert_eq!(otp_token(&server, EMAIL, &code, "admin").await.1["error"], "invalid_scope");
}

#[tokio::test]
async fn a_client_not_allowed_the_passwordless_apis_is_refused() {
    let server = server_with(None, |_| {}).await;
    let body = json!({"connection": "email", "email": EMAIL});
    let (status, answer) =
        call(&server, reqwest::Method::POST, "/passwordless/start", ("web", crate::support::WEB_SECRET), Some(body))
            .await;
    assert_eq!((status, answer["error"].as_str()), (400, Some("unauthorized_client")));
    let form = [("grant_type", GRANT), ("realm", "email"), ("username", EMAIL), ("otp", "123456")];
    let (status, answer, _) =
        crate::support::raw_token(&server, &form, Some(("web", crate::support::WEB_SECRET))).await;
    assert_eq!((status, answer["error"].as_str()), (400, Some("unauthorized_client")));
    let (status, _) = call(
        &server,
        reqwest::Method::POST,
        "/verify",
        ("web", crate::support::WEB_SECRET),
        Some(json!({"email": EMAIL})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = call(
        &server,
        reqwest::Method::POST,
        "/passwordless/start",
        ("app", "wrong-secret-0123456789"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_link_sent_by_the_api_continues_with_the_auth_params_in_the_browser() {
    let server = server_with(None, |_| {}).await;
    let redirect = server.redirect_uri("app");
    let auth_params = json!({"response_type": "code", "redirect_uri": redirect, "scope": "openid", "state": "s-1",
                             "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"});
    let body = json!({"connection": "email", "email": EMAIL, "send": "link", "authParams": auth_params});
    assert_eq!(call(&server, reqwest::Method::POST, "/passwordless/start", ("app", SECRET), Some(body)).await.0, 200);
    let mail = server.smtp.nth_to(EMAIL, 1).await;
    assert!(mail.subject().starts_with("Your link"), "a link, no code: {}", mail.subject());
    let link = mail.data.replace("=\r\n", "");
    let at = link.find("/passwordless/link/").unwrap();
    let path: String = link[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || "/-_".contains(*c)).collect();
    let browser = server.browser();
    assert_eq!(reqwest::get(server.url(&path)).await.unwrap().status(), 200, "a scanner's GET changes nothing");
    let authorize = Browser::location(&browser.post(&path, &[]).await);
    assert!(authorize.starts_with("/authorize?client_id=app&"));
    let callback = url::Url::parse(&Browser::location(&browser.get(&authorize).await)).unwrap();
    assert!(callback.as_str().starts_with(&redirect));
    assert_eq!(param(&callback, "state").as_deref(), Some("s-1"));
    assert!(param(&callback, "code").is_some());
    assert_eq!(browser.post(&path, &[]).await.status(), 400, "the link works once");
}

#[tokio::test]
async fn the_sms_connection_sends_through_the_vendor_and_the_forwarded_ip_gets_its_own_budget() {
    let v = Vendor::start().await;
    let base = v.base.clone();
    let server = server_with(None, move |c| {
        c.sms.provider = SmsProvider::Twilio;
        c.sms.from = vendor::FROM.into();
        c.sms.allowed_country_codes = vec![44];
        c.sms.twilio_account_sid = vendor::TWILIO_SID.into();
        c.sms.twilio_auth_token = vendor::TWILIO_TOKEN.into();
        c.sms.twilio_base_url = base;
        c.login.sends_per_window = 1;
        c.sms.per_prefix_per_hour = 100;
    })
    .await;
    let body = json!({"connection": "sms", "phone_number": "+44 7911 123456"});
    let (status, started) =
        call(&server, reqwest::Method::POST, "/passwordless/start", ("app", SECRET), Some(body)).await;
    assert_eq!((status, started["phone_number"].as_str()), (200, Some("+447911123456")));
    for _ in 0..100 {
        if v.count() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let code = v.code_to("+447911123456").unwrap();
    let form = [
        ("grant_type", GRANT),
        ("realm", "sms"),
        ("username", "+447911123456"),
        ("otp", code.as_str()),
        ("scope", "openid phone"),
    ];
    let (status, tokens, _) = crate::support::raw_token(&server, &form, Some(("app", SECRET))).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(claims(tokens["id_token"].as_str().unwrap())["phone_number"], "+447911123456");

    // Ten sends per IP (ten times the per-address budget of one): the forwarded address counts.
    let send = |n: u32, ip: &'static str| {
        let server = &server;
        async move {
            reqwest::Client::new()
                .post(server.url("/passwordless/start"))
                .basic_auth("app", Some(SECRET))
                .header("auth0-forwarded-for", ip)
                .json(&json!({"connection": "email", "email": format!("user{n}@example.com"), "send": "code"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for n in 0..10 {
        assert_eq!(send(n, "198.51.100.1").await, 200);
    }
    assert_eq!(send(10, "198.51.100.1").await, 429, "the end user's own budget is spent");
    assert_eq!(send(11, "198.51.100.2").await, 200, "another end user behind the same backend is not");
}
