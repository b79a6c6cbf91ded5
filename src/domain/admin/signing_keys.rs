//! The signing-key schedule changed by an operator, as `tessera keys rotate|retire` changes it:
//! the keys folder is written, this server reloads its keys at once (other replicas sharing the
//! folder within a minute), and the change is audited with its actor.

use serde_json::json;

use super::Actor;
use crate::domain::Core;
use crate::domain::keys::{self, KeyEntry, KeyError, KeyState};
use crate::model::SigningAlg;

/// When a rotated-in key starts signing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// After `key_rotation_lead_secs`: relying parties that cache the JWKS fetch it first.
    AfterLead,
    /// At once: to replace a compromised key, or when no relying party caches the JWKS.
    Now,
}

/// Adds a new key for each of `algs`, published at once and signing from `start`; the keys they
/// replace stop signing then and leave the JWKS once their tokens have expired.
pub fn rotate(core: &Core, actor: Actor<'_>, algs: &[SigningAlg], start: Start) -> Result<Vec<KeyEntry>, KeyError> {
    let lead = match start {
        Start::AfterLead => i64::try_from(core.config.key_rotation_lead_secs).unwrap_or(i64::MAX),
        Start::Now => 0,
    };
    let made = keys::rotate(&core.config.keys_dir, algs, core.clock.now(), lead)?;
    core.reload_keys()?;
    let kids: Vec<&str> = made.iter().map(|e| e.kid.as_str()).collect();
    actor.audit(core, None, "signing_keys_rotated", json!({"kids": kids, "lead": lead}));
    Ok(made)
}

/// Why a key is not retired.
#[derive(Debug, thiserror::Error)]
pub enum RetireRefused {
    #[error("no key has this kid")]
    NoSuchKey,
    #[error("the key is retired already")]
    Retired,
    /// Retiring it would leave its algorithm without a key that signs.
    #[error("the key is the only one of its algorithm that can sign now")]
    OnlySigner,
    #[error(transparent)]
    Folder(#[from] KeyError),
}

/// Stops a key signing now (a scheduled key then never signs); it stays published until every
/// token it signed has expired. Refused for the key that signs now, since no other key of its
/// algorithm could take over: rotate first.
pub fn retire(core: &Core, actor: Actor<'_>, kid: &str) -> Result<KeyEntry, RetireRefused> {
    core.reload_keys()?;
    let ring = core.keys();
    let scheduled = ring.schedule().iter().find(|s| s.key.kid == kid).ok_or(RetireRefused::NoSuchKey)?;
    if scheduled.entry.retired.is_some() || scheduled.state == KeyState::Retired {
        return Err(RetireRefused::Retired);
    }
    if scheduled.state == KeyState::Active {
        return Err(RetireRefused::OnlySigner);
    }
    let entry = keys::retire(&core.config.keys_dir, kid, core.clock.now(), keys::publish_tail(&core.config))?;
    core.reload_keys()?;
    actor.audit(core, None, "signing_key_retired", json!({"kid": kid, "alg": entry.alg}));
    Ok(entry)
}
