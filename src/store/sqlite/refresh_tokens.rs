//! SQLite `RefreshTokens`: issue and rotation go through the group-commit writer; reads and
//! revocations are the shared statements.

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::model::UserId;
use crate::store::sql::refresh_tokens::statements;
use crate::store::sqlite::SqliteDirectory;
use crate::store::sqlite::writer::{Write, Written};
use crate::store::{RefreshToken, RefreshTokens, Rotation, StoreError, StoreResult};

statements!(SqliteDirectory);

#[async_trait]
impl RefreshTokens for SqliteDirectory {
    async fn insert_refresh(&self, t: &RefreshToken) -> StoreResult<()> {
        self.writer.submit(Write::InsertRefresh(t.clone())).await.map(drop)
    }

    async fn live_refresh_token(&self, hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<RefreshToken>> {
        self.shared_live_refresh_token(hash, now).await
    }

    async fn rotate_refresh(
        &self,
        presented: &[u8; 32],
        client_id: &str,
        next_hash: &[u8; 32],
        next_expires_at: UnixTime,
        now: UnixTime,
    ) -> StoreResult<Rotation> {
        let write = Write::Rotate {
            presented: *presented,
            client_id: client_id.into(),
            next_hash: *next_hash,
            next_expires_at,
            now,
        };
        match self.writer.submit(write).await? {
            Written::Rotated(rotation) => Ok(*rotation),
            Written::Inserted => Err(StoreError::Corrupt("the writer answered a rotation with an insert".into())),
        }
    }

    async fn revoke_family(&self, family_id: &str, now: UnixTime) -> StoreResult<()> {
        self.shared_revoke_family(family_id, now).await
    }

    async fn revoke_refresh_of_user(&self, id: &UserId, now: UnixTime) -> StoreResult<u64> {
        self.shared_revoke_refresh_of_user(id, now).await
    }
}
