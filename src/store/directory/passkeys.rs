//! `Passkeys`: WebAuthn credentials, each owned by one user, with what each sign-in updates.

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::model::{StoredPasskey, UserId};
use crate::store::StoreResult;

#[async_trait]
pub trait Passkeys: Send + Sync {
    /// Stores a new passkey; `Conflict` if its credential id is registered already (to anyone).
    async fn insert_passkey(&self, passkey: &StoredPasskey) -> StoreResult<()>;
    async fn passkey(&self, cred_id: &str) -> StoreResult<Option<StoredPasskey>>;
    /// A user's passkeys, oldest first.
    async fn passkeys_of_user(&self, user_id: &UserId) -> StoreResult<Vec<StoredPasskey>>;
    /// Records a sign-in: the updated credential (counter, flags) and when it was used.
    async fn passkey_used(&self, cred_id: &str, passkey: &str, backup_state: bool, now: UnixTime) -> StoreResult<()>;
    /// `false` if the user has no such passkey.
    async fn rename_passkey(&self, user_id: &UserId, cred_id: &str, name: &str) -> StoreResult<bool>;
    /// `false` if the user has no such passkey.
    async fn delete_passkey(&self, user_id: &UserId, cred_id: &str) -> StoreResult<bool>;
}
