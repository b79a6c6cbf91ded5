//! Local stand-ins for SMS vendors, over real HTTP: each checks a request exactly as the vendor
//! documents it (path, authentication, content type, fields) and answers with the vendor's own
//! success and error bodies. A number listed in `reject` gets the vendor's invalid-number error.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use serde_json::json;

pub const TWILIO_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const TWILIO_TOKEN: &str = "twilio-auth-token-0123456789";
pub const VONAGE_KEY: &str = "a1b2c3d4";
pub const VONAGE_SECRET: &str = "vonage-secret-0123";
pub const WEBHOOK_SECRET: &str = "sms-webhook-secret-0123456789abcdef-0123";
pub const FROM: &str = "+15005550006";

#[derive(Clone, Default)]
pub struct Vendor {
    pub base: String,
    /// (to, text) of every accepted message.
    pub sent: Arc<Mutex<Vec<(String, String)>>>,
    /// Requests that did not follow the vendor's format, with why.
    pub malformed: Arc<Mutex<Vec<String>>>,
    pub reject: Arc<Mutex<Vec<String>>>,
    /// (to, TwiML) of every call placed through Twilio's Calls API.
    pub calls: Arc<Mutex<Vec<(String, String)>>>,
}

impl Vendor {
    pub async fn start() -> Vendor {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let vendor = Vendor {
            base: format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port()),
            ..Default::default()
        };
        let app = Router::new()
            .route("/2010-04-01/Accounts/{sid}/Messages.json", post(twilio))
            .route("/2010-04-01/Accounts/{sid}/Calls.json", post(twilio_call))
            .route("/sms/json", post(vonage))
            .route("/webhook", post(webhook))
            .with_state(vendor.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        vendor
    }

    /// The 6-digit code of the latest text to `to`.
    pub fn code_to(&self, to: &str) -> Option<String> {
        let sent = self.sent.lock().unwrap();
        let (_, text) = sent.iter().rev().find(|(t, _)| t == to)?;
        Some(text[..6].to_string())
    }

    pub fn count(&self) -> usize {
        self.sent.lock().unwrap().len()
    }

    fn bad(&self, why: String) -> Response {
        self.malformed.lock().unwrap().push(why.clone());
        (StatusCode::BAD_REQUEST, why).into_response()
    }
}

fn form(headers: &HeaderMap, body: &[u8]) -> Result<HashMap<String, String>, String> {
    let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if kind != "application/x-www-form-urlencoded" {
        return Err(format!("content-type {kind:?}"));
    }
    let mut fields = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if fields.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!("field {k} twice"));
        }
    }
    Ok(fields)
}

async fn twilio(
    State(v): State<Vendor>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let expected =
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{TWILIO_SID}:{TWILIO_TOKEN}")));
    if headers.get("authorization").and_then(|a| a.to_str().ok()) != Some(expected.as_str()) {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}))).into_response();
    }
    let fields = match form(&headers, &body) {
        Ok(f) => f,
        Err(why) => return v.bad(format!("twilio: {why}")),
    };
    let mut keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    keys.sort();
    if sid != TWILIO_SID || keys != ["Body", "From", "To"] || fields["From"] != FROM || !fields["To"].starts_with('+') {
        return v.bad(format!("twilio: sid {sid}, fields {fields:?}"));
    }
    let to = fields["To"].clone();
    if v.reject.lock().unwrap().contains(&to) {
        let message = format!("The 'To' number {to} is not a valid phone number.");
        let body = json!({"code": 21211, "message": message, "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400});
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    v.sent.lock().unwrap().push((to.clone(), fields["Body"].clone()));
    let body = json!({"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued", "to": to, "from": FROM,
                      "account_sid": TWILIO_SID, "error_code": null, "error_message": null});
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

/// Twilio Programmable Voice: HTTP Basic, form fields `To`, `From`, `Twiml` exactly, the TwiML
/// one `<Say>` with a language.
async fn twilio_call(
    State(v): State<Vendor>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let expected =
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{TWILIO_SID}:{TWILIO_TOKEN}")));
    if headers.get("authorization").and_then(|a| a.to_str().ok()) != Some(expected.as_str()) {
        return v.bad("twilio call: credentials".into());
    }
    let fields = match form(&headers, &body) {
        Ok(f) => f,
        Err(why) => return v.bad(format!("twilio call: {why}")),
    };
    let mut keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    keys.sort();
    let twiml = fields.get("Twiml").cloned().unwrap_or_default();
    let spoken = twiml.starts_with("<Response><Say language=\"") && twiml.ends_with("</Say></Response>");
    if sid != TWILIO_SID || keys != ["From", "To", "Twiml"] || fields["From"] != FROM || !spoken {
        return v.bad(format!("twilio call: sid {sid}, fields {fields:?}"));
    }
    v.calls.lock().unwrap().push((fields["To"].clone(), twiml));
    let body =
        json!({"sid": "CA0123456789abcdef0123456789abcdef", "status": "queued", "to": fields["To"], "from": FROM});
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

async fn vonage(State(v): State<Vendor>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let fields = match form(&headers, &body) {
        Ok(f) => f,
        Err(why) => return v.bad(format!("vonage: {why}")),
    };
    if fields.get("api_key").map(String::as_str) != Some(VONAGE_KEY)
        || fields.get("api_secret").map(String::as_str) != Some(VONAGE_SECRET)
    {
        let body = json!({"message-count": "1", "messages": [{"status": "4", "error-text": "Bad Credentials"}]});
        return axum::Json(body).into_response();
    }
    let Some(to) = fields.get("to").filter(|t| t.bytes().all(|b| b.is_ascii_digit())) else {
        return v.bad(format!("vonage: to must be digits only: {fields:?}"));
    };
    if fields.get("from").map(String::as_str) != Some(FROM) || !fields.contains_key("text") {
        return v.bad(format!("vonage: fields {fields:?}"));
    }
    let to = format!("+{to}");
    if v.reject.lock().unwrap().contains(&to) {
        let body = json!({"message-count": "1", "messages": [{"status": "3", "error-text": "Invalid Message: invalid to number"}]});
        return axum::Json(body).into_response();
    }
    v.sent.lock().unwrap().push((to.clone(), fields["text"].clone()));
    let body = json!({"message-count": "1", "messages": [{"to": to.trim_start_matches('+'), "message-id": "0A0000000123ABCD1",
                      "status": "0", "remaining-balance": "3.14159265", "message-price": "0.03330000", "network": "23410"}]});
    axum::Json(body).into_response()
}

async fn webhook(State(v): State<Vendor>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let signature = headers.get("tessera-signature").and_then(|s| s.to_str().ok()).unwrap_or("");
    let Some((t, _)) = signature.strip_prefix("t=").and_then(|r| r.split_once(",v1=")) else {
        return v.bad("webhook: no signature".into());
    };
    if tessera::domain::audit::signature(WEBHOOK_SECRET, t.parse().unwrap_or(0), &body) != signature {
        return v.bad("webhook: bad signature".into());
    }
    let message: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => return v.bad(format!("webhook: {e}")),
    };
    let to = message["to"].as_str().unwrap_or_default().to_string();
    if v.reject.lock().unwrap().contains(&to) {
        return StatusCode::UNPROCESSABLE_ENTITY.into_response();
    }
    v.sent.lock().unwrap().push((to, message["text"].as_str().unwrap_or_default().to_string()));
    StatusCode::NO_CONTENT.into_response()
}
