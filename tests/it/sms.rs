//! SMS sign-in codes through each vendor's real request format, and the abuse controls: the
//! country allowlist, per-number, per-prefix and daily caps, the resend cool-down, limits on
//! checking, invalid numbers, and identical answers for known and unknown numbers.

use tessera::config::{Config, SmsProvider};
use tessera::model::AuditQuery;

use crate::support::browser::{Browser, LoginPage, Step, param};
use crate::support::sms_vendor::{self as vendor, Vendor};
use crate::support::{TestServer, rp};

const UK: &str = "+447911123456";

fn configure(c: &mut Config, v: &Vendor, provider: SmsProvider) {
    let s = &mut c.sms;
    s.provider = provider;
    s.from = vendor::FROM.into();
    s.allowed_country_codes = vec![44, 1];
    s.twilio_account_sid = vendor::TWILIO_SID.into();
    s.twilio_auth_token = vendor::TWILIO_TOKEN.into();
    s.twilio_base_url = v.base.clone();
    s.vonage_api_key = vendor::VONAGE_KEY.into();
    s.vonage_api_secret = vendor::VONAGE_SECRET.into();
    s.vonage_base_url = v.base.clone();
    s.webhook_url = format!("{}/webhook", v.base);
    s.webhook_secret = vendor::WEBHOOK_SECRET.into();
}

async fn setup(provider: SmsProvider, adjust: impl FnOnce(&mut Config)) -> (TestServer, Vendor) {
    let v = Vendor::start().await;
    let v2 = v.clone();
    let server = TestServer::start_with(move |c| {
        configure(c, &v2, provider);
        adjust(c);
    })
    .await;
    (server, v)
}

async fn login_page(server: &TestServer, browser: &Browser) -> (rp::Client, rp::Pending, LoginPage) {
    let client = rp::client(server, "web").await;
    let pending = rp::start(&client, &["openid", "phone"]);
    let Step::Login(page) = browser.authorize(&pending.url).await else { panic!("a login page") };
    (client, pending, page)
}

async fn send(browser: &Browser, page: &LoginPage, phone: &str) -> reqwest::Response {
    browser.post(&format!("/login/{}/phone", page.id), &[("csrf", &page.csrf), ("phone", phone)]).await
}

async fn wait_for_text(v: &Vendor, n: usize) {
    for _ in 0..100 {
        if v.count() >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no text message #{n}");
}

async fn phone_sign_in_through(provider: SmsProvider) {
    let (server, v) = setup(provider, |_| {}).await;
    let browser = server.browser();
    let (client, pending, page) = login_page(&server, &browser).await;
    assert!(page.html.contains(&format!("/login/{}/phone", page.id)), "the identify page offers phone sign-in");
    let sent = send(&browser, &page, "+44 7911 123456").await;
    assert_eq!(Browser::location(&sent), format!("/login/{}/code", page.id));
    wait_for_text(&v, 1).await;
    assert!(v.malformed.lock().unwrap().is_empty(), "{:?}", v.malformed.lock().unwrap());
    let (to, text) = v.sent.lock().unwrap()[0].clone();
    assert_eq!(to, UK, "normalised to E.164");
    let host = url::Url::parse(&server.base).unwrap().host_str().unwrap().to_string();
    assert!(text.ends_with(&format!("\n@{host} #{}", &text[..6])), "WebOTP line last: {text}");
    assert!(browser.get(&format!("/login/{}/code", page.id)).await.text().await.unwrap().contains("Check your phone"));

    let code = v.code_to(UK).unwrap();
    let resume = Browser::location(&browser.submit_code(&page, &code).await);
    let callback = url::Url::parse(&Browser::location(&browser.get(&resume).await)).unwrap();
    rp::redeem(&client, pending, &param(&callback, "code").unwrap()).await;
    let user = server
        .state
        .directory
        .user_by_identifier(&tessera::model::Identifier::Phone(tessera::model::Phone::parse(UK, None).unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert!(user.phone_verified && user.email.is_none());
}

#[tokio::test]
async fn a_phone_sign_in_completes_through_twilio() {
    phone_sign_in_through(SmsProvider::Twilio).await;
}

#[tokio::test]
async fn a_phone_sign_in_completes_through_vonage() {
    phone_sign_in_through(SmsProvider::Vonage).await;
}

#[tokio::test]
async fn a_phone_sign_in_completes_through_a_signed_webhook() {
    phone_sign_in_through(SmsProvider::Webhook).await;
}

async fn events(server: &TestServer, kind: &str) -> Vec<serde_json::Value> {
    server.state.flush_audit().await;
    let q = AuditQuery { kind: Some(kind.into()), limit: 50, ..Default::default() };
    server.state.directory.audit_events(&q).await.unwrap().into_iter().map(|e| e.detail).collect()
}

#[tokio::test]
async fn a_vendor_error_becomes_an_audit_event_and_the_page_stays_the_same() {
    for provider in [SmsProvider::Twilio, SmsProvider::Vonage, SmsProvider::Webhook] {
        let (server, v) = setup(provider, |_| {}).await;
        v.reject.lock().unwrap().push(UK.into());
        let browser = server.browser();
        let (_, _, page) = login_page(&server, &browser).await;
        let sent = send(&browser, &page, UK).await;
        assert_eq!(Browser::location(&sent), format!("/login/{}/code", page.id), "{provider:?}");
        let mut failures = Vec::new();
        for _ in 0..100 {
            failures = events(&server, "sms_failed").await;
            if !failures.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let error = failures[0]["error"].as_str().unwrap().to_string();
        let expected = match provider {
            SmsProvider::Twilio => "twilio 21211: The 'To' number +447911123456 is not a valid phone number.",
            SmsProvider::Vonage => "vonage 3: Invalid Message: invalid to number",
            _ => "webhook answered 422",
        };
        assert!(error.contains(expected), "{provider:?}: {error}");
        assert_eq!(failures[0]["to"], "+44••••••••56", "numbers are masked");
    }
}

#[tokio::test]
async fn numbers_outside_the_country_allowlist_and_invalid_numbers_are_refused() {
    let (server, v) = setup(SmsProvider::Twilio, |_| {}).await;
    let browser = server.browser();
    let (_, _, page) = login_page(&server, &browser).await;
    let refused = send(&browser, &page, "+49 30 901820").await;
    assert_eq!(Browser::location(&refused), format!("/login/{}/phone?e=sms_refused", page.id));
    assert_eq!(events(&server, "sms_refused").await[0]["reason"], "country_not_allowed");
    let invalid = send(&browser, &page, "+44 12").await;
    assert_eq!(Browser::location(&invalid), format!("/login/{}/phone?e=phone_invalid", page.id));
    let html = browser.get(&format!("/login/{}/phone?e=phone_invalid", page.id)).await.text().await.unwrap();
    assert!(html.contains("not a valid phone number") && html.contains("aria-invalid=\"true\""));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(v.count(), 0, "nothing was sent");
}

#[tokio::test]
async fn per_number_per_prefix_and_daily_caps_stop_sms_pumping() {
    let (server, _) = setup(SmsProvider::Twilio, |c| {
        c.sms.per_number_per_hour = 2;
        c.sms.per_prefix_per_hour = 3;
        c.sms.daily_cap = 4;
    })
    .await;
    let browser = server.browser();
    let (_, _, page) = login_page(&server, &browser).await;
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(status(send(&browser, &page, "+447911123401").await), 303);
    assert_eq!(status(send(&browser, &page, "+447911123401").await), 303);
    assert_eq!(status(send(&browser, &page, "+447911123401").await), 429, "per-number cap");
    assert_eq!(status(send(&browser, &page, "+447911123402").await), 303);
    assert_eq!(status(send(&browser, &page, "+447911123403").await), 429, "per-prefix cap (+447911)");
    assert_eq!(status(send(&browser, &page, "+14155552671").await), 303);
    assert_eq!(status(send(&browser, &page, "+14155552672").await), 429, "daily cap");
    let reasons: Vec<String> =
        events(&server, "sms_refused").await.iter().map(|d| d["reason"].as_str().unwrap().to_string()).collect();
    for reason in ["number_velocity", "prefix_velocity", "daily_cap"] {
        assert!(reasons.iter().any(|r| r == reason), "{reason} audited: {reasons:?}");
    }
}

#[tokio::test]
async fn sending_again_waits_for_the_cool_down_and_the_code_page_offers_it() {
    let (server, v) = setup(SmsProvider::Vonage, |c| c.login.resend_cooldown_secs = 30).await;
    let browser = server.browser();
    let (_, _, page) = login_page(&server, &browser).await;
    assert_eq!(send(&browser, &page, UK).await.status(), 303);
    let html = browser.get(&format!("/login/{}/code", page.id)).await.text().await.unwrap();
    assert!(html.contains(&format!("action=\"/login/{}/resend\"", page.id)) && html.contains("Use another method"));
    let too_soon = browser.post(&format!("/login/{}/resend", page.id), &[("csrf", &page.csrf)]).await;
    assert_eq!(too_soon.status(), 429);
    assert_eq!(too_soon.headers()["retry-after"], "30");
    server.clock.advance(31);
    let again = browser.post(&format!("/login/{}/resend", page.id), &[("csrf", &page.csrf)]).await;
    assert_eq!(Browser::location(&again), format!("/login/{}/code?n=sent", page.id));
    wait_for_text(&v, 2).await;
    let first = v.sent.lock().unwrap()[0].1[..6].to_string();
    let wrong = browser.submit_code(&page, &first).await;
    let latest = v.code_to(UK).unwrap();
    if first != latest {
        assert_eq!(Browser::location(&wrong), format!("/login/{}/code?e=wrong", page.id), "only the latest code works");
    }
    let signed_in = browser.submit_code(&page, &latest).await;
    assert!(Browser::location(&signed_in).starts_with("/authorize/resume/"));
}

#[tokio::test]
async fn checking_codes_is_rate_limited_per_ip() {
    let server = TestServer::start_with(|c| c.login.checks_per_ip = 3).await;
    let browser = server.browser();
    let client = rp::client(&server, "web").await;
    let pending = rp::start(&client, &["openid"]);
    let Step::Login(page) = browser.authorize(&pending.url).await else { panic!() };
    browser.submit_email(&page, "ada@example.com").await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(browser.submit_code(&page, "000001").await.status().as_u16());
    }
    assert_eq!(statuses, [303, 303, 303, 429]);
}

#[tokio::test]
async fn known_and_unknown_numbers_get_identical_answers() {
    let (server, v) = setup(SmsProvider::Twilio, |c| c.login.signup = false).await;
    let known = tessera::model::Identifier::Phone(tessera::model::Phone::parse(UK, None).unwrap());
    server.state.directory.create_user_with_identifier(&known, 0).await.unwrap();
    let mut seen = Vec::new();
    for phone in [UK, "+447911123999"] {
        let browser = server.browser();
        let (_, _, page) = login_page(&server, &browser).await;
        let sent = send(&browser, &page, phone).await;
        let location = Browser::location(&sent).replace(&page.id, "ID");
        let html = browser.get(&format!("/login/{}/code", page.id)).await.text().await.unwrap();
        let masked = tessera::model::Phone::parse(phone, None).unwrap().masked();
        seen.push((location, html.replace(&page.id, "ID").replace(&page.csrf, "CSRF").replace(&masked, "PHONE")));
    }
    assert_eq!(seen[0], seen[1]);
    wait_for_text(&v, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(v.count(), 1, "only the known number got a text");
}
