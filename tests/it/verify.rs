//! The embedded `/verify` API (Vonage Verify's shape): send, check, status, cancel, and the
//! signed status callback, over real HTTP with every error status.

use serde_json::{Value, json};

use crate::embedded::{EMAIL, OTHER_SECRET, SECRET, call, server_with};
use crate::support::TestServer;
use crate::support::receiver::Receiver;

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
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    // Tessera's clock is the test's; the receiver checks exp against it below.
    validation.validate_exp = false;
    jsonwebtoken::decode::<Value>(jwt, &key, &validation).unwrap().claims
}

#[tokio::test]
async fn the_verify_status_callback_expires_minutes_after_it_is_issued() {
    let receiver = Receiver::start().await;
    let server = server_with(Some(&receiver), |_| {}).await;
    let (_, created) = verify(&server, json!({"email": EMAIL})).await;
    let id = created["request_id"].as_str().unwrap().to_string();
    assert_eq!(check(&server, &id, &latest_code(&server, EMAIL, 1).await).await.0, 200);
    let status = verified_status(&server, callbacks(&receiver, 1).await[0].as_str().unwrap()).await;
    let lifetime = status["exp"].as_i64().expect("exp") - status["iat"].as_i64().unwrap();
    assert!((60..=600).contains(&lifetime), "a replayed callback is refused after minutes: {lifetime} s");
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

#[tokio::test]
async fn verify_checks_count_against_the_per_ip_and_per_identifier_check_limits() {
    let server = server_with(None, |c| {
        c.login.checks_per_identifier = 3;
        c.login.checks_per_ip = 5;
    })
    .await;
    let (_, created) = verify(&server, json!({"email": "a@example.com"})).await;
    let id = created["request_id"].as_str().unwrap().to_string();
    let code = latest_code(&server, "a@example.com", 1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..3 {
        assert_eq!(check(&server, &id, wrong).await.0, 400);
    }
    let (status, refused) = check(&server, &id, &code).await;
    assert_eq!(status, 429, "the identifier's checks are spent, within the request's five: {refused}");

    let (_, created) = verify(&server, json!({"email": "b@example.com"})).await;
    let other = created["request_id"].as_str().unwrap().to_string();
    assert_eq!(check(&server, &other, wrong).await.0, 400);
    assert_eq!(check(&server, &other, wrong).await.0, 429, "the address's five checks are spent");
}

#[tokio::test]
async fn verify_messages_speak_the_locale_carry_the_brand_and_say_the_pin_expiry() {
    use crate::support::sms_vendor::{self as vendor, Vendor};
    let v = Vendor::start().await;
    let base = v.base.clone();
    let server = server_with(None, move |c| {
        c.sms.provider = tessera::config::SmsProvider::Twilio;
        c.sms.from = vendor::FROM.into();
        c.sms.allowed_country_codes = vec![44];
        c.sms.twilio_account_sid = vendor::TWILIO_SID.into();
        c.sms.twilio_auth_token = vendor::TWILIO_TOKEN.into();
        c.sms.twilio_base_url = base;
    })
    .await;
    let body = json!({"number": "+447911123456", "brand": "Acme", "locale": "de-de", "pin_expiry": 90});
    assert_eq!(verify(&server, body).await.0, 200, "any locale Tessera speaks is taken");
    for _ in 0..100 {
        if v.count() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let text = v.sent.lock().unwrap()[0].1.clone();
    assert!(text.contains("Acme") && text.contains("90 Sekunden"), "German, the brand, 90 seconds: {text}");
    assert!(v.malformed.lock().unwrap().is_empty());

    let body = json!({"email": EMAIL, "brand": "Acme", "locale": "fr-fr", "pin_expiry": 120});
    assert_eq!(verify(&server, body).await.0, 200);
    let mail = server.smtp.nth_to(EMAIL, 1).await;
    assert!(mail.subject().contains("est votre code pour Acme"), "{}", mail.subject());
    assert!(mail.data.contains("2 minutes"), "the expiry is pin_expiry's");
    assert!(!mail.data.contains("10 minutes"));
}
