//! `Identities`: accounts at upstream identity providers linked to users.

use async_trait::async_trait;

use crate::model::{LinkedIdentity, UserId};
use crate::store::StoreResult;

#[async_trait]
pub trait Identities: Send + Sync {
    /// The identity `subject` at `provider`, with the user it signs in.
    async fn identity(&self, provider: &str, subject: &str) -> StoreResult<Option<LinkedIdentity>>;
    /// `Conflict` if the provider's subject is linked already (to anyone).
    async fn link_identity(&self, identity: &LinkedIdentity) -> StoreResult<()>;
    /// A user's identities, oldest first.
    async fn identities_of_user(&self, user_id: &UserId) -> StoreResult<Vec<LinkedIdentity>>;
    /// `false` if the user has no such identity.
    async fn unlink_identity(&self, user_id: &UserId, provider: &str, subject: &str) -> StoreResult<bool>;
}
