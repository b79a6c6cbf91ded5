//! Bridges registered at run time: create, change, delete. The access key is write-only: a
//! change without one keeps the current key.

use serde_json::json;

use super::{Refusal, same_id};
use crate::config::{BridgeConfig, Config};
use crate::domain::Core;
use crate::domain::admin::Actor;
use crate::store::{Directory, StoreResult};

/// Whether `id` is the audience of a bridge, configured or registered: such an id cannot be a
/// client, or the bridge's assertions would pass for that client's ID tokens.
pub async fn audience_of_any(config: &Config, directory: &dyn Directory, id: &str) -> StoreResult<bool> {
    if config.bridges.iter().any(|b| b.audience == id) {
        return Ok(true);
    }
    Ok(directory.bridges().await?.iter().any(|b| b.audience == id))
}

pub(super) async fn is_audience(core: &Core, id: &str) -> StoreResult<bool> {
    audience_of_any(&core.config, core.directory.as_ref(), id).await
}

/// The configuration file's bridge with this id.
pub fn configured<'a>(core: &'a Core, id: &str) -> Option<&'a BridgeConfig> {
    core.config.bridges.iter().find(|b| b.id == id)
}

/// Checks a bridge as the configuration file's are checked, plus: its audience is no client.
async fn check(core: &Core, b: &BridgeConfig) -> Result<(), Refusal> {
    crate::config::check_bridge(b).map_err(|(field, why)| Refusal::invalid(field, why))?;
    if core.client(&b.audience).await?.is_some() {
        return Err(Refusal::invalid("audience", "must not be a client id: an assertion is not an ID token"));
    }
    Ok(())
}

/// Registers a bridge (see docs/bridge.md).
pub async fn create(core: &Core, actor: Actor<'_>, bridge: &BridgeConfig) -> Result<(), Refusal> {
    check(core, bridge).await?;
    if configured(core, &bridge.id).is_some() {
        return Err(Refusal::ConfigOwned);
    }
    core.directory.insert_bridge(bridge, core.clock.now()).await?;
    actor.audit(core, None, "bridge_created", json!({"bridge_id": bridge.id}));
    Ok(())
}

/// A bridge registered at run time, access key included; one of the file's is refused.
pub async fn stored(core: &Core, id: &str) -> Result<BridgeConfig, Refusal> {
    if configured(core, id).is_some() {
        return Err(Refusal::ConfigOwned);
    }
    core.directory.bridge(id).await?.ok_or(Refusal::NotFound)
}

/// Replaces the bridge `id` with `bridge` (same id).
pub async fn update(core: &Core, actor: Actor<'_>, id: &str, bridge: &BridgeConfig) -> Result<(), Refusal> {
    if configured(core, id).is_some() {
        return Err(Refusal::ConfigOwned);
    }
    same_id(id, &bridge.id)?;
    check(core, bridge).await?;
    if !core.directory.update_bridge(bridge, core.clock.now()).await? {
        return Err(Refusal::NotFound);
    }
    actor.audit(core, None, "bridge_updated", json!({"bridge_id": id}));
    Ok(())
}

/// Deletes a bridge; hand-offs already under way fail.
pub async fn delete(core: &Core, actor: Actor<'_>, id: &str) -> Result<(), Refusal> {
    stored(core, id).await?;
    if !core.directory.delete_bridge(id).await? {
        return Err(Refusal::NotFound);
    }
    actor.audit(core, None, "bridge_deleted", json!({"bridge_id": id}));
    Ok(())
}
