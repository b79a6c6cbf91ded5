//! Management API keys: made with a name and scopes from `API_SCOPES`, the key itself shown once
//! and stored only as its SHA-256, revoked but never deleted. The command line makes its keys
//! with `new_key` too; the console through `create` and `revoke`, audited with the operator.

use serde_json::json;

use super::Actor;
use crate::clock::UnixTime;
use crate::domain::Core;
use crate::model::{API_SCOPES, ApiKey};
use crate::store::StoreResult;

/// The longest name a key may have, in characters.
pub const MAX_NAME: usize = 100;

/// A key just made: its record, and the key itself, which is never stored and never shown again.
pub struct NewKey {
    pub record: ApiKey,
    pub secret: String,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey").field("record", &self.record).field("secret", &"(hidden)").finish()
    }
}

/// Why a key is not made.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyRefused {
    #[error("the name must not be empty")]
    NoName,
    #[error("the name must be at most {MAX_NAME} characters")]
    LongName,
    #[error("give at least one scope; known: {}", API_SCOPES.join(", "))]
    NoScopes,
    #[error("unknown scope {0:?}; known: {known}", known = API_SCOPES.join(", "))]
    UnknownScope(String),
}

/// Checks a name and scopes and makes a key (`tsk_{id}_{secret}`); nothing is stored yet.
/// Scopes given twice count once, and are kept in `API_SCOPES` order.
pub fn new_key(name: &str, scopes: &[String], now: UnixTime) -> Result<NewKey, KeyRefused> {
    let name = name.trim();
    if name.is_empty() {
        return Err(KeyRefused::NoName);
    }
    if name.chars().count() > MAX_NAME {
        return Err(KeyRefused::LongName);
    }
    if let Some(bad) = scopes.iter().find(|s| !API_SCOPES.contains(&s.as_str())) {
        return Err(KeyRefused::UnknownScope(bad.clone()));
    }
    let scopes: Vec<String> =
        API_SCOPES.iter().filter(|known| scopes.iter().any(|s| s == *known)).map(|s| s.to_string()).collect();
    if scopes.is_empty() {
        return Err(KeyRefused::NoScopes);
    }
    let id = crate::crypto::random_id();
    let secret = format!("tsk_{id}_{}", crate::crypto::random_token());
    let record = ApiKey {
        id,
        name: name.to_string(),
        hash: crate::crypto::sha256(secret.as_bytes()),
        scopes,
        created_at: now,
        revoked_at: None,
    };
    Ok(NewKey { record, secret })
}

/// Makes and stores a key; the caller shows its secret once.
pub async fn create(
    core: &Core,
    actor: Actor<'_>,
    name: &str,
    scopes: &[String],
) -> StoreResult<Result<NewKey, KeyRefused>> {
    let made = match new_key(name, scopes, core.clock.now()) {
        Ok(made) => made,
        Err(why) => return Ok(Err(why)),
    };
    core.directory.insert_api_key(&made.record).await?;
    let detail = json!({"target": made.record.id, "name": made.record.name, "scopes": made.record.scopes});
    actor.audit(core, None, "api_key_created", detail);
    Ok(Ok(made))
}

/// Revokes a live key: the API refuses it from the next request on. `false` if there is no such
/// live key.
pub async fn revoke(core: &Core, actor: Actor<'_>, id: &str) -> StoreResult<bool> {
    if !core.directory.revoke_api_key(id, core.clock.now()).await? {
        return Ok(false);
    }
    actor.audit(core, None, "api_key_revoked", json!({"target": id}));
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_new_key_needs_a_name_and_known_scopes_and_is_stored_only_as_its_hash() {
        assert_eq!(new_key("  ", &scopes(&["users:read"]), 0).unwrap_err(), KeyRefused::NoName);
        assert_eq!(new_key(&"n".repeat(MAX_NAME + 1), &scopes(&["users:read"]), 0).unwrap_err(), KeyRefused::LongName);
        assert_eq!(new_key("ci", &[], 0).unwrap_err(), KeyRefused::NoScopes);
        assert_eq!(
            new_key("ci", &scopes(&["users:read", "root"]), 0).unwrap_err(),
            KeyRefused::UnknownScope("root".into())
        );
        let made = new_key(" ci ", &scopes(&["events:read", "users:read", "events:read"]), 7).unwrap();
        assert_eq!(made.record.name, "ci");
        assert_eq!(made.record.scopes, scopes(&["users:read", "events:read"]), "once each, in the known order");
        assert!(made.secret.starts_with(&format!("tsk_{}_", made.record.id)));
        assert_eq!(made.record.hash, crate::crypto::sha256(made.secret.as_bytes()));
        assert!(!format!("{made:?}").contains(&made.secret), "the secret never reaches a log");
    }
}
