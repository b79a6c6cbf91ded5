//! Vonage's Node SDK for Verify v1 (`@vonage/verify` from npm) against Tessera's Vonage-shaped
//! API: request, check, search, cancel and the next event, a wrong code, too many of them and
//! expiry, with the texts going through a stand-in SMS vendor that checks Twilio's format.

use serde_json::{Value, json};
use tessera::config::SmsProvider;

use crate::embedded::{SECRET, server_with};
use crate::support::TestServer;
use crate::support::node::Script;
use crate::support::sms_vendor::{self as vendor, Vendor};

const SDK: &str = "@vonage/verify@1.23.1";

async fn setup() -> (Vendor, TestServer, Script) {
    let v = Vendor::start().await;
    let base = v.base.clone();
    let server = server_with(None, move |c| {
        c.sms.provider = SmsProvider::Twilio;
        c.sms.from = vendor::FROM.into();
        c.sms.allowed_country_codes = vec![44];
        c.sms.twilio_account_sid = vendor::TWILIO_SID.into();
        c.sms.twilio_auth_token = vendor::TWILIO_TOKEN.into();
        c.sms.twilio_base_url = base;
        c.sms.per_prefix_per_hour = 100;
        c.login.resend_cooldown_secs = 0;
    })
    .await;
    let sdk = sdk(&server, SECRET);
    (v, server, sdk)
}

fn sdk(server: &TestServer, secret: &str) -> Script {
    let modules = crate::support::npm::package(SDK);
    Script::start("vonage_verify.cjs", &[&server.base, "app", secret], &[modules], None)
}

async fn call(sdk: &mut Script, op: Value) -> Value {
    sdk.send(&op.to_string());
    sdk.next_json().await
}

/// The `n`th text to `to` (waiting for it), and the code it starts with.
async fn text(v: &Vendor, to: &str, n: usize) -> (String, String) {
    for _ in 0..200 {
        let texts: Vec<String> =
            v.sent.lock().unwrap().iter().filter(|(t, _)| t == to).map(|(_, text)| text.clone()).collect();
        if let Some(text) = texts.get(n - 1) {
            let code = text.split_whitespace().next().unwrap().to_string();
            return (text.clone(), code);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no text {n} to {to}");
}

fn wrong(code: &str) -> String {
    code.chars().map(|c| if c == '0' { '1' } else { '0' }).collect()
}

#[tokio::test]
async fn vonages_sdk_requests_checks_searches_and_sends_the_next_event() {
    let (v, _server, mut sdk) = setup().await;
    let request = json!({"number": "447911123023", "brand": "Acme", "lg": "fr-fr", "pinExpiry": 120,
                         "codeLength": 6, "workflowId": 4});
    let started = call(&mut sdk, json!({"op": "start", "request": request.clone()})).await;
    assert_eq!(started["status"], "0", "{started}");
    let id = started["requestId"].as_str().unwrap().to_string();
    let (first, code) = text(&v, "+447911123023", 1).await;
    assert_eq!(code.len(), 6);
    assert!(first.contains("est votre code Acme") && first.contains("2 minutes"), "lg, brand, pin_expiry: {first}");

    let again = call(&mut sdk, json!({"op": "start", "request": request})).await;
    assert_eq!((again["status"].as_str(), again["requestId"].as_str()), (Some("10"), Some(id.as_str())), "{again}");
    let bad = call(&mut sdk, json!({"op": "check", "id": id, "code": wrong(&code)})).await;
    assert_eq!(bad["status"], "16", "{bad}");
    assert_eq!(bad["errorText"], "The code inserted does not match the expected value");
    let found = call(&mut sdk, json!({"op": "search", "id": id})).await;
    assert_eq!((found["status"].as_str(), found["number"].as_str()), (Some("IN PROGRESS"), Some("447911123023")));
    assert_eq!(found["checks"][0]["status"], "INVALID", "{found}");

    let next = call(&mut sdk, json!({"op": "trigger", "id": id})).await;
    assert_eq!((next["status"].as_str(), next["command"].as_str()), (Some("0"), Some("trigger_next_event")), "{next}");
    let (_, resent) = text(&v, "+447911123023", 2).await;
    if resent != code {
        assert_eq!(
            call(&mut sdk, json!({"op": "check", "id": id, "code": code})).await["status"],
            "16",
            "only the latest code"
        );
    }
    let right = call(&mut sdk, json!({"op": "check", "id": id, "code": resent})).await;
    assert_eq!(right["status"], "0", "{right}");
    let done = call(&mut sdk, json!({"op": "search", "id": id})).await;
    assert_eq!(
        (done["status"].as_str(), done["events"].as_array().map(Vec::len)),
        (Some("SUCCESS"), Some(2)),
        "{done}"
    );
    assert_eq!(done["checks"].as_array().unwrap().last().unwrap()["status"], "VALID");
    let after = call(&mut sdk, json!({"op": "check", "id": id, "code": resent})).await;
    assert_eq!(after["status"], "6", "a verified request is no longer active: {after}");
    let last = call(&mut sdk, json!({"op": "trigger", "id": id})).await;
    assert_eq!(last["status"], "6", "{last}");
    assert!(v.malformed.lock().unwrap().is_empty(), "every text followed Twilio's format");
}

#[tokio::test]
async fn vonages_sdk_sees_cancel_too_many_attempts_and_expiry_as_vonage_answers_them() {
    let (v, server, mut sdk) = setup().await;
    let start = |number: &str, extra: Value| {
        let mut request = json!({"number": number, "brand": "Acme"});
        request.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({"op": "start", "request": request})
    };
    let id = call(&mut sdk, start("447911123001", json!({}))).await["requestId"].as_str().unwrap().to_string();
    let early = call(&mut sdk, json!({"op": "cancel", "id": id})).await;
    assert_eq!(early["status"], "19", "not in the first 30 seconds: {early}");
    server.clock.advance(31);
    let cancelled = call(&mut sdk, json!({"op": "cancel", "id": id})).await;
    assert_eq!((cancelled["status"].as_str(), cancelled["command"].as_str()), (Some("0"), Some("cancel")));
    assert_eq!(call(&mut sdk, json!({"op": "search", "id": id})).await["status"], "CANCELLED");

    let id = call(&mut sdk, start("447911123002", json!({"workflowId": 6}))).await["requestId"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, code) = text(&v, "+447911123002", 1).await;
    assert_eq!(code.len(), 4, "Vonage's default code length");
    let none_left = call(&mut sdk, json!({"op": "trigger", "id": id})).await;
    assert!(none_left["errorText"].as_str().unwrap().starts_with("No more events are left"), "{none_left}");
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(call(&mut sdk, json!({"op": "check", "id": id, "code": wrong(&code)})).await["status"].clone());
    }
    assert_eq!(statuses, [json!("16"), json!("16"), json!("16"), json!("16"), json!("17")]);
    assert_eq!(call(&mut sdk, json!({"op": "check", "id": id, "code": code})).await["status"], "6", "terminated");
    assert_eq!(call(&mut sdk, json!({"op": "search", "id": id})).await["status"], "FAILED");

    let id = call(&mut sdk, start("447911123003", json!({"pinExpiry": 60}))).await["requestId"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, code) = text(&v, "+447911123003", 1).await;
    server.clock.advance(61);
    assert_eq!(call(&mut sdk, json!({"op": "check", "id": id, "code": code})).await["status"], "6", "expired");
    assert_eq!(call(&mut sdk, json!({"op": "search", "id": id})).await["status"], "EXPIRED");

    let missing = call(&mut sdk, json!({"op": "start", "request": {"brand": "Acme"}})).await;
    assert_eq!(missing["status"], "2", "number is required: {missing}");
    assert_eq!(missing["errorText"], "Your request is incomplete and missing the mandatory parameter `number`");
    let unknown = call(&mut sdk, json!({"op": "search", "id": "no-such-request"})).await;
    assert_eq!((unknown["status"].as_str(), unknown["errorText"].as_str()), (Some("101"), Some("No response found")));
    let mut stranger = sdk_with_wrong_secret(&server);
    let refused = call(&mut stranger, start("447911123005", json!({}))).await;
    assert_eq!(refused["status"], "4", "{refused}");
}

fn sdk_with_wrong_secret(server: &TestServer) -> Script {
    sdk(server, "not-the-secret-0123456789")
}

#[tokio::test]
async fn a_workflows_voice_step_calls_through_twilio_and_reads_the_new_code_out() {
    let (v, _server, mut sdk) = setup().await;
    let request = json!({"number": "447911123456", "brand": "Acme", "lg": "de-de", "workflowId": 2});
    let id =
        call(&mut sdk, json!({"op": "start", "request": request})).await["requestId"].as_str().unwrap().to_string();
    text(&v, "+447911123456", 1).await;
    assert_eq!(call(&mut sdk, json!({"op": "trigger", "id": id})).await["status"], "0", "the second text");
    text(&v, "+447911123456", 2).await;
    assert_eq!(call(&mut sdk, json!({"op": "trigger", "id": id})).await["status"], "0", "then the call");
    let mut twiml = String::new();
    for _ in 0..200 {
        if let Some((to, said)) = v.calls.lock().unwrap().first() {
            assert_eq!(to, "+447911123456");
            twiml = said.clone();
        }
        if !twiml.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(twiml.starts_with("<Response><Say language=\"de-DE\">Ihr Code für Acme lautet "), "{twiml}");
    let spoken: String = twiml.split(" lautet ").nth(1).unwrap().split('.').next().unwrap().replace(", ", "");
    assert_eq!(spoken.len(), 4, "{twiml}");
    assert_eq!(call(&mut sdk, json!({"op": "check", "id": id, "code": spoken})).await["status"], "0");
    let found = call(&mut sdk, json!({"op": "search", "id": id})).await;
    let kinds: Vec<&str> = found["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["sms", "sms", "tts"]);
    assert!(v.malformed.lock().unwrap().is_empty(), "{:?}", v.malformed.lock().unwrap());
}

#[tokio::test]
async fn a_voice_step_without_a_voice_capable_provider_is_refused_with_status_19() {
    let v = Vendor::start().await;
    let base = v.base.clone();
    let server = server_with(None, move |c| {
        c.sms.provider = SmsProvider::Vonage;
        c.sms.from = vendor::FROM.into();
        c.sms.allowed_country_codes = vec![44];
        c.sms.vonage_api_key = vendor::VONAGE_KEY.into();
        c.sms.vonage_api_secret = vendor::VONAGE_SECRET.into();
        c.sms.vonage_base_url = base;
        c.login.resend_cooldown_secs = 0;
    })
    .await;
    let mut sdk = sdk(&server, SECRET);
    let request = json!({"number": "447911123456", "brand": "Acme"});
    let id =
        call(&mut sdk, json!({"op": "start", "request": request})).await["requestId"].as_str().unwrap().to_string();
    text(&v, "+447911123456", 1).await;
    let refused = call(&mut sdk, json!({"op": "trigger", "id": id})).await;
    assert_eq!(refused["status"], "19", "workflow 1's second event is a call: {refused}");
    assert!(refused["errorText"].as_str().unwrap().contains("voice"), "{refused}");
    assert!(v.calls.lock().unwrap().is_empty());
}
