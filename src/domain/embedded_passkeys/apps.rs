//! The applications: found by id (configuration first, then the directory), authenticated by
//! their keys, each its own WebAuthn relying party; and the keys, user handles and alias
//! hashes derived for them.

use webauthn_rs::prelude::{Uuid, Webauthn, WebauthnBuilder};

use super::{Embedded, EmbeddedError};
use crate::config::AppConfig;
use crate::domain::Core;
use crate::model::EmbeddedApp;
use crate::store::StoreResult;

/// The record of an application declared in the configuration file.
pub fn from_config(app: &AppConfig) -> EmbeddedApp {
    EmbeddedApp {
        id: app.id.clone(),
        name: app.name.clone().unwrap_or_else(|| app.id.clone()),
        rp_id: app.rp_id.clone(),
        origins: app.origins.clone(),
        public_key: app.public_key.clone(),
        secret_hash: crate::crypto::sha256(app.secret.as_bytes()),
        generate_sign_in_tokens: app.generate_sign_in_tokens,
        tessera_users: app.tessera_users,
        created_at: 0,
    }
}

/// Finds an application: configuration first, then the directory.
pub async fn find(core: &Core, id: &str) -> StoreResult<Option<EmbeddedApp>> {
    if let Some(app) = core.config.apps.iter().find(|a| a.id == id) {
        return Ok(Some(from_config(app)));
    }
    core.directory.embedded_app(id).await
}

/// Every application: the configuration file's, then those registered at run time.
pub async fn all(core: &Core) -> StoreResult<Vec<EmbeddedApp>> {
    let mut apps: Vec<EmbeddedApp> = core.config.apps.iter().map(from_config).collect();
    apps.extend(core.directory.embedded_apps().await?);
    Ok(apps)
}

/// The application whose backend holds `secret` (`ApiSecret: {app}:secret:…`).
pub async fn by_secret(core: &Core, secret: Option<&str>) -> Embedded<EmbeddedApp> {
    let refused = || EmbeddedError::Unauthenticated { header: "ApiSecret" };
    let secret = secret.ok_or_else(refused)?;
    let (id, _) = secret.split_once(":secret:").ok_or_else(refused)?;
    let app = find(core, id).await?.ok_or_else(refused)?;
    if !crate::crypto::constant_time_eq(&crate::crypto::sha256(secret.as_bytes()), &app.secret_hash) {
        return Err(refused());
    }
    Ok(app)
}

/// The application whose pages use `key` (`ApiKey: {app}:public:…`).
pub async fn by_public_key(core: &Core, key: Option<&str>) -> Embedded<EmbeddedApp> {
    let refused = || EmbeddedError::Unauthenticated { header: "ApiKey" };
    let key = key.ok_or_else(refused)?;
    let (id, _) = key.split_once(":public:").ok_or_else(refused)?;
    let app = find(core, id).await?.ok_or_else(refused)?;
    if !crate::crypto::constant_time_eq(key.as_bytes(), app.public_key.as_bytes()) {
        return Err(refused());
    }
    Ok(app)
}

/// New keys for application `id`: the public key and the secret (shown once, stored hashed).
pub fn new_keys(id: &str) -> (String, String) {
    let mut public = [0u8; 16];
    let mut secret = [0u8; 32];
    crate::crypto::fill(&mut public);
    crate::crypto::fill(&mut secret);
    (format!("{id}:public:{}", crate::crypto::hex(&public)), format!("{id}:secret:{}", crate::crypto::hex(&secret)))
}

/// The application's WebAuthn relying party: its RP id, and its origins matched exactly.
pub fn relying_party(app: &EmbeddedApp) -> Embedded<Webauthn> {
    let unusable = || EmbeddedError::status(500, "app_misconfigured", "The application's relying party is unusable.");
    let mut origins = app.origins.iter().filter_map(|o| url::Url::parse(o).ok());
    let first = origins.find(|o| o.scheme() != "android").ok_or_else(unusable)?;
    let mut builder = WebauthnBuilder::new(&app.rp_id, &first).map_err(|_| unusable())?.rp_name(&app.name);
    for origin in app.origins.iter().filter_map(|o| url::Url::parse(o).ok()) {
        if origin != first {
            builder = builder.append_allowed_origin(&origin);
        }
    }
    builder.build().map_err(|_| unusable())
}

/// Whether `origin` is one of the application's, exactly.
pub fn allows_origin(app: &EmbeddedApp, origin: &str) -> bool {
    app.origins.iter().any(|o| o == origin)
}

/// The WebAuthn user handle for one of the application's users: derived with the server secret,
/// so it is stable, carries neither the application's user id nor its length (WebAuthn §14.6.1:
/// the handle must not reveal who the user is), and differs between applications.
pub fn user_handle(core: &Core, app_id: &str, user_id: &str) -> Uuid {
    let hash =
        crate::crypto::keyed_hash(&core.secret, &[b"embedded-user-handle", app_id.as_bytes(), user_id.as_bytes()]);
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    Uuid::from_bytes(bytes)
}

/// How an alias is kept: keyed with the server secret and the application, so a copy of the
/// directory alone cannot be searched for an address.
pub fn alias_hash(core: &Core, app_id: &str, alias: &str) -> String {
    crate::crypto::b64url(&crate::crypto::keyed_hash(
        &core.secret,
        &[b"embedded-alias", app_id.as_bytes(), alias.as_bytes()],
    ))
}
