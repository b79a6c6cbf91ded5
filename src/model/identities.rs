//! `LinkedIdentity`: an account at an upstream identity provider that signs in a user.

use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;
use crate::model::UserId;

/// The provider's `sub` for this person, and the user it signs in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LinkedIdentity {
    /// The `[[upstreams]]` id.
    pub provider: String,
    /// The provider's subject identifier (OIDC Core §2 `sub`), unique per provider.
    pub subject: String,
    #[schema(value_type = String)]
    pub user_id: UserId,
    /// The address the provider named when the identity was linked; shown, never matched.
    pub email: Option<String>,
    pub created_at: UnixTime,
}
