//! `Identities` timed like every other directory aggregate.

use std::time::Instant;

use async_trait::async_trait;

use super::Measured;
use crate::model::{LinkedIdentity, UserId};
use crate::store::{Directory, Identities, StoreResult};

#[async_trait]
impl Identities for Measured<dyn Directory> {
    async fn identity(&self, provider: &str, subject: &str) -> StoreResult<Option<LinkedIdentity>> {
        measure!(self, identity(provider, subject))
    }
    async fn link_identity(&self, identity: &LinkedIdentity) -> StoreResult<()> {
        measure!(self, link_identity(identity))
    }
    async fn identities_of_user(&self, user_id: &UserId) -> StoreResult<Vec<LinkedIdentity>> {
        measure!(self, identities_of_user(user_id))
    }
    async fn unlink_identity(&self, user_id: &UserId, provider: &str, subject: &str) -> StoreResult<bool> {
        measure!(self, unlink_identity(user_id, provider, subject))
    }
}
