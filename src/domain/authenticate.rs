//! Authentication, the one way every sign-in ends: find the user (or, with sign-up on, create
//! the owner of a proven address or number), refuse a disabled account, record the sign-in,
//! audit and count it. The login pages, bridge mode, magic links and the embedded APIs all come
//! through here; what follows — a session cookie or a token response — is the caller's part.
//!
//! ```text
//! proof (code, link, passkey) --> authenticate --> User --> session::start | tokens::mint
//!                                      \--> Refused::NoAccount | Refused::Disabled
//! ```

use std::net::IpAddr;

use serde_json::{Value, json};

use crate::domain::Core;
use crate::model::{Identifier, User};
use crate::store::StoreResult;

/// Who the proof is about.
pub enum Claimant<'a> {
    /// A user already known: a passkey's owner, the subject of a minted link.
    User(User),
    /// Whoever owns a proven email address or phone number.
    Owner(&'a Identifier),
}

/// How the user proved it.
pub struct Method<'a> {
    /// The label in metrics and audit events, such as `email_code`.
    pub label: &'static str,
    /// Authentication Method References (RFC 8176).
    pub amr: Vec<String>,
    pub acr: &'a str,
}

impl Method<'_> {
    /// A one-time code or link sent to an address or number (`amr` `otp`, NIST AAL1).
    pub fn otp(label: &'static str) -> Method<'static> {
        Method { label, amr: vec!["otp".into()], acr: crate::model::ACR_OTP }
    }
}

/// Where the sign-in happens: the client it is for, the end user's address, and what the audit
/// event says besides the method.
pub struct Context<'a> {
    pub client_id: Option<&'a str>,
    pub ip: IpAddr,
    pub detail: Option<Value>,
}

/// Why a valid proof does not sign anyone in.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Nobody owns the identifier and sign-up is off.
    NoAccount,
    /// The account is deactivated.
    Disabled,
}

/// Signs `claimant` in by `method`: the user, recorded, audited and counted.
pub async fn authenticate(
    core: &Core,
    claimant: Claimant<'_>,
    method: &Method<'_>,
    context: Context<'_>,
) -> StoreResult<Result<User, Refused>> {
    let now = core.clock.now();
    let user = match claimant {
        Claimant::User(user) => user,
        Claimant::Owner(identifier) => match core.directory.user_by_identifier(identifier).await? {
            Some(user) => user,
            None if core.config.login.signup => core.directory.create_user_with_identifier(identifier, now).await?,
            None => return Ok(Err(Refused::NoAccount)),
        },
    };
    if !user.active {
        let detail = json!({"method": method.label, "reason": "account_disabled"});
        core.audit("sign_in_failed", Some(&user.id), context.client_id, Some(context.ip), detail);
        return Ok(Err(Refused::Disabled));
    }
    core.directory.record_login(&user.id, now).await?;
    core.metrics.inc("tessera_logins_completed_total", &[("method", method.label)]);
    let mut detail = json!({"method": method.label, "amr": method.amr});
    if let (Some(Value::Object(extra)), Some(fields)) = (context.detail, detail.as_object_mut()) {
        fields.extend(extra);
    }
    core.audit("sign_in", Some(&user.id), context.client_id, Some(context.ip), detail);
    Ok(Ok(user))
}
