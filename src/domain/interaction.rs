//! The `Interaction`: a validated authorization request waiting for the user to sign in. It is
//! the one record the protocol engine (`oauth`) and the login screens (`login`) share.

use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;
use crate::domain::claims::{AcrDemand, ClaimsRequest};
use crate::model::{Email, Identifier, Phone};

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
    /// `sub` of a verified `id_token_hint`; the user's id once it matches the session's user
    /// under a pairwise client.
    pub hint_sub: Option<String>,
    pub ui_locales: Option<String>,
    pub acr_values: Option<String>,
    /// OIDC Core §5.5 `claims`.
    #[serde(default)]
    pub claims: Option<ClaimsRequest>,
    /// RFC 9449 §10: the DPoP key the code is bound to.
    #[serde(default)]
    pub dpop_jkt: Option<String>,
    /// The client follows the FAPI 2.0 Security Profile (its codes live at most 60 s).
    #[serde(default)]
    pub fapi2: bool,
    /// The API the access token is for (Auth0's `audience`, RFC 8707 `resource`).
    #[serde(default)]
    pub audience: Option<String>,
    /// The upstream provider the application sends the person straight to (its `connection`
    /// or `kc_idp_hint`): no choice page, and a failure there answers the application.
    #[serde(default)]
    pub upstream: Option<String>,
}

impl AuthRequest {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.iter().any(|s| s == scope)
    }

    /// What the request demands of the sign-in's `acr`, if anything.
    pub fn acr_demand(&self) -> Option<AcrDemand> {
        crate::domain::claims::acr_demand(self.claims.as_ref(), self.acr_values.as_deref())
    }
}

/// What the sign-in is for, and so where `login::finish` sends the browser.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Purpose {
    /// An OpenID Connect authorization request, answered at `/authorize/resume/{id}`.
    Authorize(Box<AuthRequest>),
    /// The user's own account page.
    Account,
    /// The operator console, demanding the sign-in be at least as strong as `acr`.
    Console { acr: String },
    /// Another broker's login hand-off, answered at `/bridge/resume/{id}` with an assertion.
    Bridge(Box<BridgeRequest>),
    /// A device's user code (RFC 8628) to allow once signed in, at `/device`.
    Device(String),
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
    pub stage: Stage,
    /// The login page's script reported that this browser can create passkeys.
    #[serde(default)]
    pub passkey_capable: bool,
    /// The relying party's choices for the sign-in email, copied when the interaction starts.
    #[serde(default)]
    pub email_sends: Option<crate::model::EmailSends>,
    #[serde(default)]
    pub cross_device_links: Option<bool>,
    /// An upstream identity proven in this sign-in that may not sign anyone in by itself (its
    /// address is unverified or not trusted): linked to whoever signs in next, by their own method.
    #[serde(default)]
    pub upstream_link: Option<PendingIdentity>,
}

/// An upstream account proven in an interaction, waiting for the Tessera account it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingIdentity {
    pub provider: String,
    pub subject: String,
    pub email: Option<String>,
}

/// Where a sign-in stands. Each stage holds only what is true in it, so an interaction cannot
/// name two addresses at once or be signed in without a session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// Waiting for the user to say who they are, or to use a passkey.
    #[default]
    Identify,
    /// The user named an address or number to prove. `challenge` is the live code and
    /// `link_match` the number a magic link's approval must pick (shown here and there, so the
    /// user approves this browser); both go once sent, and both die when refused.
    Proving { to: Identifier, challenge: Option<String>, link_match: Option<String> },
    /// Finished (`login::finish`, or "Continue as …"): the session the way back must find.
    SignedIn { session_id: String },
    /// Made by the consent gate for `/consent/{id}`, for a session already signed in.
    Consent { session_id: String },
}

pub fn key(id: &str) -> String {
    format!("ix:{id}")
}

/// The page where a device's user code is allowed (RFC 8628 §3.3 `verification_uri_complete`).
pub fn device_path(user_code: &str) -> String {
    format!("/device?user_code={user_code}")
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
            stage: Stage::Identify,
            passkey_capable: false,
            email_sends: None,
            cross_device_links: None,
            upstream_link: None,
        }
    }

    /// The user named `to`: a new proof starts, with nothing sent yet.
    pub fn prove(&mut self, to: Identifier) {
        self.stage = Stage::Proving { to, challenge: None, link_match: None };
    }

    /// A code (`challenge`) and, with a link, the number its approval must pick, went out.
    pub fn sent(&mut self, new_challenge: String, new_link_match: Option<String>) {
        if let Stage::Proving { challenge, link_match, .. } = &mut self.stage {
            *challenge = Some(new_challenge);
            *link_match = new_link_match;
        }
    }

    /// The code and link were refused (on the other device): both are dead.
    pub fn refuse_proof(&mut self) {
        if let Stage::Proving { challenge, link_match, .. } = &mut self.stage {
            *challenge = None;
            *link_match = None;
        }
    }

    /// The sign-in finished with `session_id`.
    pub fn signed_in(&mut self, session_id: String) {
        self.stage = Stage::SignedIn { session_id };
    }

    /// The address the user is proving, if it is one.
    pub fn email(&self) -> Option<&Email> {
        match &self.stage {
            Stage::Proving { to: Identifier::Email(email), .. } => Some(email),
            _ => None,
        }
    }

    /// The number the user is proving, if it is one.
    pub fn phone(&self) -> Option<&Phone> {
        match &self.stage {
            Stage::Proving { to: Identifier::Phone(phone), .. } => Some(phone),
            _ => None,
        }
    }

    /// Whether the user is proving a phone number.
    pub fn by_phone(&self) -> bool {
        self.phone().is_some()
    }

    /// The live code's challenge.
    pub fn challenge(&self) -> Option<&str> {
        match &self.stage {
            Stage::Proving { challenge, .. } => challenge.as_deref(),
            _ => None,
        }
    }

    /// The number a magic link's approval must pick.
    pub fn link_match(&self) -> Option<&str> {
        match &self.stage {
            Stage::Proving { link_match, .. } => link_match.as_deref(),
            _ => None,
        }
    }

    /// The session a finished sign-in (or a consent request) belongs to.
    pub fn session_id(&self) -> Option<&str> {
        match &self.stage {
            Stage::SignedIn { session_id } | Stage::Consent { session_id } => Some(session_id),
            Stage::Identify | Stage::Proving { .. } => None,
        }
    }

    /// What the authorization request demands of the sign-in's `acr`, if anything.
    pub fn acr_demand(&self) -> Option<AcrDemand> {
        match &self.purpose {
            Purpose::Authorize(request) => request.acr_demand(),
            Purpose::Console { acr } => Some(AcrDemand { values: vec![acr.clone()], essential: true }),
            Purpose::Account | Purpose::Bridge(_) | Purpose::Device(_) => None,
        }
    }

    /// OIDC Core §3.1.2.1 `max_age` of the authorization request, if it sent one.
    pub fn max_age(&self) -> Option<u64> {
        match &self.purpose {
            Purpose::Authorize(request) => request.max_age,
            Purpose::Account | Purpose::Console { .. } | Purpose::Bridge(_) | Purpose::Device(_) => None,
        }
    }

    pub fn login_hint(&self) -> Option<&str> {
        match &self.purpose {
            Purpose::Authorize(request) => request.login_hint.as_deref(),
            Purpose::Account | Purpose::Console { .. } | Purpose::Bridge(_) | Purpose::Device(_) => None,
        }
    }

    /// Where this login's code went: the phone number or the email address, if any.
    pub fn sent_to(&self) -> Option<Identifier> {
        match &self.stage {
            Stage::Proving { to, .. } => Some(to.clone()),
            _ => None,
        }
    }

    /// The relying party's `ui_locales` (OIDC Core §3.1.2.1), if it sent some.
    pub fn ui_locales(&self) -> Option<&str> {
        match &self.purpose {
            Purpose::Authorize(request) => request.ui_locales.as_deref(),
            Purpose::Account | Purpose::Console { .. } | Purpose::Bridge(_) | Purpose::Device(_) => None,
        }
    }

    /// The relying party the user is signing in to, if any.
    pub fn client_id(&self) -> Option<&str> {
        match &self.purpose {
            Purpose::Authorize(request) => Some(&request.client_id),
            Purpose::Account | Purpose::Console { .. } | Purpose::Bridge(_) | Purpose::Device(_) => None,
        }
    }

    /// The rate-limit bucket this sign-in's sends and checks count in: its client's, the
    /// account page's, or its bridge's, so that none of them can lock the others out.
    pub fn limit_bucket(&self) -> String {
        match &self.purpose {
            Purpose::Authorize(request) => format!("client:{}", request.client_id),
            Purpose::Account => "account".into(),
            Purpose::Console { .. } => "console".into(),
            Purpose::Bridge(request) => format!("bridge:{}", request.bridge_id),
            Purpose::Device(_) => "device".into(),
        }
    }

    /// Where the login screens for this interaction start.
    pub fn login_path(&self) -> String {
        format!("/login/{}", self.id)
    }

    /// The upstream the application sends the person straight to, if it named one.
    pub fn direct_upstream(&self) -> Option<&str> {
        match &self.purpose {
            Purpose::Authorize(request) => request.upstream.as_deref(),
            Purpose::Account | Purpose::Console { .. } | Purpose::Bridge(_) | Purpose::Device(_) => None,
        }
    }

    /// Where the browser goes first: that upstream's way out, or the choice page.
    pub fn first_page(&self) -> String {
        match self.direct_upstream() {
            Some(upstream) => format!("/login/upstream/{upstream}?login={}", self.id),
            None => self.login_path(),
        }
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
            Purpose::Console { .. } => Some("/console".into()),
            Purpose::Device(user_code) => Some(device_path(user_code)),
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
