//! `RefreshTokens`: refresh-token families, their rotation, and the revocation a reuse triggers.

use async_trait::async_trait;
use serde::Serialize;

use crate::clock::UnixTime;
use crate::model::UserId;
use crate::store::StoreResult;

/// One rotation of a refresh token (RFC 6749 §6, OAuth 2.0 Security BCP §4.14).
#[derive(Debug)]
pub enum Rotation {
    /// The presented token was live; it is now used and `new` replaces it.
    Rotated(Box<RefreshToken>),
    /// The presented token had already been used: its whole family is now revoked.
    Reused { family_id: String },
    /// Unknown, expired or revoked.
    Invalid,
}

/// A stored refresh token: the hash of the token and the grant it continues.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct RefreshToken {
    pub hash: [u8; 32],
    pub family_id: String,
    pub client_id: String,
    pub user_id: UserId,
    pub scope: String,
    pub auth_time: UnixTime,
    pub amr: Vec<String>,
    pub acr: String,
    pub session_id: Option<String>,
    /// The `claims` request parameter of the grant (OIDC Core §5.5), as JSON.
    pub claims: Option<String>,
    /// RFC 9449 §5: the DPoP key a public client's token is bound to.
    pub dpop_jkt: Option<String>,
    /// The API (`audience`) the family's access tokens are for; `None`: userinfo.
    #[serde(default)]
    pub audience: Option<String>,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

#[async_trait]
pub trait RefreshTokens: Send + Sync {
    async fn insert_refresh(&self, token: &RefreshToken) -> StoreResult<()>;
    /// A refresh token that is unused, unexpired, and whose family is not revoked.
    async fn live_refresh_token(&self, hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<RefreshToken>>;
    /// Atomically marks `presented` used and stores its successor under `next_hash`, expiring at
    /// `next_expires_at`. A token of another client is `Invalid` and stays untouched; a second
    /// use of the same token revokes the family.
    async fn rotate_refresh(
        &self,
        presented: &[u8; 32],
        client_id: &str,
        next_hash: &[u8; 32],
        next_expires_at: UnixTime,
        now: UnixTime,
    ) -> StoreResult<Rotation>;
    async fn revoke_family(&self, family_id: &str, now: UnixTime) -> StoreResult<()>;
    /// Revokes every refresh-token family of a user; returns how many were live.
    async fn revoke_refresh_of_user(&self, id: &UserId, now: UnixTime) -> StoreResult<u64>;
}
