//! Magic links minted by the management side (the shape of Passage's `createMagicLink`): for an
//! email address, a phone number or a user id, with a redirect URL registered for a client, a
//! lifetime, a language and a type — `login` (signs the user in to Tessera, then goes to the
//! redirect URL, where the application starts its usual authorization request and gets its code
//! at once) or `verify_identifier` (marks the address or number verified). The link is sent by
//! Tessera (email or text) or returned to the caller.
//!
//! A link is a JWT signed with Tessera's EdDSA key (`typ: magic-link+jwt`), so the command line
//! and every replica can mint and check one without shared state; its `jti` is spent in
//! Ephemeral when it is used. `GET /magic/{token}` shows one button; only the `POST` acts.

use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;
use crate::domain::jwt;
use crate::domain::keys::KeyRing;
use crate::model::{Client, Identifier, SigningAlg, User};

pub const TYP: &str = "magic-link+jwt";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkType {
    Login,
    VerifyIdentifier,
}

impl std::str::FromStr for LinkType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "login" => Ok(LinkType::Login),
            "verify_identifier" => Ok(LinkType::VerifyIdentifier),
            _ => Err(format!("{s:?} is not login or verify_identifier")),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct MagicLink {
    pub iss: String,
    pub sub: String,
    pub identifier: Identifier,
    pub client_id: String,
    pub redirect_uri: String,
    #[serde(rename = "type")]
    pub kind: LinkType,
    pub lang: String,
    pub iat: UnixTime,
    pub exp: UnixTime,
    pub jti: String,
}

/// What to mint a link for.
pub struct Request<'a> {
    pub user: &'a User,
    pub identifier: Identifier,
    pub client: &'a Client,
    pub redirect_uri: &'a str,
    pub kind: LinkType,
    pub lang: &'a str,
    pub ttl: u64,
}

/// Why a link is not minted; each names the request's part at fault.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("{uri} is not a redirect URI registered for client {client}")]
    RedirectUri { uri: String, client: String },
    #[error("the lifetime must be between 60 and 3600 seconds")]
    Lifetime,
    #[error("language {lang:?} has no translations; available: {known}")]
    Language { lang: String, known: String },
    #[error("the identifier does not belong to this user")]
    NotOwned,
    #[error("the link cannot be signed: {0}")]
    Signing(String),
}

impl Refused {
    /// The request's field this refusal is about.
    pub fn field(&self) -> &'static str {
        match self {
            Refused::RedirectUri { .. } | Refused::Signing(_) => "redirect_uri",
            Refused::Lifetime => "ttl",
            Refused::Language { .. } => "lang",
            Refused::NotOwned => "identifier",
        }
    }
}

/// Checks the request and returns the link URL.
pub fn mint(keys: &KeyRing, issuer: &str, base_url: &str, r: Request<'_>, now: UnixTime) -> Result<String, Refused> {
    if !r.client.redirect_uris.iter().any(|u| u == r.redirect_uri) {
        return Err(Refused::RedirectUri { uri: r.redirect_uri.to_string(), client: r.client.id.clone() });
    }
    if !(60..=3600).contains(&r.ttl) {
        return Err(Refused::Lifetime);
    }
    // A language without a catalog is refused rather than silently replaced.
    if !crate::i18n::tags().any(|t| t == r.lang) {
        let known: Vec<&str> = crate::i18n::tags().collect();
        return Err(Refused::Language { lang: r.lang.to_string(), known: known.join(", ") });
    }
    if !r.user.owns(&r.identifier) {
        return Err(Refused::NotOwned);
    }
    let link = MagicLink {
        iss: issuer.to_string(),
        sub: r.user.id.0.clone(),
        identifier: r.identifier,
        client_id: r.client.id.clone(),
        redirect_uri: r.redirect_uri.to_string(),
        kind: r.kind,
        lang: r.lang.to_string(),
        iat: now,
        exp: now + r.ttl as i64,
        jti: crate::crypto::random_id(),
    };
    let token = jwt::sign(keys.active(SigningAlg::EdDSA), TYP, &link).map_err(|e| Refused::Signing(e.to_string()))?;
    Ok(format!("{base_url}/magic/{token}"))
}
