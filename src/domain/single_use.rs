//! Single-use tokens Tessera signs for itself and hands out as links (passkey registration
//! tickets, minted magic links): the checks when one comes back (signature and `typ`, issuer,
//! expiry, not spent yet) and spending it, once, in Ephemeral.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::domain::Core;
use crate::domain::jwt;
use crate::store::{StoreError, StoreResult};

/// Why a presented token is not accepted.
#[derive(Debug)]
pub enum Refused {
    /// Forged, of another kind, for another issuer, or expired.
    Invalid,
    /// Used already.
    Spent,
    Store(StoreError),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Self {
        Refused::Store(e)
    }
}

/// The claims every such token carries.
#[derive(Deserialize)]
struct Common {
    iss: String,
    exp: i64,
    jti: String,
}

/// The right to spend one checked token.
pub struct Spend {
    key: String,
    ttl: u64,
}

impl Spend {
    /// Marks the token used; `false` when another request spent it first.
    pub async fn spend(&self, state: &Core) -> StoreResult<bool> {
        state.ephemeral.put_new(&self.key, vec![1], self.ttl).await
    }
}

/// Checks a token of type `typ` and returns its claims with the means to spend it.
pub async fn check<C: DeserializeOwned>(state: &Core, token: &str, typ: &str) -> Result<(C, Spend), Refused> {
    let claims: serde_json::Value = jwt::verify(&state.keys(), token, typ).map_err(|_| Refused::Invalid)?;
    let common: Common = serde_json::from_value(claims.clone()).map_err(|_| Refused::Invalid)?;
    let now = state.clock.now();
    if common.iss != state.issuer() || common.exp <= now {
        return Err(Refused::Invalid);
    }
    let key = format!("spent:{typ}:{}", common.jti);
    if state.ephemeral.get(&key).await?.is_some() {
        return Err(Refused::Spent);
    }
    let claims = serde_json::from_value(claims).map_err(|_| Refused::Invalid)?;
    // Remembered a minute past expiry, after which the signature check refuses it anyway.
    Ok((claims, Spend { key, ttl: (common.exp - now) as u64 + 60 }))
}
