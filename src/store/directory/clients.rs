//! `Clients`: relying parties registered at run time, with their redirect URIs and keys.

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::model::Client;
use crate::store::StoreResult;

#[async_trait]
pub trait Clients: Send + Sync {
    async fn client(&self, id: &str) -> StoreResult<Option<Client>>;
    async fn insert_client(&self, client: &Client, now: UnixTime) -> StoreResult<()>;
    async fn clients(&self) -> StoreResult<Vec<Client>>;
    /// Replaces a client's registration; `false` if there is no such client.
    async fn update_client(&self, client: &Client, now: UnixTime) -> StoreResult<bool>;
    /// Deletes a client with its consents and refresh tokens, so a client registered later under
    /// the same id inherits nothing; `false` if there is no such client.
    async fn delete_client(&self, id: &str) -> StoreResult<bool>;
}
