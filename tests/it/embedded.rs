//! The embedded APIs: `/passwordless/start` with the passwordless OTP grant (Auth0's shape), and
//! `/verify` (Vonage Verify's shape), over real HTTP with every error status.

use serde_json::{Value, json};
use tessera::config::SmsProvider;

use crate::support::browser::{Browser, param};
use crate::support::receiver::Receiver;
use crate::support::sms_vendor::{self as vendor, Vendor};
use crate::support::{TestServer, client};

const SECRET: &str = "app-secret-0123456789abcdef";
const OTHER_SECRET: &str = "other-secret-0123456789abcdef";
const GRANT: &str = "http://auth0.com/oauth/grant-type/passwordless/otp";
const EMAIL: &str = "ada@example.com";

async fn server_with(receiver: Option<&Receiver>, adjust: impl FnOnce(&mut tessera::config::Config)) -> TestServer {
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

async fn call(
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
    let body = json!({"connection": "email", "email": EMAIL});
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
    let mut public = client("spa2", None, "none", "ES256", "http://localhost");
    public.passwordless = true;
    assert!(tessera::config::check_client(&public).is_err(), "public clients cannot have the embedded APIs");
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
                .json(&json!({"connection": "email", "email": format!("user{n}@example.com")}))
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

async fn verify(server: &TestServer, body: Value) -> (u16, Value) {
    call(server, reqwest::Method::POST, "/verify", ("app", SECRET), Some(body)).await
}

async fn check(server: &TestServer, id: &str, code: &str) -> (u16, Value) {
    call(server, reqwest::Method::POST, &format!("/verify/{id}/check"), ("app", SECRET), Some(json!({"code": code})))
        .await
}

async fn latest_code(server: &TestServer, to: &str, n: usize) -> String {
    server.smtp.nth_to(to, n).await.code()
}

async fn callbacks(receiver: &Receiver, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        if receiver.hooks.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    receiver
        .hooks
        .lock()
        .unwrap()
        .iter()
        .map(|(_, _, body)| Value::String(String::from_utf8(body.clone()).unwrap()))
        .collect()
}

/// Verifies a status callback the way a receiver would: against the JWKS.
async fn verified_status(server: &TestServer, jwt: &str) -> Value {
    let jwks: jsonwebtoken::jwk::JwkSet = reqwest::get(server.url("/jwks")).await.unwrap().json().await.unwrap();
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    assert_eq!(header.typ.as_deref(), Some("verify-status+jwt"));
    let key = jsonwebtoken::DecodingKey::from_jwk(jwks.find(&header.kid.unwrap()).unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&["app"]);
    validation.set_issuer(&[&server.base]);
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(jwt, &key, &validation).unwrap().claims
}

#[tokio::test]
async fn verify_sends_checks_and_reports_each_status() {
    let receiver = Receiver::start().await;
    let server = server_with(Some(&receiver), |_| {}).await;
    let (status, created) =
        verify(&server, json!({"email": EMAIL, "brand": "Acme", "code_length": 8, "client_ref": "order-7"})).await;
    assert_eq!(status, 200, "{created}");
    let id = created["request_id"].as_str().unwrap().to_string();
    let code = latest_code(&server, EMAIL, 1).await;
    assert_eq!(code.len(), 8);
    assert!(server.smtp.nth_to(EMAIL, 1).await.subject().contains("Acme"));

    let (status, again) = verify(&server, json!({"email": EMAIL})).await;
    assert_eq!(
        (status, again["request_id"].as_str(), again["status"].as_str()),
        (409, Some(id.as_str()), Some("in_progress"))
    );
    assert_eq!(server.smtp.count_to(EMAIL), 1, "no second message");

    let (status, wrong) = check(&server, &id, "00000000").await;
    assert_eq!((status, wrong["status"].as_str(), wrong["attempts_left"].as_u64()), (400, Some("wrong_code"), Some(4)));
    let (status, state) = call(&server, reqwest::Method::GET, &format!("/verify/{id}"), ("app", SECRET), None).await;
    assert_eq!((status, state["status"].as_str(), state["checks"].as_u64()), (200, Some("in_progress"), Some(1)));
    assert_eq!(state["client_ref"], "order-7");

    let (status, done) = check(&server, &id, &code).await;
    assert_eq!((status, done["status"].as_str()), (200, Some("completed")));
    assert_eq!(check(&server, &id, &code).await.0, 409, "already verified");
    let posted = callbacks(&receiver, 1).await;
    let status_claims = verified_status(&server, posted[0].as_str().unwrap()).await;
    assert_eq!(
        (status_claims["status"].as_str(), status_claims["request_id"].as_str()),
        (Some("completed"), Some(id.as_str()))
    );
    assert_eq!(status_claims["client_ref"], "order-7");

    // Not found for an unknown id, and for another client's request.
    assert_eq!(check(&server, "nope", "1234").await.0, 404);
    let (status, _) =
        call(&server, reqwest::Method::GET, &format!("/verify/{id}"), ("other", OTHER_SECRET), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn verify_requests_expire_can_be_cancelled_and_end_after_too_many_wrong_codes() {
    let receiver = Receiver::start().await;
    let server = server_with(Some(&receiver), |_| {}).await;
    let (_, created) = verify(&server, json!({"email": "a@example.com", "pin_expiry": 60})).await;
    let expiring = created["request_id"].as_str().unwrap().to_string();
    let code = latest_code(&server, "a@example.com", 1).await;
    server.clock.advance(61);
    assert_eq!(
        check(&server, &expiring, &code).await,
        (410, json!({"status": "expired", "error": "The code has expired. Start a new verification."}))
    );

    let (_, created) = verify(&server, json!({"email": "b@example.com"})).await;
    let cancelled = created["request_id"].as_str().unwrap().to_string();
    let (status, body) =
        call(&server, reqwest::Method::DELETE, &format!("/verify/{cancelled}"), ("app", SECRET), None).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("cancelled")));
    assert_eq!(check(&server, &cancelled, "123456").await.0, 410);

    let (_, created) = verify(&server, json!({"email": "c@example.com"})).await;
    let failing = created["request_id"].as_str().unwrap().to_string();
    let real = latest_code(&server, "c@example.com", 1).await;
    let wrong = if real == "000000" { "111111" } else { "000000" };
    let statuses: Vec<u16> = futures::future::join_all((0..5).map(|_| check(&server, &failing, wrong)))
        .await
        .iter()
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 410).count(), 1, "{statuses:?}");
    assert_eq!(check(&server, &failing, &real).await.1["status"], "failed", "the request ended");

    let mut ends: Vec<String> = Vec::new();
    for jwt in callbacks(&receiver, 3).await {
        ends.push(verified_status(&server, jwt.as_str().unwrap()).await["status"].as_str().unwrap().to_string());
    }
    ends.sort();
    assert_eq!(ends, ["cancelled", "expired", "failed"]);

    for bad in [
        json!({"email": "d@example.com", "code_length": 3}),
        json!({"email": "d@example.com", "pin_expiry": 30}),
        json!({"email": "d@example.com", "number": "+447911123456"}),
        json!({"email": "not-an-address"}),
        json!({"email": "d@example.com", "locale": "de-de"}),
    ] {
        let (status, body) = verify(&server, bad.clone()).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{bad}");
    }
}

#[tokio::test]
async fn two_checks_of_the_right_code_at_once_succeed_exactly_once() {
    let server = server_with(None, |_| {}).await;
    let (_, created) = verify(&server, json!({"email": EMAIL})).await;
    let id = created["request_id"].as_str().unwrap().to_string();
    let code = latest_code(&server, EMAIL, 1).await;
    let results = futures::future::join_all((0..4).map(|_| check(&server, &id, &code))).await;
    assert_eq!(results.iter().filter(|(s, _)| *s == 200).count(), 1, "{results:?}");
}
