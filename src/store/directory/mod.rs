//! `Directory`: the durable records, one trait per aggregate, and the directory that has them all.

mod api_keys;
mod apis;
mod audit_log;
mod bridges;
mod clients;
mod consents;
mod embedded_apps;
mod identities;
mod passkeys;
mod refresh_tokens;
mod sessions;
mod upstreams;
mod users;

use async_trait::async_trait;

pub use api_keys::ApiKeys;
pub use apis::Apis;
pub use audit_log::AuditLog;
pub use bridges::Bridges;
pub use clients::Clients;
pub use consents::Consents;
pub use embedded_apps::EmbeddedApps;
pub use identities::Identities;
pub use passkeys::Passkeys;
pub use refresh_tokens::{RefreshToken, RefreshTokens, Rotation};
pub use sessions::Sessions;
pub use upstreams::Upstreams;
pub use users::Users;

use crate::store::StoreResult;

/// Durable records: users, clients, SSO sessions, refresh-token families. One value holds every
/// aggregate, so `Arc<dyn Directory>` reaches them all.
#[async_trait]
pub trait Directory:
    Users
    + Clients
    + Bridges
    + Upstreams
    + Apis
    + Sessions
    + RefreshTokens
    + Consents
    + Passkeys
    + EmbeddedApps
    + Identities
    + AuditLog
    + ApiKeys
    + Send
    + Sync
{
    async fn ping(&self) -> StoreResult<()>;
}
