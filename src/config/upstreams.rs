//! `[[upstreams]]`: other identity providers a person may sign in with ("Continue with …"),
//! and the checks each must pass before it is offered.

use serde::{Deserialize, Serialize};

/// One upstream OpenID provider. Tessera is its relying party: discovery from `issuer`, the
/// code flow with PKCE, `state` and `nonce`, and the ID token verified with `openidconnect`.
#[derive(Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpstreamConfig {
    /// In URLs (`/login/upstream/{id}`) and in linked identities: letters, digits, `-`, `_`.
    pub id: String,
    /// `oidc` (any OpenID provider, by its issuer), `google` (`issuer` may be left out),
    /// `microsoft` (Entra ID; `common` unless an issuer is given; each token checked against
    /// its own tenant) or `github` (OAuth 2.0 with GitHub's user and email APIs; `issuer` is
    /// GitHub's web address).
    #[serde(default = "default_kind")]
    pub kind: String,
    /// The button says "Continue with {name}"; the id when left out.
    #[serde(default)]
    pub name: Option<String>,
    /// The issuer identifier; discovery reads `{issuer}/.well-known/openid-configuration`.
    #[serde(default)]
    pub issuer: String,
    pub client_id: String,
    /// Sent with HTTP Basic at the token endpoint; pass it as TESSERA_UPSTREAMS__… or in a
    /// file only the server reads. Without one, the client is public (PKCE only). Write-only
    /// in the management API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// `openid` is always asked for; `email` is needed to find or create an account.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Whether an address this provider asserts as verified (`email_verified`) may sign in the
    /// account that owns it, or create one. Otherwise the person proves the account first.
    #[serde(default)]
    pub trust_verified_email: bool,
    /// `github`: the REST API's address, `https://api.github.com` unless GitHub Enterprise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// `apple`: the team that owns the Services ID (`client_id`), the `iss` of the client secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// `apple`: the Sign in with Apple key's id, the `kid` of the client secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// `apple`: that key's file as Apple hands it out (`AuthKey_….p8`, PKCS#8 P-256 PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub private_key_file: Option<std::path::PathBuf>,
    /// `apple`: the key itself, the file's PEM text, instead of `private_key_file`: how the CLI
    /// and the management API store it, so every replica has it. Write-only in the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
}

impl std::fmt::Debug for UpstreamConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamConfig")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("private_key", &self.private_key.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

fn default_kind() -> String {
    "oidc".into()
}

fn default_scopes() -> Vec<String> {
    vec!["openid".into(), "email".into(), "profile".into()]
}

pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";
pub const MICROSOFT_COMMON: &str = "https://login.microsoftonline.com/common/v2.0";
pub const APPLE_ISSUER: &str = "https://appleid.apple.com";
pub const GITHUB_WEB: &str = "https://github.com";
pub const GITHUB_API: &str = "https://api.github.com";

impl UpstreamConfig {
    /// The issuer to discover (GitHub's web address for `github`): the provider's own when
    /// the kind names one and none is given.
    pub fn issuer(&self) -> &str {
        match (self.kind.as_str(), self.issuer.is_empty()) {
            ("google", true) => GOOGLE_ISSUER,
            ("github", true) => GITHUB_WEB,
            ("apple", true) => APPLE_ISSUER,
            ("microsoft", true) => MICROSOFT_COMMON,
            _ => &self.issuer,
        }
    }

    /// `github`: where its REST API answers.
    pub fn api_url(&self) -> &str {
        self.api_url.as_deref().unwrap_or(GITHUB_API)
    }

    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }

    /// `apple`: the P-256 key that signs its client secrets, from `private_key` or
    /// `private_key_file`.
    pub fn apple_key(&self) -> Result<aws_lc_rs::signature::EcdsaKeyPair, String> {
        match (&self.private_key, &self.private_key_file) {
            (Some(pem), _) => apple_key_pem(pem),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                apple_key_pem(&text)
            }
            (None, None) => Err("required for kind = \"apple\"".into()),
        }
    }
}

/// The field at fault and why.
pub fn check(u: &UpstreamConfig, dev: bool) -> Result<(), (&'static str, String)> {
    let id_ok = !u.id.is_empty()
        && u.id.len() <= 40
        && u.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !id_ok {
        return Err(("id", "1 to 40 letters, digits, '-' or '_'".into()));
    }
    match u.kind.as_str() {
        "oidc" | "google" | "github" | "microsoft" => {}
        "apple" => check_apple(u)?,
        other => {
            let known = "\"oidc\", \"google\", \"apple\", \"microsoft\" or \"github\"";
            return Err(("kind", format!("unknown kind {other:?}: {known}")));
        }
    }
    check_url(u.issuer(), dev).map_err(|why| ("issuer", why))?;
    if u.kind == "github" {
        check_url(u.api_url(), dev).map_err(|why| ("api_url", why))?;
    }
    if u.client_id.trim().is_empty() {
        return Err(("client_id", "must not be empty".into()));
    }
    if u.client_secret.as_deref().is_some_and(str::is_empty) {
        return Err(("client_secret", "must not be empty when set".into()));
    }
    if u.scopes.iter().any(|s| s.is_empty() || s.contains(' ')) {
        return Err(("scopes", "each scope is one word".into()));
    }
    Ok(())
}

/// Apple's client secret is a JWT Tessera signs: the team, the key id and a readable key.
fn check_apple(u: &UpstreamConfig) -> Result<(), (&'static str, String)> {
    if u.team_id.as_deref().is_none_or(str::is_empty) {
        return Err(("team_id", "required for kind = \"apple\"".into()));
    }
    if u.key_id.as_deref().is_none_or(str::is_empty) {
        return Err(("key_id", "required for kind = \"apple\"".into()));
    }
    if u.client_secret.is_some() {
        return Err(("client_secret", "Apple's is minted from the private key; leave it out".into()));
    }
    let field = if u.private_key.is_some() { "private_key" } else { "private_key_file" };
    if u.private_key.is_some() && u.private_key_file.is_some() {
        return Err(("private_key", "give private_key or private_key_file, not both".into()));
    }
    u.apple_key().map(|_| ()).map_err(|why| (field, why))
}

/// The P-256 key of an Apple `AuthKey_….p8` file's text (PKCS#8 in PEM).
pub fn apple_key_pem(text: &str) -> Result<aws_lc_rs::signature::EcdsaKeyPair, String> {
    use base64::Engine;
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(body).map_err(|_| "not a PEM file".to_string())?;
    aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(&aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING, &der)
        .map_err(|_| "not a PKCS#8 P-256 private key".to_string())
}

/// OIDC Discovery §2: the issuer is an https URL without query or fragment.
fn check_url(text: &str, dev: bool) -> Result<(), String> {
    let url = url::Url::parse(text).map_err(|e| format!("not a URL: {e}"))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if dev || super::urls::is_loopback(&url) => Ok(()),
        _ => Err("must use https (http only in dev mode or on loopback)".into()),
    }
}

pub(super) fn check_all(upstreams: &[UpstreamConfig], dev: bool) -> Result<(), super::ConfigError> {
    let mut seen = std::collections::HashSet::new();
    for (i, upstream) in upstreams.iter().enumerate() {
        let key = format!("upstreams[{i}]");
        if !seen.insert(upstream.id.as_str()) {
            return Err(super::ConfigError::new(&key, format!("duplicate upstream id {:?}", upstream.id)));
        }
        check(upstream, dev).map_err(|(field, why)| super::ConfigError::new(&format!("{key}.{field}"), why))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstream(kind: &str, issuer: &str) -> UpstreamConfig {
        UpstreamConfig {
            id: "idp".into(),
            kind: kind.into(),
            name: None,
            issuer: issuer.into(),
            client_id: "tessera".into(),
            client_secret: Some("s3cret".into()),
            scopes: default_scopes(),
            trust_verified_email: false,
            api_url: None,
            team_id: None,
            key_id: None,
            private_key_file: None,
            private_key: None,
        }
    }

    #[test]
    fn an_upstream_needs_an_https_issuer_outside_dev_and_a_known_kind() {
        assert!(check(&upstream("oidc", "https://idp.example"), false).is_ok());
        assert!(check(&upstream("oidc", "http://idp.example"), false).is_err());
        assert!(check(&upstream("oidc", "http://127.0.0.1:9000"), false).is_ok(), "loopback");
        assert!(check(&upstream("oidc", "https://idp.example?x=1"), false).is_err());
        assert!(check(&upstream("google", ""), false).is_ok(), "Google's issuer is known");
        assert!(check(&upstream("github", ""), false).is_ok(), "so are GitHub's addresses");
        assert!(check(&upstream("apple", ""), false).is_err(), "Apple needs its team, key id and key");
        assert!(check(&upstream("oidc", ""), false).is_err());
        assert!(check(&upstream("saml", "https://idp.example"), false).is_err());
        let mut bad = upstream("oidc", "https://idp.example");
        bad.id = "a/b".into();
        assert!(check(&bad, false).is_err());
    }

    #[test]
    fn a_client_secret_never_reaches_debug_output() {
        let text = format!("{:?}", upstream("oidc", "https://idp.example"));
        assert!(!text.contains("s3cret") && text.contains("***"));
    }
}
