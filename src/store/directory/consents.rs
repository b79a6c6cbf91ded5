//! `Consents`: the scopes each user granted each client, remembered so consent is asked once.

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::model::{Consent, UserId};
use crate::store::StoreResult;

#[async_trait]
pub trait Consents: Send + Sync {
    /// The consent `user` gave `client_id`, if any.
    async fn consent(&self, user: &UserId, client_id: &str) -> StoreResult<Option<Consent>>;
    /// Records a consent, replacing an earlier one of the same user and client.
    async fn grant_consent(&self, user: &UserId, consent: &Consent) -> StoreResult<()>;
    /// Takes a consent back and revokes the client's refresh tokens for the user; `false` if
    /// there was none.
    async fn revoke_consent(&self, user: &UserId, client_id: &str, now: UnixTime) -> StoreResult<bool>;
    /// A user's consents, newest first.
    async fn consents_of_user(&self, user: &UserId) -> StoreResult<Vec<Consent>>;
}
