//! `[[apps]]`: applications with embedded passkeys (the Passwordless.dev model), their relying
//! party and keys, and the checks an application must pass before it is used, whether it comes
//! from the file, the CLI or the management API.

use serde::{Deserialize, Serialize};

/// One application that runs passkey ceremonies on its own pages.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// The WebAuthn relying-party id: the application's domain (or a parent of it).
    pub rp_id: String,
    /// Exact origins its pages and apps run on: `https://…` (or `http://localhost:…`), and
    /// `android:apk-key-hash:…` for Android apps.
    pub origins: Vec<String>,
    /// `{id}:public:…`, used by browsers.
    pub public_key: String,
    /// `{id}:secret:…`, used by the application's backend; pass it as TESSERA_APPS__… or in a
    /// file only the server reads.
    pub secret: String,
    /// Allow `/signin/generate-token` (sign-in tokens minted by the backend, for magic links).
    #[serde(default)]
    pub generate_sign_in_tokens: bool,
    /// Its user ids are Tessera user ids (`sub`): with the same RP id as Tessera's, its passkeys
    /// also sign in on Tessera's pages, so the application can add single sign-on later.
    #[serde(default)]
    pub tessera_users: bool,
}

/// An application id: 1-64 letters, digits, - or _ (it prefixes the keys).
pub fn check_app_id(id: &str) -> Result<(), (&'static str, String)> {
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)) {
        return Err(("id", "must be 1-64 letters, digits, - or _".into()));
    }
    Ok(())
}

/// The relying party: a domain name, and origins that are exact and belong to it (WebAuthn
/// §5.1.4.1: an origin's effective domain must equal the RP id or end with `.` + RP id).
pub fn check_relying_party(rp_id: &str, origins: &[String]) -> Result<(), (&'static str, String)> {
    let domain = url::Url::parse(&format!("https://{rp_id}/")).ok().and_then(|u| u.domain().map(str::to_owned));
    if rp_id.is_empty() || domain.as_deref() != Some(rp_id) {
        return Err(("rp_id", "must be a lowercase domain name, without scheme or port".into()));
    }
    if !origins.iter().any(|o| !o.starts_with("android:")) {
        return Err(("origins", "at least one web origin is required".into()));
    }
    for origin in origins {
        check_origin(rp_id, origin).map_err(|why| ("origins", format!("{origin:?}: {why}")))?;
    }
    Ok(())
}

fn check_origin(rp_id: &str, origin: &str) -> Result<(), String> {
    if let Some(hash) = origin.strip_prefix("android:apk-key-hash:") {
        let fine = !hash.is_empty() && hash.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
        return if fine { Ok(()) } else { Err("the key hash must be base64url".into()) };
    }
    let url = url::Url::parse(origin).map_err(|e| e.to_string())?;
    if url.origin().ascii_serialization() != origin {
        return Err("must be an origin: scheme, host and port only, no path or trailing slash".into());
    }
    let host = url.host_str().unwrap_or_default();
    let local = host == "localhost" || host.ends_with(".localhost");
    if url.scheme() != "https" && !(url.scheme() == "http" && local) {
        return Err("must be https (http only for localhost)".into());
    }
    if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
        return Err("its host is neither the RP id nor under it".into());
    }
    Ok(())
}

/// A key of the application: `{id}:{kind}:` and at least 16 more characters.
pub fn check_key(id: &str, kind: &str, key: &str) -> Result<(), String> {
    let rest = key.strip_prefix(&format!("{id}:{kind}:")).ok_or(format!("must start with {id}:{kind}:"))?;
    if rest.len() < 16 || !rest.chars().all(|c| c.is_ascii_graphic()) {
        return Err("needs at least 16 printable characters after the prefix".into());
    }
    Ok(())
}

/// Every check an application from the file passes.
pub fn check(app: &AppConfig) -> Result<(), (&'static str, String)> {
    check_app_id(&app.id)?;
    check_relying_party(&app.rp_id, &app.origins)?;
    check_key(&app.id, "public", &app.public_key).map_err(|e| ("public_key", e))?;
    check_key(&app.id, "secret", &app.secret).map_err(|e| ("secret", e))?;
    Ok(())
}

/// `[[apps]]`: unique ids, each application valid.
pub(super) fn check_all(apps: &[AppConfig]) -> Result<(), super::ConfigError> {
    let mut seen = std::collections::HashSet::new();
    for (i, app) in apps.iter().enumerate() {
        let key = format!("apps[{i}]");
        if !seen.insert(app.id.as_str()) {
            return Err(super::ConfigError::new(&key, format!("duplicate app id {:?}", app.id)));
        }
        check(app).map_err(|(field, why)| super::ConfigError::new(&format!("{key}.{field}"), why))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_must_be_exact_and_belong_to_the_rp_id() {
        let ok = |o: &str| check_relying_party("shop.example", &["https://shop.example".into(), o.into()]);
        assert!(ok("https://www.shop.example").is_ok());
        assert!(ok("android:apk-key-hash:47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU").is_ok());
        assert!(ok("https://shop.example/").is_err(), "a trailing slash is not an origin");
        assert!(ok("https://evilshop.example").is_err());
        assert!(ok("http://shop.example").is_err());
        assert!(check_relying_party("localhost", &["http://localhost:3000".into()]).is_ok());
        assert!(check_relying_party("Shop.example", &["https://shop.example".into()]).is_err());
        assert!(check_relying_party("shop.example", &["android:apk-key-hash:abc".into()]).is_err());
    }

    #[test]
    fn keys_carry_the_app_id_and_kind() {
        assert!(check_key("shop", "secret", "shop:secret:0123456789abcdef").is_ok());
        assert!(check_key("shop", "secret", "shop:public:0123456789abcdef").is_err());
        assert!(check_key("shop", "secret", "blog:secret:0123456789abcdef").is_err());
        assert!(check_key("shop", "secret", "shop:secret:short").is_err());
    }
}
