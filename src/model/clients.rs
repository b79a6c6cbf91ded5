//! Registered relying parties and the protocol values they choose: authentication method,
//! signing algorithm, what sign-in emails carry; the scopes and `acr` values Tessera knows.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How a client proves its identity at the token endpoint (OIDC Core §9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    /// RFC 7523 §2.2: a JWT signed with a key from the client's registered JWKS.
    PrivateKeyJwt,
    /// A public client: no secret, PKCE mandatory.
    None,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::PrivateKeyJwt => "private_key_jwt",
            AuthMethod::None => "none",
        }
    }
}

impl FromStr for AuthMethod {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "client_secret_basic" => Ok(AuthMethod::ClientSecretBasic),
            "client_secret_post" => Ok(AuthMethod::ClientSecretPost),
            "private_key_jwt" => Ok(AuthMethod::PrivateKeyJwt),
            "none" => Ok(AuthMethod::None),
            other => {
                Err(format!("{other:?} is not one of client_secret_basic, client_secret_post, private_key_jwt, none"))
            }
        }
    }
}

/// JWS algorithms Tessera signs with (RFC 7518 §3.1, RFC 8037).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SigningAlg {
    RS256,
    ES256,
    EdDSA,
}

impl SigningAlg {
    pub const ALL: [SigningAlg; 3] = [SigningAlg::RS256, SigningAlg::ES256, SigningAlg::EdDSA];

    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::RS256 => "RS256",
            SigningAlg::ES256 => "ES256",
            SigningAlg::EdDSA => "EdDSA",
        }
    }
}

impl FromStr for SigningAlg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SigningAlg::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not one of RS256, ES256, EdDSA"))
    }
}

/// A registered relying party.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Client {
    pub id: String,
    pub name: String,
    /// SHA-256 of the secret; secrets themselves are never stored.
    pub secret_hash: Option<[u8; 32]>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub auth_method: AuthMethod,
    pub signing_alg: SigningAlg,
    /// Where the client publishes its keys, for `private_key_jwt`.
    pub jwks_uri: Option<String>,
    /// The client's keys inline (a JWK Set as JSON), for `private_key_jwt`.
    pub jwks: Option<String>,
    /// OIDC Back-Channel Logout 1.0 §2.2.
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
    /// Scopes the client may request for itself with `client_credentials`.
    pub client_credentials_scopes: Vec<String>,
    /// Overrides `login.email_sends`.
    pub email_sends: Option<EmailSends>,
    /// Overrides `login.cross_device_links`.
    pub cross_device_links: Option<bool>,
    /// May use `/passwordless/start`, the passwordless OTP grant and `/verify`.
    pub passwordless: bool,
    /// Where `/verify` requests report their final status.
    pub verify_callback_url: Option<String>,
    pub logo_uri: Option<String>,
    pub primary_color: Option<String>,
    /// Third-party: the user consents to the scopes it requests (first-party clients skip it).
    pub third_party: bool,
    pub options: super::ClientOptions,
}

impl Client {
    pub fn is_public(&self) -> bool {
        self.auth_method == AuthMethod::None
    }

    /// RFC 6749 §3.1.2.3: the redirect_uri must match a registered one exactly.
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }
}

/// What a sign-in email carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailSends {
    Code,
    Link,
    Both,
}

impl EmailSends {
    pub fn code(self) -> bool {
        self != EmailSends::Link
    }

    pub fn link(self) -> bool {
        self != EmailSends::Code
    }
}

impl std::str::FromStr for EmailSends {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "code" => Ok(EmailSends::Code),
            "link" => Ok(EmailSends::Link),
            "both" => Ok(EmailSends::Both),
            _ => Err(format!("{s:?} is not one of code, link, both")),
        }
    }
}

/// The scopes Tessera knows (OIDC Core §5.4, §11).
pub const SCOPES: [&str; 5] = ["openid", "profile", "email", "phone", "offline_access"];

/// `acr` of a sign-in by one-time code or link (NIST SP 800-63B AAL1).
pub const ACR_OTP: &str = "aal1";

/// `acr` of a passkey sign-in (OpenID Connect EAP ACR Values): phishing-resistant, and
/// hardware-protected when the credential is device-bound.
pub const ACR_PHR: &str = "phr";
pub const ACR_PHRH: &str = "phrh";
