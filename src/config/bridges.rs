//! `[[bridges]]`: brokers that use Tessera as their passwordless connection, their keys, and
//! the checks a bridge must pass before it is used.

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

/// One broker using Tessera as its custom passwordless connection.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BridgeConfig {
    pub id: String,
    /// Shown on the login pages.
    #[serde(default)]
    pub name: Option<String>,
    /// `authress` (an Authress login-code JWT signed with the broker's service-client key) or
    /// `jwt` (a JWT signed with Tessera's own key, published in its JWKS).
    pub format: String,
    /// Where the broker may receive users back, matched exactly.
    pub return_urls: Vec<String>,
    /// `aud` of the assertion; for `authress`, the access key's `<account>.accounts.authress.io`
    /// (as Authress's SDK derives it).
    pub audience: String,
    /// Seconds the assertion is valid: 60 by default, at most 3600; `authress` codes live 60 s.
    #[serde(default = "default_assertion_lifetime")]
    pub assertion_lifetime_secs: u64,
    /// `authress`: the service-client access key `clientId.keyId.accountId.<base64 PKCS#8
    /// Ed25519>`; pass it as TESSERA_BRIDGES__… or in a file only the server reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
    /// `jwt`: the algorithm of Tessera's key that signs (RS256, ES256, EdDSA).
    #[serde(default = "default_bridge_alg")]
    pub alg: String,
    /// `authress`: client ids a hand-off may name besides the service client's own (the code is
    /// signed for the service client, as Authress's SDK signs it).
    #[serde(default)]
    pub client_ids: Vec<String>,
}

fn default_assertion_lifetime() -> u64 {
    60
}

fn default_bridge_alg() -> String {
    "EdDSA".into()
}

/// A broker's service-client key: `clientId.keyId.accountId.<base64 PKCS#8 Ed25519>`.
pub struct AuthressKey {
    pub client_id: String,
    pub key_id: String,
    pub account_id: String,
    pair: Ed25519KeyPair,
}

impl AuthressKey {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.trim().splitn(4, '.');
        let (Some(client_id), Some(key_id), Some(account_id), Some(der)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("expected clientId.keyId.accountId.<base64 PKCS#8 key>".into());
        };
        let der = STANDARD
            .decode(der)
            .or_else(|_| URL_SAFE_NO_PAD.decode(der))
            .map_err(|_| "the key is not base64".to_string())?;
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
            .map_err(|_| "not an Ed25519 PKCS#8 private key".to_string())?;
        Ok(AuthressKey { client_id: client_id.into(), key_id: key_id.into(), account_id: account_id.into(), pair })
    }

    pub fn sign(&self, message: &[u8]) -> aws_lc_rs::signature::Signature {
        self.pair.sign(message)
    }

    /// The public key, for tests and for operators checking a configuration.
    pub fn public_key(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }
}

/// Checks one bridge; the error names the field.
pub fn check(b: &BridgeConfig) -> Result<(), (&'static str, String)> {
    if b.id.is_empty() || b.id.len() > 128 || !b.id.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)) {
        return Err(("id", "must be 1-128 letters, digits, - or _".into()));
    }
    if b.return_urls.is_empty() {
        return Err(("return_urls", "at least one is required".into()));
    }
    for url in &b.return_urls {
        crate::config::check_redirect_uri(url).map_err(|e| ("return_urls", format!("{url:?}: {e}")))?;
    }
    if b.audience.trim().is_empty() {
        return Err(("audience", "required".into()));
    }
    if !(1..=3600).contains(&b.assertion_lifetime_secs) {
        return Err(("assertion_lifetime_secs", "must be between 1 and 3600".into()));
    }
    match b.format.as_str() {
        "authress" => check_authress(b),
        "jwt" => b.alg.parse::<crate::model::SigningAlg>().map(drop).map_err(|e| ("alg", e)),
        other => Err(("format", format!("{other:?} is not authress or jwt"))),
    }
}

/// An Authress bridge signs what `@authress/sdk` signs: its audience comes from the key, and its
/// codes live 60 seconds.
fn check_authress(b: &BridgeConfig) -> Result<(), (&'static str, String)> {
    let key = b.access_key.as_deref().ok_or(("access_key", "required for the authress format".to_string()))?;
    let key = AuthressKey::parse(key).map_err(|e| ("access_key", e))?;
    let audience = format!("{}.accounts.authress.io", key.account_id);
    if b.audience != audience {
        return Err(("audience", format!("must be {audience:?}, which Authress derives from the access key")));
    }
    if b.assertion_lifetime_secs != 60 {
        return Err(("assertion_lifetime_secs", "Authress login codes live 60 seconds".into()));
    }
    Ok(())
}
