//! The domain records shared by every part: users, clients, sessions, and the small value types
//! (`Email`, `AuthMethod`, `SigningAlg`) that can only hold valid values.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;

/// A user's stable subject identifier (`sub`), never reassigned.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserId(pub String);

impl UserId {
    pub fn new() -> Self {
        UserId(uuid::Uuid::new_v4().to_string())
    }
}

impl Default for UserId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address, trimmed and lower-cased whole; the only form stored, compared and shown.
///
/// The domain is case-insensitive (RFC 5321 §2.4). The local part may be case-sensitive there,
/// but no mail service in use treats it so and people type it either way; as at the large
/// identity providers, `Casey@example.com` and `casey@example.com` are one account.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `a***@example.com`, for logs.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or(("", &self.0));
        let first: String = local.chars().take(1).collect();
        format!("{first}***@{domain}")
    }
}

impl FromStr for Email {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.len() > 254 {
            return Err("That email address is too long.");
        }
        let mailbox: lettre::Address = s.parse().map_err(|_| "Enter a valid email address, like name@example.com.")?;
        let domain = mailbox.domain().to_lowercase();
        if !domain.contains('.') && domain != "localhost" {
            return Err("Enter a valid email address, like name@example.com.");
        }
        Ok(Email(format!("{}@{}", mailbox.user().to_lowercase(), domain)))
    }
}

/// Addresses never reach a log in full.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

/// A phone number in E.164 form (`+14155550123`), parsed and checked by the `phonenumber`
/// library; the only form stored or compared.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    /// Parses what a user typed: international form (`+44 20 7946 0958`), or national form
    /// when `default_region` (ISO 3166 code such as `GB`) is given.
    pub fn parse(input: &str, default_region: Option<&str>) -> Result<Phone, &'static str> {
        let input = input.trim();
        if input.is_empty() || input.len() > 40 {
            return Err("Enter your phone number with its country code, like +44 20 7946 0958.");
        }
        let region = default_region.and_then(|r| r.parse::<phonenumber::country::Id>().ok());
        let number = phonenumber::parse(region, input)
            .map_err(|_| "Enter your phone number with its country code, like +44 20 7946 0958.")?;
        if !phonenumber::is_valid(&number) {
            return Err("That is not a valid phone number. Check the country code and the digits.");
        }
        Ok(Phone(number.format().mode(phonenumber::Mode::E164).to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country calling code (`44` for `+44…`).
    pub fn country_code(&self) -> u16 {
        phonenumber::parse(None, &self.0).map(|n| n.code().value()).unwrap_or(0)
    }

    /// `+44•••••••58`, for pages and logs.
    pub fn masked(&self) -> String {
        let cc = self.country_code().to_string();
        let rest = self.0.len().saturating_sub(1 + cc.len() + 2);
        format!("+{cc}{}{}", "•".repeat(rest), &self.0[self.0.len().saturating_sub(2)..])
    }
}

/// Numbers never reach a log in full.
impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

/// What a user signs in with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Identifier {
    Email(Email),
    Phone(Phone),
}

impl Identifier {
    pub fn kind(&self) -> &'static str {
        match self {
            Identifier::Email(_) => "email",
            Identifier::Phone(_) => "phone",
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Identifier::Email(e) => e.as_str(),
            Identifier::Phone(p) => p.as_str(),
        }
    }

    pub fn masked(&self) -> String {
        match self {
            Identifier::Email(e) => e.masked(),
            Identifier::Phone(p) => p.masked(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: Option<Email>,
    pub email_verified: bool,
    #[serde(default)]
    pub phone: Option<Phone>,
    #[serde(default)]
    pub phone_verified: bool,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
    pub active: bool,
    #[serde(default)]
    pub last_login_at: Option<UnixTime>,
    #[serde(default)]
    pub login_count: i64,
    /// The operator's own data about the user: a JSON object, never shown to the user.
    #[serde(default = "empty_object")]
    pub metadata: serde_json::Value,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

/// Scopes a user granted a third-party client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub granted_at: UnixTime,
}

/// A page of users, in id order after a cursor, filtered.
#[derive(Clone, Debug, Default)]
pub struct UserQuery {
    pub after: Option<String>,
    pub limit: u32,
    pub active: Option<bool>,
    /// Created at or after.
    pub created_since: Option<UnixTime>,
    /// Created before.
    pub created_until: Option<UnixTime>,
}

impl UserQuery {
    /// Whether `user` passes the filters (the cursor and limit aside).
    pub fn admits(&self, user: &User) -> bool {
        self.active.is_none_or(|a| a == user.active)
            && self.created_since.is_none_or(|t| user.created_at >= t)
            && self.created_until.is_none_or(|t| user.created_at < t)
    }
}

/// A change to a user. `Some(None)` removes an identifier; a new identifier is unverified.
#[derive(Clone, Debug, Default)]
pub struct UserChange {
    pub email: Option<Option<Email>>,
    pub phone: Option<Option<Phone>>,
    pub metadata: Option<serde_json::Value>,
}

impl User {
    /// Where to reach the user: the email address, else the phone number.
    pub fn identifier(&self) -> Option<Identifier> {
        match (&self.email, &self.phone) {
            (Some(e), _) => Some(Identifier::Email(e.clone())),
            (None, Some(p)) => Some(Identifier::Phone(p.clone())),
            (None, None) => None,
        }
    }

    /// Whether `identifier` is this user's email address or phone number.
    pub fn owns(&self, identifier: &Identifier) -> bool {
        match identifier {
            Identifier::Email(e) => self.email.as_ref() == Some(e),
            Identifier::Phone(p) => self.phone.as_ref() == Some(p),
        }
    }
}

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

/// A browser SSO session: who signed in, when, and how (OIDC Core §2 `auth_time`, `amr`, `acr`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub user_id: UserId,
    /// When the user signed in (OIDC `auth_time`); also when the session began.
    pub auth_time: UnixTime,
    pub amr: Vec<String>,
    pub acr: String,
    pub expires_at: UnixTime,
    /// How the user signed in, as `login::finish` names it (`email_code`, `passkey`, ...); empty
    /// for sessions older than this field.
    #[serde(default)]
    pub method: String,
    /// The browser's `User-Agent`, cut to `device::STORED_LEN` characters.
    #[serde(default)]
    pub user_agent: String,
    /// When the session was last used; updated at most once a minute (`session::seen`).
    #[serde(default)]
    pub last_seen: UnixTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_compared_case_insensitively() {
        let e: Email = " Alice.B@Example.COM ".parse().unwrap();
        assert_eq!(e.as_str(), "alice.b@example.com");
        assert_eq!(e, "alice.b@EXAMPLE.com".parse().unwrap());
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in ["", "alice", "alice@", "@example.com", "a b@example.com", "alice@example"] {
            assert!(bad.parse::<Email>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn debug_output_masks_the_address() {
        let e: Email = "alice@example.com".parse().unwrap();
        assert_eq!(format!("{e:?}"), "Email(a***@example.com)");
    }
}

/// Something that happened and that an operator may have to account for: a sign-in, a refused
/// attempt, a code sent, a session ended, an administrative change. Never holds a secret; email
/// addresses are masked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub id: String,
    pub at: UnixTime,
    /// `sign_in`, `sign_in_failed`, `code_sent`, `rate_limited`, `session_revoked`, `admin` ...
    pub kind: String,
    pub user_id: Option<String>,
    pub client_id: Option<String>,
    pub ip: Option<String>,
    /// Kind-specific facts, such as `{"method": "email_code", "reason": "wrong_code"}`.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// Which audit events to list, newest first.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub user_id: Option<String>,
    pub kind: Option<String>,
    pub since: Option<UnixTime>,
    pub until: Option<UnixTime>,
    pub limit: u32,
}

/// A management API key: only the SHA-256 of the key is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub hash: [u8; 32],
    pub scopes: Vec<String>,
    pub created_at: UnixTime,
    pub revoked_at: Option<UnixTime>,
}

/// The scopes a management API key can hold.
pub const API_SCOPES: &[&str] = &[
    "users:read",
    "users:write",
    "sessions:write",
    "devices:write",
    "clients:read",
    "clients:write",
    "links:write",
    "events:read",
];

/// A registered passkey: the WebAuthn credential (as webauthn-rs serialises it) and what the
/// account page shows about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredPasskey {
    /// The credential id, base64url without padding; unique across every user.
    pub cred_id: String,
    pub user_id: UserId,
    pub name: String,
    /// The webauthn-rs `Passkey`, as JSON (public key, counter, flags).
    pub passkey: String,
    /// Backup eligible: a synced passkey rather than a device-bound one.
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}

#[cfg(test)]
mod phone_tests {
    use super::Phone;

    #[test]
    fn phone_numbers_are_normalised_to_e164_or_refused() {
        assert_eq!(Phone::parse("+44 20 7946 0958", None).unwrap().as_str(), "+442079460958");
        assert_eq!(Phone::parse("(415) 555-2671", Some("US")).unwrap().as_str(), "+14155552671");
        assert_eq!(Phone::parse("+1 415 555 2671", None).unwrap().country_code(), 1);
        assert!(Phone::parse("+1 555", None).is_err(), "too short");
        assert!(Phone::parse("not a number", None).is_err());
        assert!(Phone::parse("0207 946 0958", None).is_err(), "national form needs a default region");
        assert_eq!(Phone::parse("+442079460958", None).unwrap().masked(), "+44••••••••58");
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
