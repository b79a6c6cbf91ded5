//! Registering a passkey for one of an application's users: the backend's register token (all
//! of Passwordless.dev's `RegisterOptions`), the options the page's authenticator is asked with,
//! and the verified credential stored for (application, user) with the aliases the token named.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use webauthn_rs::prelude::{CredentialID, PasskeyRegistration};

use super::tokens::{self, Kind};
use super::{Caller, Embedded, EmbeddedError, apps, credential, origin, users};
use crate::domain::Core;
use crate::model::{AppPasskey, EmbeddedApp};

/// `POST /register/token`: who the passkey is for, and how it is to be made.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterOptions {
    pub user_id: String,
    pub username: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// Only `none`: Tessera stores passkeys without attestation statements.
    #[serde(default)]
    pub attestation: Option<String>,
    /// `platform`, `cross-platform`, or `any` (the default).
    #[serde(default)]
    pub authenticator_type: Option<String>,
    #[serde(default = "yes")]
    pub discoverable: bool,
    #[serde(default)]
    pub user_verification: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default = "yes")]
    pub alias_hashing: bool,
    /// RFC 3339; two minutes from now when absent, at most an hour.
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub hints: Vec<String>,
}

fn yes() -> bool {
    true
}

/// The longest a register token may live, in seconds.
const MAX_TTL: i64 = 3600;

/// Checks the options and mints a register token for them.
pub async fn create_token(core: &Core, app: &EmbeddedApp, options: RegisterOptions) -> Embedded<String> {
    users::check_user_id(&options.user_id)?;
    if options.username.trim().is_empty() {
        return Err(EmbeddedError::argument("The Username field is required."));
    }
    if !options.attestation.as_deref().is_none_or(|a| a.eq_ignore_ascii_case("none")) {
        return Err(EmbeddedError::bad(
            "invalid_attestation",
            "Tessera accepts the attestation preference 'none' only.",
        ));
    }
    let attachment = options.authenticator_type.as_deref().map(str::to_ascii_lowercase);
    if !matches!(attachment.as_deref(), None | Some("any" | "platform" | "cross-platform")) {
        return Err(EmbeddedError::argument("authenticatorType must be any, platform or cross-platform."));
    }
    if options.hints.len() > 3 {
        return Err(EmbeddedError::argument("At most 3 hints are allowed."));
    }
    users::check_aliases(&options.aliases)?;
    if app.tessera_users {
        tessera_user(core, &options.user_id).await?;
    }
    let now = core.clock.now();
    let expires_at = match &options.expires_at {
        None => now + tokens::DEFAULT_TTL,
        Some(at) => time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
            .map_err(|_| EmbeddedError::argument("expiresAt must be an RFC 3339 time."))?
            .unix_timestamp(),
    };
    if expires_at <= now || expires_at > now + MAX_TTL {
        return Err(EmbeddedError::argument(format!("expiresAt must be in the next {MAX_TTL} seconds.")));
    }
    for alias in &options.aliases {
        let owner = core.directory.app_alias_owner(&app.id, &apps::alias_hash(core, &app.id, alias)).await?;
        if owner.is_some_and(|o| o != options.user_id) {
            return Err(EmbeddedError::status(409, "alias_conflict", "Alias is already in use by another userid"));
        }
    }
    let token = tokens::mint(core, Kind::Register, &app.id, expires_at, &options).await?;
    core.audit("embedded_register_token", None, Some(&app.id), None, json!({"app_user": options.user_id}));
    Ok(token)
}

/// For an application whose users are Tessera's: the active Tessera user `user_id` names.
async fn tessera_user(core: &Core, user_id: &str) -> Embedded<webauthn_rs::prelude::Uuid> {
    let not_ours = || EmbeddedError::argument("This application's userId must be the id of an active Tessera user.");
    let handle = webauthn_rs::prelude::Uuid::parse_str(user_id).map_err(|_| not_ours())?;
    let user = core.directory.user(&crate::model::UserId(user_id.to_string())).await?;
    if !user.is_some_and(|u| u.active) {
        return Err(not_ours());
    }
    Ok(handle)
}

/// A registration in progress.
#[derive(Serialize, Deserialize)]
pub(super) struct Pending {
    /// The register token, spent when the passkey is stored.
    token: String,
    options: RegisterOptions,
    handle: String,
    origin: String,
    state: PasskeyRegistration,
}

/// `POST /register/begin`: the options for `navigator.credentials.create` and the session.
pub async fn begin(
    core: &Core,
    app: &EmbeddedApp,
    caller: Caller<'_>,
    token: &str,
    claimed: origin::Claimed<'_>,
) -> Embedded<(String, Value)> {
    let origin = origin::check(app, caller, claimed)?;
    let options: RegisterOptions = tokens::peek(core, Kind::Register, &app.id, token).await?;
    let wa = apps::relying_party(app)?;
    let existing = core.directory.app_passkeys_of_user(&app.id, &options.user_id).await?;
    let exclude: Vec<CredentialID> = existing.iter().filter_map(|p| URL_SAFE_NO_PAD.decode(&p.cred_id).ok()).collect();
    // A Tessera user's passkey carries Tessera's handle for them, so it also works on Tessera's pages.
    let handle = match app.tessera_users {
        true => tessera_user(core, &options.user_id).await?,
        false => apps::user_handle(core, &app.id, &options.user_id),
    };
    let display = options.display_name.clone().unwrap_or_else(|| options.username.clone());
    let (challenge, state) = wa
        .start_passkey_registration(handle, &options.username, &display, Some(exclude))
        .map_err(|e| EmbeddedError::argument(e.to_string()))?;
    let mut public_key =
        serde_json::to_value(&challenge.public_key).map_err(|e| EmbeddedError::argument(e.to_string()))?;
    shape(&mut public_key, &options);
    let pending =
        Pending { token: token.to_string(), handle: crate::crypto::b64url(handle.as_bytes()), origin, options, state };
    let expires = core.clock.now() + tokens::SESSION_TTL;
    let session =
        tokens::mint(core, Kind::Session, &app.id, expires, &SessionKind::Register(Box::new(pending))).await?;
    Ok((session, public_key))
}

/// What a session holds: a registration or a sign-in (`sign_in::Pending`).
#[derive(Serialize, Deserialize)]
pub(super) enum SessionKind {
    Register(Box<Pending>),
    SignIn(Box<super::sign_in::Pending>),
}

/// The register token's choices written into the creation options (WebAuthn §5.4.4).
fn shape(public_key: &mut Value, options: &RegisterOptions) {
    let selection = &mut public_key["authenticatorSelection"];
    selection["residentKey"] = json!(if options.discoverable { "required" } else { "discouraged" });
    selection["requireResidentKey"] = json!(options.discoverable);
    let attachment = options.authenticator_type.as_deref().map(str::to_ascii_lowercase);
    if let Some(kind @ ("platform" | "cross-platform")) = attachment.as_deref() {
        selection["authenticatorAttachment"] = json!(kind);
    }
    if !options.hints.is_empty() {
        public_key["hints"] = json!(options.hints);
    }
    public_key["extensions"]["credProps"] = json!(true);
}

/// `POST /register/complete`: verifies the attestation, stores the passkey and the aliases, and
/// answers with a verify token (type `passkey_register`).
pub async fn complete(
    core: &Core,
    app: &EmbeddedApp,
    caller: Caller<'_>,
    session: &str,
    sent: &Value,
    nickname: Option<&str>,
) -> Embedded<String> {
    let SessionKind::Register(pending) = tokens::take(core, Kind::Session, &app.id, session).await? else {
        return Err(EmbeddedError::bad("invalid_token", "The session is not a registration."));
    };
    let (credential, discoverable) = credential::registration(sent)?;
    let wa = apps::relying_party(app)?;
    let passkey = wa.finish_passkey_registration(&credential, &pending.state).map_err(|e| {
        core.metrics
            .inc("tessera_logins_failed_total", &[("method", super::METHOD), ("reason", "registration_refused")]);
        EmbeddedError::bad("fido2_invalid_registration", e.to_string())
    })?;
    let options = &pending.options;
    let aliases = users::hashed(core, &app.id, &options.aliases, options.alias_hashing);
    let stored = record(core, app, caller, &pending, &passkey, discoverable, nickname)?;
    let now = stored.created_at;
    // The register token is spent only now that the attestation has been verified.
    if !tokens::spend(core, Kind::Register, &pending.token).await? {
        return Err(EmbeddedError::bad("invalid_token", "The register token was used already."));
    }
    if !aliases.is_empty() {
        users::store_aliases(core, &app.id, &options.user_id, &aliases).await?;
    }
    match core.directory.insert_app_passkey(&stored).await {
        Err(crate::store::StoreError::Conflict) => {
            return Err(EmbeddedError::bad("fido2_invalid_registration", "The credential is registered already."));
        }
        other => other?,
    }
    let detail = json!({"app_user": stored.user_id, "cred_id": stored.cred_id, "synced": stored.backup_eligible});
    core.audit("embedded_passkey_added", None, Some(&app.id), Some(caller.ip), detail);
    let verified = super::sign_in::Verified::of(&stored, "passkey_register", now);
    tokens::mint(core, Kind::Verify, &app.id, now + tokens::DEFAULT_TTL, &verified).await
}

/// The passkey as stored for the session's user.
fn record(
    core: &Core,
    app: &EmbeddedApp,
    caller: Caller<'_>,
    pending: &Pending,
    passkey: &webauthn_rs::prelude::Passkey,
    discoverable: Option<bool>,
    nickname: Option<&str>,
) -> Embedded<AppPasskey> {
    let json = serde_json::to_value(passkey).map_err(|e| EmbeddedError::argument(e.to_string()))?;
    let flag = |name: &str| json["cred"][name].as_bool().unwrap_or(false);
    let now = core.clock.now();
    Ok(AppPasskey {
        app_id: app.id.clone(),
        cred_id: crate::crypto::b64url(passkey.cred_id()),
        user_id: pending.options.user_id.clone(),
        passkey: json.to_string(),
        user_handle: pending.handle.clone(),
        nickname: nickname.map(crate::domain::passkeys::clean_name),
        rp_id: app.rp_id.clone(),
        origin: pending.origin.clone(),
        device: crate::device::device_name(caller.agent),
        aaguid: json["cred"]["attestation"]["metadata"]["aaguid"].as_str().unwrap_or_default().to_string(),
        backup_eligible: flag("backup_eligible"),
        backup_state: flag("backup_state"),
        discoverable,
        created_at: now,
        last_used_at: Some(now),
    })
}
