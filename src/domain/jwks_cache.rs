//! Clients' JWK Sets fetched from their `jwks_uri`: cached, fetched again for an unknown `kid`
//! at most every few seconds, failures remembered as long (a negative cache), one fetch per
//! client at a time (single flight), and a body cut off as soon as it passes 64 KB.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jsonwebtoken::jwk::{Jwk, JwkSet};

use crate::clock::UnixTime;
use crate::domain::Core;

/// Cached key sets are refreshed after this long ...
const CACHE_SECS: i64 = 300;
/// ... and fetched again, after a miss or a failure, at most this often, so bogus kids or a
/// failing `jwks_uri` cannot turn every assertion into an outbound request.
const MIN_REFETCH_SECS: i64 = 10;
/// A JWK Set larger than this is refused.
const MAX_BODY: usize = 64 * 1024;

#[derive(Clone)]
enum Fetched {
    Set(Arc<JwkSet>),
    Failed(String),
}

#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<String, (Fetched, UnixTime)>>,
    /// One lock per client: whoever holds it fetches, the others wait and read its result.
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl KeyCache {
    fn entry(&self, client_id: &str) -> Option<(Fetched, UnixTime)> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).get(client_id).cloned()
    }

    fn flight(&self, client_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        flights.entry(client_id.to_string()).or_default().clone()
    }
}

/// What the cache can answer without a fetch: a key, a refusal, or nothing (go and fetch).
fn answer(
    entry: Option<(Fetched, UnixTime)>,
    now: UnixTime,
    pick: &impl Fn(&JwkSet) -> Option<Jwk>,
) -> Option<Result<Jwk, String>> {
    let (fetched, at) = entry?;
    match fetched {
        Fetched::Set(set) if now - at < CACHE_SECS && pick(&set).is_some() => pick(&set).map(Ok),
        Fetched::Set(_) if now - at < MIN_REFETCH_SECS => Some(Err("no key matches the assertion's kid".into())),
        Fetched::Failed(why) if now - at < MIN_REFETCH_SECS => Some(Err(why)),
        _ => None,
    }
}

/// The key `pick` chooses from the client's published set.
pub async fn key(
    state: &Core,
    client_id: &str,
    uri: &str,
    pick: impl Fn(&JwkSet) -> Option<Jwk>,
) -> Result<Jwk, String> {
    let cache = &state.client_keys;
    if let Some(answer) = answer(cache.entry(client_id), state.clock.now(), &pick) {
        return answer;
    }
    let flight = cache.flight(client_id);
    let _turn = flight.lock().await;
    // Another request may have fetched while this one waited.
    let now = state.clock.now();
    if let Some(answer) = answer(cache.entry(client_id), now, &pick) {
        return answer;
    }
    let fetched = match fetch(state, uri).await {
        Ok(set) => Fetched::Set(Arc::new(set)),
        Err(why) => Fetched::Failed(why),
    };
    cache.entries.lock().unwrap_or_else(|p| p.into_inner()).insert(client_id.to_string(), (fetched.clone(), now));
    match fetched {
        Fetched::Set(set) => {
            pick(&set).ok_or_else(|| "no key at the client's jwks_uri matches the assertion's kid".into())
        }
        Fetched::Failed(why) => Err(why),
    }
}

async fn fetch(state: &Core, uri: &str) -> Result<JwkSet, String> {
    let request = state.outbound.get(uri).map_err(|e| format!("jwks_uri refused: {e}"))?;
    let mut response = request.send().await.map_err(|e| format!("jwks_uri unreachable: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("jwks_uri answered {}", response.status()));
    }
    let too_large = || "jwks_uri document too large".to_string();
    if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    // Read chunk by chunk, so a large or endless body is cut off at the limit.
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| format!("jwks_uri: {e}"))? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| format!("jwks_uri is not a JWK Set: {e}"))
}
