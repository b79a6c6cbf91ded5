//! Which account an upstream sign-in is: the identity's linked user; else, when the provider is
//! trusted for it, the owner of the address it asserts as verified (created with sign-up on);
//! else nobody yet: the person proves an account by one of its own methods, and the identity
//! is linked to it then. An unverified address never links.

use serde_json::json;

use super::Asserted;
use crate::config::UpstreamConfig;
use crate::domain::Core;
use crate::domain::interaction::PendingIdentity;
use crate::model::{Email, LinkedIdentity, User, UserId};
use crate::store::{StoreError, StoreResult};

/// What an upstream sign-in leads to.
#[derive(Debug)]
pub enum Resolution {
    SignIn(User),
    /// The identity signs nobody in by itself: the person signs in another way first.
    ProveFirst(PendingIdentity),
    /// The address is trusted but has no account, and sign-up is off.
    NoAccount,
}

pub async fn resolve(core: &Core, upstream: &UpstreamConfig, asserted: &Asserted) -> StoreResult<Resolution> {
    if let Some(linked) = core.directory.identity(&asserted.provider, &asserted.subject).await?
        && let Some(user) = core.directory.user(&linked.user_id).await?
    {
        return Ok(Resolution::SignIn(user));
    }
    let pending = PendingIdentity {
        provider: asserted.provider.clone(),
        subject: asserted.subject.clone(),
        email: asserted.email.clone(),
    };
    let Some(email) = trusted_email(upstream, asserted) else { return Ok(Resolution::ProveFirst(pending)) };
    let user = match core.directory.user_by_email(&email).await? {
        Some(user) => user,
        None if core.config.login.signup => create(core, &email, asserted.name.as_deref()).await?,
        None => return Ok(Resolution::NoAccount),
    };
    link(core, &user.id, &pending).await?;
    Ok(Resolution::SignIn(user))
}

/// A new user owning `email`, with the name the upstream sent, if any, in its metadata.
async fn create(core: &Core, email: &Email, name: Option<&str>) -> StoreResult<User> {
    let now = core.clock.now();
    let Some(name) = name else { return core.directory.create_user_with_email(email, now).await };
    let identifier = crate::model::Identifier::Email(email.clone());
    match core.directory.insert_user(&identifier, &json!({"name": name}), now).await {
        Err(StoreError::Conflict) => core.directory.create_user_with_email(email, now).await,
        other => other,
    }
}

/// The asserted address, if it may stand for its owner: verified by the upstream
/// (`email_verified`, OIDC Core §5.1) and the upstream trusted for it by configuration.
pub fn trusted_email(upstream: &UpstreamConfig, asserted: &Asserted) -> Option<Email> {
    if !(upstream.trust_verified_email && asserted.email_verified) {
        return None;
    }
    asserted.email.as_deref()?.parse().ok()
}

/// Links `identity` to `user`; `false` (and no change) when it is linked to someone already.
pub async fn link(core: &Core, user: &UserId, identity: &PendingIdentity) -> StoreResult<bool> {
    let record = LinkedIdentity {
        provider: identity.provider.clone(),
        subject: identity.subject.clone(),
        user_id: user.clone(),
        email: identity.email.clone(),
        created_at: core.clock.now(),
    };
    match core.directory.link_identity(&record).await {
        Ok(()) => {
            core.audit("identity_linked", Some(user), None, None, json!({"provider": identity.provider}));
            Ok(true)
        }
        Err(StoreError::Conflict) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstream(trust: bool) -> UpstreamConfig {
        let toml = format!(
            "id = \"idp\"\nissuer = \"https://idp.example\"\nclient_id = \"t\"\ntrust_verified_email = {trust}"
        );
        toml::from_str(&toml).unwrap()
    }

    fn asserted(verified: bool) -> Asserted {
        Asserted {
            provider: "idp".into(),
            subject: "s".into(),
            email: Some("Ada@Example.com".into()),
            email_verified: verified,
            amr: vec![],
            name: None,
        }
    }

    #[test]
    fn only_a_verified_address_from_a_trusted_provider_stands_for_its_owner() {
        assert_eq!(
            trusted_email(&upstream(true), &asserted(true)).map(|e| e.as_str().to_string()),
            Some("ada@example.com".into())
        );
        assert_eq!(trusted_email(&upstream(true), &asserted(false)), None, "unverified never");
        assert_eq!(trusted_email(&upstream(false), &asserted(true)), None, "not trusted for addresses");
    }
}
