//! Signing in with an application's passkey: a challenge for a user (by id or alias) or for any
//! discoverable passkey (the button, autofill), the assertion checked against the stored
//! credential, and the verify token the page hands its backend, which trades it once for who
//! signed in (`/signin/verify`). The backend may also mint such a token itself
//! (`/signin/generate-token`, for magic links and recovery) when the application allows it.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use webauthn_rs::prelude::{DiscoverableAuthentication, Passkey, PasskeyAuthentication, WebauthnError};

use super::register::SessionKind;
use super::tokens::{self, Kind};
use super::{Caller, Embedded, EmbeddedError, METHOD, apps, credential, origin, rfc3339, users};
use crate::clock::UnixTime;
use crate::domain::Core;
use crate::model::{AppPasskey, EmbeddedApp};

/// A sign-in in progress.
#[derive(Serialize, Deserialize)]
pub(super) struct Pending {
    origin: String,
    ceremony: Ceremony,
}

#[derive(Serialize, Deserialize)]
enum Ceremony {
    Discover(DiscoverableAuthentication),
    ForUser { user_id: String, state: PasskeyAuthentication },
}

/// Who a sign-in is for: a user id, an alias, or whoever holds a discoverable passkey.
pub enum Who<'a> {
    UserId(&'a str),
    Alias(&'a str),
    Anyone,
}

/// `POST /signin/begin`: the options for `navigator.credentials.get` and the session. An unknown
/// user or alias gets the discoverable options, as Passwordless.dev answers (an empty allow
/// list), so the answer does not say whether the user exists.
pub async fn begin(
    core: &Core,
    app: &EmbeddedApp,
    caller: Caller<'_>,
    who: Who<'_>,
    claimed: origin::Claimed<'_>,
) -> Embedded<(String, Value)> {
    let origin = origin::check(app, caller, claimed)?;
    let user_id = match who {
        Who::UserId(id) => {
            users::check_user_id(id)?;
            Some(id.to_string())
        }
        Who::Alias(alias) => core.directory.app_alias_owner(&app.id, &apps::alias_hash(core, &app.id, alias)).await?,
        Who::Anyone => None,
    };
    let mine = match &user_id {
        Some(id) => core.directory.app_passkeys_of_user(&app.id, id).await?,
        None => Vec::new(),
    };
    let wa = apps::relying_party(app)?;
    let unavailable = |e: WebauthnError| EmbeddedError::argument(e.to_string());
    let (options, ceremony) = match user_id {
        Some(user_id) if !mine.is_empty() => {
            let keys: Vec<Passkey> = mine.iter().map(parse).collect::<Embedded<_>>()?;
            let (challenge, state) = wa.start_passkey_authentication(&keys).map_err(unavailable)?;
            (serde_json::to_value(&challenge.public_key), Ceremony::ForUser { user_id, state })
        }
        _ => {
            let (challenge, state) = wa.start_discoverable_authentication().map_err(unavailable)?;
            (serde_json::to_value(&challenge.public_key), Ceremony::Discover(state))
        }
    };
    let options = options.map_err(|e| EmbeddedError::argument(e.to_string()))?;
    core.metrics.inc("tessera_logins_started_total", &[("method", METHOD)]);
    let pending = SessionKind::SignIn(Box::new(Pending { origin, ceremony }));
    let session = tokens::mint(core, Kind::Session, &app.id, core.clock.now() + tokens::SESSION_TTL, &pending).await?;
    Ok((session, options))
}

fn parse(stored: &AppPasskey) -> Embedded<Passkey> {
    serde_json::from_str(&stored.passkey).map_err(|e| crate::store::StoreError::Corrupt(e.to_string()).into())
}

/// `POST /signin/complete`: checks the assertion (signature over this session's challenge, from
/// an allowed origin, for the application's RP id, counter not moving back) and answers with a
/// verify token.
pub async fn complete(
    core: &Core,
    app: &EmbeddedApp,
    caller: Caller<'_>,
    session: &str,
    sent: &Value,
) -> Embedded<String> {
    let SessionKind::SignIn(pending) = tokens::take(core, Kind::Session, &app.id, session).await? else {
        return Err(EmbeddedError::bad("invalid_token", "The session is not a sign-in."));
    };
    let assertion = credential::assertion(sent)?;
    let cred_id = crate::crypto::b64url(assertion.get_credential_id());
    let Some(mut stored) = core.directory.app_passkey(&app.id, &cred_id).await? else {
        failed(core, app, caller, None, "unknown_credential");
        return Err(EmbeddedError::bad("unknown_credential", "We don't recognize the passkey you sent us."));
    };
    let mut passkey = parse(&stored)?;
    let wa = apps::relying_party(app)?;
    let result = match pending.ceremony {
        Ceremony::Discover(state) => wa.finish_discoverable_authentication_v2(&assertion, state, &passkey),
        Ceremony::ForUser { user_id, state } if user_id == stored.user_id => {
            wa.finish_passkey_authentication(&assertion, &state)
        }
        Ceremony::ForUser { .. } => Err(WebauthnError::CredentialNotFound),
    };
    let result = result.map_err(|e| {
        let reason = match e {
            WebauthnError::InvalidRPOrigin => "wrong_origin",
            WebauthnError::MismatchedChallenge => "wrong_challenge",
            WebauthnError::CredentialPossibleCompromise => "counter_went_backwards",
            _ => "verification_failed",
        };
        failed(core, app, caller, Some(&stored), reason);
        EmbeddedError::bad("signin_complete_error", e.to_string())
    })?;
    passkey.update_credential(&result);
    let now = core.clock.now();
    stored.passkey = serde_json::to_string(&passkey).map_err(|e| EmbeddedError::argument(e.to_string()))?;
    stored.backup_state = result.backup_state();
    stored.device = crate::device::device_name(caller.agent);
    core.directory.app_passkey_used(&stored, now).await?;
    core.metrics.inc("tessera_logins_completed_total", &[("method", METHOD)]);
    let detail =
        json!({"method": METHOD, "app_user": stored.user_id, "cred_id": stored.cred_id, "origin": pending.origin});
    core.audit("sign_in", None, Some(&app.id), Some(caller.ip), detail);
    let mut verified = Verified::of(&stored, "passkey_signin", now);
    verified.origin = pending.origin;
    tokens::mint(core, Kind::Verify, &app.id, now + tokens::DEFAULT_TTL, &verified).await
}

fn failed(core: &Core, app: &EmbeddedApp, caller: Caller<'_>, stored: Option<&AppPasskey>, reason: &str) {
    core.metrics.inc("tessera_logins_failed_total", &[("method", METHOD), ("reason", reason)]);
    let detail = json!({"method": METHOD, "reason": reason, "app_user": stored.map(|s| &s.user_id), "cred_id": stored.map(|s| &s.cred_id)});
    core.audit("sign_in_failed", None, Some(&app.id), Some(caller.ip), detail);
}

/// What `/signin/verify` answers: Passwordless.dev's `VerifySignInToken`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verified {
    pub user_id: String,
    /// Base64url, as the browser names the credential (`credential.id`).
    pub credential_id: String,
    pub success: bool,
    pub timestamp: String,
    pub rp_id: String,
    pub origin: String,
    pub device: String,
    pub country: String,
    pub nickname: Option<String>,
    pub expires_at: String,
    pub token_id: String,
    /// `passkey_signin`, `passkey_register` or `generated_signin`.
    #[serde(rename = "type")]
    pub kind: String,
    pub purpose: String,
}

impl Verified {
    pub(super) fn of(stored: &AppPasskey, kind: &str, now: UnixTime) -> Verified {
        Verified {
            user_id: stored.user_id.clone(),
            credential_id: stored.cred_id.clone(),
            success: true,
            timestamp: rfc3339(now),
            rp_id: stored.rp_id.clone(),
            origin: stored.origin.clone(),
            device: stored.device.clone(),
            country: String::new(),
            nickname: stored.nickname.clone(),
            expires_at: rfc3339(now + tokens::DEFAULT_TTL),
            token_id: uuid::Uuid::new_v4().to_string(),
            kind: kind.into(),
            purpose: "sign-in".into(),
        }
    }
}

/// `POST /signin/verify`: trades a verify token for who signed in, once.
pub async fn verify(core: &Core, app: &EmbeddedApp, token: &str) -> Embedded<Verified> {
    let verified: Verified = tokens::take(core, Kind::Verify, &app.id, token).await?;
    core.audit(
        "embedded_token_verified",
        None,
        Some(&app.id),
        None,
        json!({"app_user": verified.user_id, "type": verified.kind}),
    );
    Ok(verified)
}

/// `POST /signin/generate-token`: a verify token for `user_id` without a ceremony, valid for
/// `ttl` seconds (1 to 604800, two minutes by default), if the application allows it.
pub async fn generate_token(core: &Core, app: &EmbeddedApp, user_id: &str, ttl: Option<i64>) -> Embedded<String> {
    if !app.generate_sign_in_tokens {
        return Err(EmbeddedError::Refused {
            status: 403,
            code: None,
            title: "The 'POST /signin/generate-token' endpoint is disabled".into(),
        });
    }
    users::check_user_id(user_id)?;
    let ttl = ttl.unwrap_or(tokens::DEFAULT_TTL);
    if !(1..=604_800).contains(&ttl) {
        return Err(EmbeddedError::argument("timeToLive must be between 1 and 604800 seconds."));
    }
    let now = core.clock.now();
    let verified = Verified {
        user_id: user_id.into(),
        credential_id: String::new(),
        success: true,
        timestamp: rfc3339(now),
        rp_id: app.rp_id.clone(),
        origin: String::new(),
        device: String::new(),
        country: String::new(),
        nickname: None,
        expires_at: rfc3339(now + ttl),
        token_id: uuid::Uuid::new_v4().to_string(),
        kind: "generated_signin".into(),
        purpose: "sign-in".into(),
    };
    core.audit("embedded_token_generated", None, Some(&app.id), None, json!({"app_user": user_id}));
    tokens::mint(core, Kind::Verify, &app.id, now + ttl, &verified).await
}
