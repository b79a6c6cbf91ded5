//! A small HTTP server a test controls: it plays a client's back-channel logout endpoint or an
//! audit webhook (either can fail on purpose), or publishes a client's JWK Set at a `jwks_uri`
//! (optionally slowly).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};

#[derive(Clone, Default)]
pub struct Receiver {
    pub base: String,
    /// Logout tokens received.
    pub tokens: Arc<Mutex<Vec<String>>>,
    /// How many of the next POSTs to answer with 500.
    pub fail_next: Arc<Mutex<u32>>,
    /// The JWK Set served at /jwks.
    pub jwks: Arc<Mutex<serde_json::Value>>,
    /// How long /jwks waits before answering.
    pub jwks_delay: Arc<Mutex<std::time::Duration>>,
    /// Webhook deliveries received at /hook.
    pub hooks: Arc<Mutex<Vec<Delivery>>>,
    /// Requests for /jwks so far.
    pub jwks_requests: Arc<std::sync::atomic::AtomicUsize>,
    /// Whether /jwks answers 500.
    pub jwks_failing: Arc<std::sync::atomic::AtomicBool>,
}

/// One webhook delivery: the signature header, the event id header, the body.
pub type Delivery = (String, String, Vec<u8>);

async fn hook(State(r): State<Receiver>, headers: axum::http::HeaderMap, body: axum::body::Bytes) -> StatusCode {
    {
        let mut fail = r.fail_next.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    r.hooks.lock().unwrap().push((header("tessera-signature"), header("tessera-event-id"), body.to_vec()));
    StatusCode::NO_CONTENT
}

async fn logout(State(r): State<Receiver>, body: axum::body::Bytes) -> StatusCode {
    {
        let mut fail = r.fail_next.lock().unwrap();
        if *fail > 0 {
            *fail -= 1;
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
    }
    let token = url::form_urlencoded::parse(&body).find(|(k, _)| k == "logout_token").map(|(_, v)| v.into_owned());
    match token {
        Some(t) => {
            r.tokens.lock().unwrap().push(t);
            StatusCode::OK
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn jwks(State(r): State<Receiver>) -> Result<axum::Json<serde_json::Value>, StatusCode> {
    r.jwks_requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let delay = *r.jwks_delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    if r.jwks_failing.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Ok(axum::Json(r.jwks.lock().unwrap().clone()))
}

/// 100 KB of a JSON document without a length, then nothing, ever.
async fn endless_jwks() -> axum::body::Body {
    let start = futures::stream::iter((0..100).map(|i| {
        let piece = if i == 0 { format!("{{\"keys\": [], \"pad\": \"{}", "x".repeat(1000)) } else { "x".repeat(1024) };
        Ok::<_, std::io::Error>(bytes::Bytes::from(piece))
    }));
    axum::body::Body::from_stream(futures::StreamExt::chain(start, futures::stream::pending()))
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Receiver {
            base: format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port()),
            ..Receiver::default()
        };
        let app = Router::new()
            .route("/logout", post(logout))
            .route("/jwks", get(jwks))
            .route("/jwks-endless", get(endless_jwks))
            .route("/hook", post(hook))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        receiver
    }

    pub fn jwks_fetches(&self) -> usize {
        self.jwks_requests.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits up to 10 s for the `n`-th logout token.
    pub async fn nth_token(&self, n: usize) -> String {
        for _ in 0..200 {
            if let Some(t) = self.tokens.lock().unwrap().get(n - 1) {
                return t.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no logout token #{n} within 10 s");
    }
}
