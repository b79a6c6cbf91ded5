//! Access tokens (RFC 9068): their claims, audience and key binding (RFC 9449 `cnf`), where
//! they go, and the tokens a client gets for itself (RFC 6749 §4.4).

use serde::{Deserialize, Serialize};

use super::{Grant, Issuer, TokenResponse};
use crate::clock::UnixTime;
use crate::config::ApiConfig;
use crate::crypto;
use crate::domain::Core;
use crate::domain::{jwt, subjects};
use crate::model::{Client, SigningAlg, UserId};
use crate::web::oauth_error::OAuthError;

/// RFC 7800 §3.1 `cnf`, with RFC 9449 §6.1 `jkt`: the key a sender-constrained token needs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Confirmation {
    pub jkt: String,
}

/// `aud` (RFC 7519 §4.1.3): one audience as a string, several as an array.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    pub fn contains(&self, audience: &str) -> bool {
        match self {
            Audience::One(one) => one == audience,
            Audience::Many(many) => many.iter().any(|a| a == audience),
        }
    }
}

/// RFC 9068 §2.2 claims, plus `gid` (the grant they came from).
#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: Audience,
    pub client_id: String,
    pub exp: UnixTime,
    pub iat: UnixTime,
    pub jti: String,
    pub scope: String,
    /// Absent for `client_credentials` tokens: no user authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<UnixTime>,
    pub gid: String,
    /// For a pairwise client (OIDC Core §8.1), whose `sub` Tessera cannot read back: the user's
    /// id, sealed under the server secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
    /// Claims the `claims` parameter asked for at userinfo (OIDC Core §5.5), by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub userinfo_claims: Vec<String>,
}

impl AccessClaims {
    /// The user the token was issued for: its `sub`, or for a pairwise client the sealed id.
    /// `None` for a token whose sealed id does not open.
    pub fn user_id(&self, secret: &[u8]) -> Option<UserId> {
        match &self.sealed_user {
            Some(sealed) => subjects::unseal_user(secret, sealed),
            None => Some(UserId(self.sub.clone())),
        }
    }
}

/// The access token's audience, lifetime and algorithm: the API's when it names one (with
/// userinfo too when `openid` was granted, as Auth0 does), else userinfo's with the client's
/// algorithm.
pub(super) fn access_target(issuer: &Issuer<'_>, g: &Grant<'_>) -> (Audience, u64, SigningAlg) {
    let default = issuer.lifetimes.access_token;
    match g.api {
        Some(api) if g.scope.iter().any(|s| s == "openid") => {
            (Audience::Many(vec![api.identifier.clone(), issuer.userinfo.clone()]), api.lifetime(default), api.alg())
        }
        Some(api) => (Audience::One(api.identifier.clone()), api.lifetime(default), api.alg()),
        None => (Audience::One(issuer.userinfo.clone()), default, g.client.signing_alg),
    }
}

/// RFC 9449 §5: a bound access token is of type `DPoP`.
pub(super) fn token_type(jkt: Option<&str>) -> &'static str {
    if jkt.is_some() { "DPoP" } else { "Bearer" }
}

/// RFC 6749 §4.4 / RFC 9068: an access token for the client itself (`sub` = `client_id`), for
/// a registered API (its lifetime and algorithm) or a plain `audience`.
pub fn mint_for_client(
    state: &Core,
    client: &Client,
    scope: &[String],
    audience: &str,
    api: Option<&ApiConfig>,
    jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    let now = state.clock.now();
    let lifetime = api.map_or(state.config.lifetimes.access_token, |a| a.lifetime(state.config.lifetimes.access_token));
    let alg = api.map_or(client.signing_alg, ApiConfig::alg);
    let jti = crypto::random_id();
    let access = AccessClaims {
        iss: state.issuer().to_string(),
        sub: client.id.clone(),
        aud: Audience::One(audience.to_string()),
        client_id: client.id.clone(),
        exp: now + lifetime as i64,
        iat: now,
        // Each token is its own grant: revoking it revokes nothing else.
        gid: jti.clone(),
        userinfo_claims: Vec::new(),
        sealed_user: None,
        cnf: jkt.map(|jkt| Confirmation { jkt: jkt.to_string() }),
        jti,
        scope: scope.join(" "),
        auth_time: None,
    };
    let access_token = jwt::sign(state.keys().active(alg), "at+jwt", &access).map_err(OAuthError::server_error)?;
    Ok(TokenResponse {
        access_token,
        token_type: token_type(jkt),
        expires_in: lifetime,
        scope: access.scope,
        id_token: None,
        refresh_token: None,
        dpop_nonce: None,
    })
}
