//! The `Interaction`: a validated authorization request waiting for the user to sign in. It is
//! the one record the protocol engine (`oauth`) and the login screens (`login`) share.

use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;
use crate::model::Email;

/// How the authorization response travels back (OAuth 2.0 Multiple Response Types, Form Post).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResponseMode {
    Query,
    FormPost,
}

/// `prompt` values (OIDC Core §3.1.2.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
    pub select_account: bool,
}

/// An authorization request whose every parameter has been checked.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub response_mode: ResponseMode,
    pub scope: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    /// S256 challenge (RFC 7636 §4.2); `None` only for confidential clients that sent none.
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<u64>,
    pub login_hint: Option<String>,
    /// `sub` of a verified `id_token_hint`.
    pub hint_sub: Option<String>,
    pub ui_locales: Option<String>,
    pub acr_values: Option<String>,
}

impl AuthRequest {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.iter().any(|s| s == scope)
    }
}

/// What the sign-in is for, and so where `login::finish` sends the browser.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Purpose {
    /// An OpenID Connect authorization request, answered at `/authorize/resume/{id}`.
    Authorize(Box<AuthRequest>),
    /// The user's own account page.
    Account,
    /// Another broker's login hand-off, answered at `/bridge/resume/{id}` with an assertion.
    Bridge(Box<BridgeRequest>),
}

/// A broker handing a user over (bridge mode), checked against the bridge's configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BridgeRequest {
    pub bridge_id: String,
    pub state: String,
    pub redirect_uri: String,
    /// The broker's client id for its tenant, when it sent one.
    pub client_id: Option<String>,
}

/// A login in progress, kept in Ephemeral under `ix:{id}` for the interaction lifetime.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Interaction {
    pub id: String,
    pub purpose: Purpose,
    pub client_name: String,
    /// Hash of the browser-binding cookie: only the browser that started may continue.
    pub browser: [u8; 32],
    pub csrf: String,
    pub created_at: UnixTime,
    /// Whether an existing session may be reused ("Continue as …").
    pub reauthenticate: bool,
    pub email: Option<Email>,
    pub challenge_id: Option<String>,
    /// Set by `login::finish`: the session the resumed authorization must find.
    pub session_id: Option<String>,
    /// The login page's script reported that this browser can create passkeys.
    #[serde(default)]
    pub passkey_capable: bool,
    /// The number a text message was sent to (instead of `email`).
    #[serde(default)]
    pub phone: Option<crate::model::Phone>,
    /// Shown both here and on a magic link's approval page, so the user approves this browser.
    #[serde(default)]
    pub link_match: Option<String>,
    /// The relying party's choices for the sign-in email, copied when the interaction starts.
    #[serde(default)]
    pub email_sends: Option<crate::model::EmailSends>,
    #[serde(default)]
    pub cross_device_links: Option<bool>,
    /// Made by the consent gate for `/consent/{id}`, after sign-in.
    #[serde(default)]
    pub consent: bool,
}

pub fn key(id: &str) -> String {
    format!("ix:{id}")
}

impl Interaction {
    pub fn new(purpose: Purpose, client_name: String, browser: [u8; 32], reauthenticate: bool, now: UnixTime) -> Self {
        Interaction {
            id: crate::crypto::random_token(),
            purpose,
            client_name,
            browser,
            csrf: crate::crypto::random_token(),
            created_at: now,
            reauthenticate,
            email: None,
            passkey_capable: false,
            phone: None,
            link_match: None,
            email_sends: None,
            cross_device_links: None,
            consent: false,
            challenge_id: None,
            session_id: None,
        }
    }

    pub fn login_hint(&self) -> Option<&str> {
        match &self.purpose {
            Purpose::Authorize(request) => request.login_hint.as_deref(),
            Purpose::Account | Purpose::Bridge(_) => None,
        }
    }

    /// Where this login's code went: the phone number or the email address, if any.
    pub fn sent_to(&self) -> Option<crate::model::Identifier> {
        use crate::model::Identifier;
        match (&self.phone, &self.email) {
            (Some(p), _) => Some(Identifier::Phone(p.clone())),
            (None, Some(e)) => Some(Identifier::Email(e.clone())),
            (None, None) => None,
        }
    }

    /// The relying party's `ui_locales` (OIDC Core §3.1.2.1), if it sent some.
    pub fn ui_locales(&self) -> Option<&str> {
        match &self.purpose {
            Purpose::Authorize(request) => request.ui_locales.as_deref(),
            Purpose::Account | Purpose::Bridge(_) => None,
        }
    }

    /// The relying party the user is signing in to, if any.
    pub fn client_id(&self) -> Option<&str> {
        match &self.purpose {
            Purpose::Authorize(request) => Some(&request.client_id),
            Purpose::Account | Purpose::Bridge(_) => None,
        }
    }

    /// The rate-limit bucket this sign-in's sends and checks count in: its client's, the
    /// account page's, or its bridge's, so that none of them can lock the others out.
    pub fn limit_bucket(&self) -> String {
        match &self.purpose {
            Purpose::Authorize(request) => format!("client:{}", request.client_id),
            Purpose::Account => "account".into(),
            Purpose::Bridge(request) => format!("bridge:{}", request.bridge_id),
        }
    }

    /// Where the login screens for this interaction start.
    pub fn login_path(&self) -> String {
        format!("/login/{}", self.id)
    }

    /// Where a person who comes back to this sign-in once it is finished goes on to: the
    /// application's site (the origin of its web redirect URI), or the account page.
    pub fn afterwards(&self) -> Option<String> {
        let web_origin = |uri: &str| {
            let url = url::Url::parse(uri).ok()?;
            matches!(url.scheme(), "https" | "http").then(|| format!("{}/", url.origin().ascii_serialization()))
        };
        match &self.purpose {
            Purpose::Authorize(request) => web_origin(&request.redirect_uri),
            Purpose::Bridge(request) => web_origin(&request.redirect_uri),
            Purpose::Account => Some("/account".into()),
        }
    }
}

/// A finished sign-in, kept for the rest of its interaction's lifetime so that Back and Reload
/// on its pages say "you are signed in" instead of "expired".
#[derive(Serialize, Deserialize)]
pub struct Finished {
    /// Hash of the browser-binding cookie of the browser that finished it.
    pub browser: [u8; 32],
    pub afterwards: Option<String>,
}

pub fn finished_key(id: &str) -> String {
    format!("ix-done:{id}")
}
