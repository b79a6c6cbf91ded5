//! Verifications in the shape of Vonage Verify: a code sent to an address or number, checked
//! under the shared attempt rule, ended once (the first ending wins: completed, failed, expired
//! or cancelled) with a signed callback to the client. State lives in Ephemeral; of several
//! concurrent checks of the right code, exactly one reports success.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clock::UnixTime;
use crate::crypto;
use crate::domain::Core;
use crate::domain::attempts::{self, Verdict};
use crate::model::{Client, Identifier};
use crate::store::StoreResult;

/// Where a verification stands (Vonage Verify's statuses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    InProgress,
    Completed,
    /// Too many wrong codes.
    Failed,
    Expired,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InProgress => "in_progress",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::Expired => "expired",
            Status::Cancelled => "cancelled",
        }
    }

    fn parse(stored: &[u8]) -> Self {
        match stored {
            b"completed" => Status::Completed,
            b"expired" => Status::Expired,
            b"cancelled" => Status::Cancelled,
            b"in_progress" => Status::InProgress,
            _ => Status::Failed,
        }
    }
}

/// A verification, kept an hour past its code's expiry so its status can still be read.
#[derive(Serialize, Deserialize)]
pub struct Request {
    pub id: String,
    pub client_id: String,
    pub target: Identifier,
    pub client_ref: Option<String>,
    /// Digits of its codes (older records: 6).
    #[serde(default = "six")]
    pub code_length: u32,
    code_hash: [u8; 32],
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

fn six() -> u32 {
    6
}

/// What a client asks to verify.
pub struct Order {
    pub target: Identifier,
    pub code_length: u32,
    /// Seconds the code is valid.
    pub pin_expiry: u64,
    pub client_ref: Option<String>,
}

/// How long ended verifications and their counters are kept, in seconds.
const KEPT: u64 = 7200;

fn key(id: &str) -> String {
    format!("verify:{id}")
}

fn tries_key(id: &str) -> String {
    format!("verify-try:{id}")
}

/// How many checks were made, for `GET` (the counter itself is only incremented).
fn checks_key(id: &str) -> String {
    format!("verify-checks:{id}")
}

/// The final status, written once (`put_new`): the first ending wins.
fn end_key(id: &str) -> String {
    format!("verify-end:{id}")
}

fn live_key(state: &Core, client_id: &str, target: &Identifier) -> String {
    let hash = crypto::keyed_hash(&state.secret, &[b"verify", client_id.as_bytes(), target.as_str().as_bytes()]);
    format!("verify-live:{}", crypto::b64url(&hash))
}

fn code_hash(state: &Core, id: &str, code: &str) -> [u8; 32] {
    crypto::keyed_hash(&state.secret, &[b"verify-code", id.as_bytes(), code.as_bytes()])
}

/// The verification of `target` this client has in progress, if any.
pub async fn in_progress(state: &Core, client: &Client, target: &Identifier) -> StoreResult<Option<String>> {
    let Some(existing) = state.ephemeral.get(&live_key(state, &client.id, target)).await? else { return Ok(None) };
    let existing = String::from_utf8_lossy(&existing).to_string();
    Ok(state.ephemeral.get(&end_key(&existing)).await?.is_none().then_some(existing))
}

/// Starts a verification and returns it with its code, to be sent; it expires by itself.
pub async fn start(state: &Core, client: Arc<Client>, order: Order) -> StoreResult<(Request, String)> {
    let id = crypto::random_token();
    let code = crypto::random_digits(order.code_length);
    let now = state.clock.now();
    let request = Request {
        id: id.clone(),
        client_id: client.id.clone(),
        target: order.target,
        client_ref: order.client_ref,
        code_length: order.code_length,
        code_hash: code_hash(state, &id, &code),
        created_at: now,
        expires_at: now + order.pin_expiry as i64,
    };
    state.ephemeral.put_json(&key(&id), &request, order.pin_expiry + 3600).await?;
    state
        .ephemeral
        .put(&live_key(state, &client.id, &request.target), id.clone().into_bytes(), order.pin_expiry)
        .await?;
    expire_later(state, client, &id, order.pin_expiry);
    Ok((request, code))
}

/// A new code for a verification in progress, to send again (Vonage's next event): the earlier
/// code stops working, as only the latest code of a target ever does.
pub async fn renew(state: &Core, request: &Request) -> StoreResult<String> {
    let code = crypto::random_digits(request.code_length);
    let renewed = Request {
        id: request.id.clone(),
        client_id: request.client_id.clone(),
        target: request.target.clone(),
        client_ref: request.client_ref.clone(),
        code_length: request.code_length,
        code_hash: code_hash(state, &request.id, &code),
        created_at: request.created_at,
        expires_at: request.expires_at,
    };
    let left = u64::try_from(request.expires_at - state.clock.now()).unwrap_or(0);
    state.ephemeral.put_json(&key(&request.id), &renewed, left + 3600).await?;
    Ok(code)
}

/// The verification `id`, if it exists and belongs to `client`.
pub async fn find(state: &Core, client: &Client, id: &str) -> StoreResult<Option<Request>> {
    if id.len() > 64 {
        return Ok(None);
    }
    Ok(state.ephemeral.get_json::<Request>(&key(id)).await?.filter(|r| r.client_id == client.id))
}

/// Ends the verification with `status` unless it has ended already; the status it has now.
pub async fn end(state: &Core, client: &Client, request: &Request, status: Status) -> StoreResult<Status> {
    if state.ephemeral.put_new(&end_key(&request.id), status.as_str().as_bytes().to_vec(), KEPT).await? {
        state.ephemeral.delete(&live_key(state, &request.client_id, &request.target)).await?;
        callback(state, client, request, status);
        return Ok(status);
    }
    Ok(Status::parse(&state.ephemeral.get(&end_key(&request.id)).await?.unwrap_or_default()))
}

/// The current status, marking an expired verification as such.
pub async fn status(state: &Core, client: &Client, request: &Request) -> StoreResult<Status> {
    if let Some(ended) = state.ephemeral.get(&end_key(&request.id)).await? {
        return Ok(Status::parse(&ended));
    }
    if state.clock.now() >= request.expires_at {
        return end(state, client, request, Status::Expired).await;
    }
    Ok(Status::InProgress)
}

/// How many codes were checked.
pub async fn checks(state: &Core, id: &str) -> StoreResult<u64> {
    let stored = state.ephemeral.get(&checks_key(id)).await?;
    Ok(stored.map_or(0, |b| String::from_utf8_lossy(&b).parse::<u64>().unwrap_or(0)))
}

/// What checking a code came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Checked {
    /// This check proved the target.
    Completed,
    Wrong {
        left: u64,
    },
    /// The verification had ended or ends now (too many wrong codes, or another check won).
    Ended(Status),
}

/// Checks `code` for an in-progress verification under the shared attempt rule.
pub async fn check(state: &Core, client: &Client, request: &Request, code: &str) -> StoreResult<Checked> {
    let id = &request.id;
    let matches = || crypto::constant_time_eq(&code_hash(state, id, code), &request.code_hash);
    let (attempts, verdict) = attempts::attempt(state.ephemeral.as_ref(), &tries_key(id), KEPT, matches).await?;
    state.ephemeral.put(&checks_key(id), attempts.to_string().into_bytes(), KEPT).await?;
    match verdict {
        Verdict::Right => {}
        Verdict::Wrong { left } => return Ok(Checked::Wrong { left }),
        Verdict::Spent => return Ok(Checked::Ended(end(state, client, request, Status::Failed).await?)),
    }
    let status = end(state, client, request, Status::Completed).await?;
    // Of several right checks, exactly one reports success.
    if status != Status::Completed || !state.ephemeral.put_new(&format!("verify-won:{id}"), vec![1], KEPT).await? {
        return Ok(Checked::Ended(status));
    }
    let detail = json!({"to": request.target.masked(), "via": "verify"});
    state.audit("identifier_verified", None, Some(&client.id), None, detail);
    Ok(Checked::Completed)
}

/// Marks the verification expired when its code runs out, so the callback fires without a poll.
fn expire_later(state: &Core, client: Arc<Client>, id: &str, after: u64) {
    let (state, id) = (state.clone(), id.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(after)).await;
        if let Ok(Some(request)) = state.ephemeral.get_json::<Request>(&key(&id)).await {
            let _ = status(&state, &client, &request).await;
        }
    });
}

#[derive(Serialize)]
struct StatusClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    iat: UnixTime,
    exp: UnixTime,
    jti: String,
    request_id: &'a str,
    status: &'a str,
    client_ref: Option<&'a str>,
}

/// POSTs the final status to the client's callback URL, signed, retried three times.
fn callback(state: &Core, client: &Client, request: &Request, status: Status) {
    let Some(url) = client.verify_callback_url.clone() else { return };
    let claims = StatusClaims {
        iss: state.issuer(),
        aud: &client.id,
        iat: state.clock.now(),
        // RFC 8725 §3.10: a receiver can refuse a replayed callback once it expires; five
        // minutes outlast the three deliveries below.
        exp: state.clock.now() + 300,
        jti: crypto::random_id(),
        request_id: &request.id,
        status: status.as_str(),
        client_ref: request.client_ref.as_deref(),
    };
    let Ok(jwt) = crate::domain::jwt::sign(state.keys().active(client.signing_alg), "verify-status+jwt", &claims)
    else {
        return;
    };
    let request = match state.outbound.post(&url) {
        Ok(request) => request.header("content-type", "application/jwt"),
        Err(e) => return tracing::warn!(client_id = %client.id, error = %e, "verify status callback not sent"),
    };
    tokio::spawn(async move {
        let mut delay = Duration::from_millis(200);
        for _ in 0..3 {
            let Some(attempt) = request.try_clone() else { return };
            let sent = attempt.body(jwt.clone()).send().await;
            if sent.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(delay).await;
            delay *= 4;
        }
        tracing::warn!("verify status callback not delivered");
    });
}
