//! Administrative changes, made in one place for the management API and the console: who acts
//! (`Actor`: an API key or an operator), the change, and its audit event. Changes to users are
//! here; the access handed to a user (links, tickets, upstream identities) is `access`, the
//! management API's keys `api_keys`, and the signing-key schedule `signing_keys`. Who may use
//! the console (`is_operator`) is decided here too.

pub mod access;
pub mod api_keys;
pub mod signing_keys;

use serde_json::{Value, json};

use crate::config::Config;
use crate::domain::Core;
use crate::model::{User, UserId};
use crate::store::StoreResult;

/// Who makes an administrative change.
#[derive(Clone, Copy, Debug)]
pub enum Actor<'a> {
    /// A management API key, by id.
    Key(&'a str),
    /// An operator signed in to the console.
    Operator(&'a UserId),
}

impl Actor<'_> {
    /// Where the change came from, as audit events and ended sessions record it.
    pub fn via(&self) -> &'static str {
        match self {
            Actor::Key(_) => "api",
            Actor::Operator(_) => "console",
        }
    }

    /// The audit event's fields naming the actor: `{"key": id}` or `{"operator": user id}`.
    fn who(&self) -> Value {
        match self {
            Actor::Key(id) => json!({ "key": id }),
            Actor::Operator(user) => json!({ "operator": user.0 }),
        }
    }

    /// Records an administrative change (`admin`, with its `action`) made by this actor.
    pub fn audit(&self, core: &Core, user: Option<&UserId>, action: &str, extra: Value) {
        self.audit_for(core, user, None, action, extra);
    }

    /// Records an administrative change that concerns a client too.
    pub fn audit_for(&self, core: &Core, user: Option<&UserId>, client: Option<&str>, action: &str, extra: Value) {
        let detail = merged(json!({"action": action, "via": self.via()}), [self.who(), extra]);
        core.audit("admin", user, client, None, detail);
    }

    /// Records an event of its own `kind` (a passkey removed, an identity unlinked) that says
    /// `"by"` whom it was done.
    fn event(&self, core: &Core, kind: &str, user: &UserId, extra: Value) {
        let detail = merged(json!({"by": self.via()}), [self.who(), extra]);
        core.audit(kind, Some(user), None, None, detail);
    }
}

/// `base` with the members of each of `parts` added.
fn merged<const N: usize>(mut base: Value, parts: [Value; N]) -> Value {
    for part in parts {
        if let (Value::Object(d), Value::Object(part)) = (&mut base, part) {
            d.extend(part);
        }
    }
    base
}

/// Whether `user` may use the console: active, and granted the role or named by the config.
pub fn is_operator(config: &Config, user: &User) -> bool {
    user.active && (user.operator || user.email.as_ref().is_some_and(|e| config.console.names(e)))
}

/// Activates or deactivates a user; a deactivated user's sessions and refresh tokens end at
/// once. `false` if there is no such user.
pub async fn set_active(core: &Core, actor: Actor<'_>, id: &UserId, active: bool) -> StoreResult<bool> {
    if !core.directory.set_user_active(id, active, core.clock.now()).await? {
        return Ok(false);
    }
    if !active {
        crate::domain::signout::end_all(core, id, actor.via()).await?;
    }
    actor.audit(core, Some(id), if active { "user_activated" } else { "user_deactivated" }, json!({}));
    Ok(true)
}

/// Signs a user out everywhere: how many sessions and refresh-token families ended.
pub async fn end_sessions(core: &Core, actor: Actor<'_>, id: &UserId) -> StoreResult<(usize, u64)> {
    crate::domain::signout::end_all(core, id, actor.via()).await
}

/// Removes one of the user's passkeys; `false` if the user has no such passkey.
pub async fn remove_passkey(core: &Core, actor: Actor<'_>, user: &UserId, cred_id: &str) -> StoreResult<bool> {
    if !core.directory.delete_passkey(user, cred_id).await? {
        return Ok(false);
    }
    actor.event(core, "passkey_removed", user, json!({"cred_id": cred_id}));
    Ok(true)
}

/// Deletes a user: sessions end (clients are told), then identifiers, passkeys, sessions and
/// refresh tokens are removed. Audit events stay. `false` if there is no such user.
pub async fn delete_user(core: &Core, actor: Actor<'_>, id: &UserId) -> StoreResult<bool> {
    crate::domain::signout::end_all(core, id, actor.via()).await?;
    if !core.directory.delete_user(id).await? {
        return Ok(false);
    }
    actor.audit(core, Some(id), "user_deleted", json!({}));
    Ok(true)
}

/// Grants or takes back the operator role; `false` if there is no such user.
pub async fn set_operator(core: &Core, actor: Actor<'_>, id: &UserId, operator: bool) -> StoreResult<bool> {
    if !core.directory.set_operator(id, operator, core.clock.now()).await? {
        return Ok(false);
    }
    actor.audit(core, Some(id), if operator { "operator_granted" } else { "operator_revoked" }, json!({}));
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(email: &str, operator: bool, active: bool) -> User {
        User {
            id: UserId("u".into()),
            email: Some(email.parse().unwrap()),
            email_verified: true,
            phone: None,
            phone_verified: false,
            created_at: 0,
            updated_at: 0,
            active,
            last_login_at: None,
            login_count: 0,
            metadata: json!({}),
            external_id: None,
            operator,
        }
    }

    #[test]
    fn operators_are_granted_the_role_or_named_by_the_config_and_must_be_active() {
        let mut config = Config::default();
        config.console.operators = vec!["Ops@Example.com".into()];
        assert!(is_operator(&config, &user("ops@example.com", false, true)), "named by the config, any case");
        assert!(is_operator(&config, &user("ada@example.com", true, true)), "granted the role");
        assert!(!is_operator(&config, &user("ada@example.com", false, true)), "neither");
        assert!(!is_operator(&config, &user("ops@example.com", true, false)), "a deactivated operator is none");
    }
}
