//! Minting the token set: JWT access tokens (RFC 9068), ID tokens (OIDC Core §2), refresh
//! tokens, and the token response (RFC 6749 §5.1).

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;
use crate::crypto;
use crate::domain::Core;
use crate::domain::jwt;
use crate::model::{Client, SigningAlg, User};
use crate::store::RefreshToken;
use crate::web::oauth_error::OAuthError;

/// Everything a token is minted from, whichever grant produced it.
pub struct Grant<'a> {
    pub client: &'a Client,
    pub user: &'a User,
    pub scope: &'a [String],
    pub nonce: Option<&'a str>,
    pub auth_time: UnixTime,
    pub amr: &'a [String],
    pub acr: &'a str,
    pub session_id: Option<&'a str>,
    /// The refresh-token family (or code redemption) this token belongs to; revoking it
    /// revokes every access token that carries it.
    pub grant_id: &'a str,
}

/// RFC 9068 §2.2 claims, plus `gid` (the grant they came from).
#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    pub exp: UnixTime,
    pub iat: UnixTime,
    pub jti: String,
    pub scope: String,
    /// Absent for `client_credentials` tokens: no user authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<UnixTime>,
    pub gid: String,
}

#[derive(Serialize)]
struct IdClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: UnixTime,
    iat: UnixTime,
    auth_time: UnixTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    at_hash: String,
    azp: &'a str,
    amr: &'a [String],
    acr: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number_verified: Option<bool>,
}

/// RFC 6749 §5.1.
#[derive(Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

impl IntoResponse for TokenResponse {
    fn into_response(self) -> Response {
        let mut response = Json(self).into_response();
        // RFC 6749 §5.1: token responses must not be cached.
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        response
    }
}

pub fn userinfo_audience(state: &Core) -> String {
    state.url("/userinfo")
}

/// Signs the access token and, when `openid` was granted, the ID token.
pub fn mint(state: &Core, g: &Grant<'_>, id_token_nonce: bool) -> Result<TokenResponse, OAuthError> {
    let now = state.clock.now();
    let lifetimes = &state.config.lifetimes;
    let scope = g.scope.join(" ");
    let keys = state.keys();
    let key = keys.active(g.client.signing_alg);
    let access = AccessClaims {
        iss: state.issuer().to_string(),
        sub: g.user.id.0.clone(),
        aud: userinfo_audience(state),
        client_id: g.client.id.clone(),
        exp: now + lifetimes.access_token as i64,
        iat: now,
        jti: crypto::random_id(),
        scope: scope.clone(),
        auth_time: Some(g.auth_time),
        gid: g.grant_id.to_string(),
    };
    let access_token = jwt::sign(key, "at+jwt", &access).map_err(OAuthError::server_error)?;
    let id_token = if g.scope.iter().any(|s| s == "openid") {
        let email_scope = g.scope.iter().any(|s| s == "email");
        let phone_scope = g.scope.iter().any(|s| s == "phone");
        let claims = IdClaims {
            iss: state.issuer(),
            sub: &g.user.id.0,
            aud: &g.client.id,
            exp: now + lifetimes.id_token as i64,
            iat: now,
            auth_time: g.auth_time,
            nonce: g.nonce.filter(|_| id_token_nonce),
            at_hash: at_hash(g.client.signing_alg, &access_token),
            azp: &g.client.id,
            amr: g.amr,
            acr: g.acr,
            sid: g.session_id,
            email: g.user.email.as_ref().filter(|_| email_scope).map(|e| e.as_str()),
            email_verified: g.user.email.as_ref().filter(|_| email_scope).map(|_| g.user.email_verified),
            phone_number: g.user.phone.as_ref().filter(|_| phone_scope).map(|p| p.as_str()),
            phone_number_verified: g.user.phone.as_ref().filter(|_| phone_scope).map(|_| g.user.phone_verified),
        };
        Some(jwt::sign(key, "JWT", &claims).map_err(OAuthError::server_error)?)
    } else {
        None
    };
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: lifetimes.access_token,
        scope,
        id_token,
        refresh_token: None,
    })
}

/// OIDC Core §3.1.3.6: the left half of the hash that matches the JWS algorithm.
fn at_hash(alg: SigningAlg, access_token: &str) -> String {
    use aws_lc_rs::digest;
    let (algorithm, half) = match alg {
        SigningAlg::RS256 | SigningAlg::ES256 => (&digest::SHA256, 16),
        // Ed25519 signs with SHA-512, so its hash is SHA-512 (as certified RPs compute it).
        SigningAlg::EdDSA => (&digest::SHA512, 32),
    };
    crypto::b64url(&digest::digest(algorithm, access_token.as_bytes()).as_ref()[..half])
}

/// A new refresh token for the family: the token to hand out and the record to store.
pub fn new_refresh(state: &Core, g: &Grant<'_>) -> (String, RefreshToken) {
    let now = state.clock.now();
    let token = crypto::random_token();
    let record = RefreshToken {
        hash: crypto::sha256(token.as_bytes()),
        family_id: g.grant_id.to_string(),
        client_id: g.client.id.clone(),
        user_id: g.user.id.clone(),
        scope: g.scope.join(" "),
        auth_time: g.auth_time,
        amr: g.amr.to_vec(),
        acr: g.acr.to_string(),
        session_id: g.session_id.map(str::to_owned),
        created_at: now,
        expires_at: now + state.config.lifetimes.refresh_token as i64,
    };
    (token, record)
}

/// Ephemeral key that marks every access token of a grant as revoked.
pub fn revoked_grant_key(grant_id: &str) -> String {
    format!("revoked-grant:{grant_id}")
}

/// Revokes every access token minted for `grant_id` (they are checked at userinfo).
pub async fn revoke_grant_access(state: &Core, grant_id: &str) -> Result<(), OAuthError> {
    state.ephemeral.put(&revoked_grant_key(grant_id), vec![1], state.config.lifetimes.access_token).await?;
    Ok(())
}

/// Ephemeral key that marks one access token as revoked (RFC 7009), until it would expire.
pub fn revoked_jti_key(jti: &str) -> String {
    format!("revoked-jti:{jti}")
}

/// The claims of an access token this server issued that is still live: signature, issuer and
/// expiry check out, and neither it nor its grant has been revoked. (Audience is the caller's.)
pub async fn live_access_token(state: &Core, token: &str) -> Result<Option<AccessClaims>, crate::store::StoreError> {
    let Ok(at) = jwt::verify::<AccessClaims>(&state.keys(), token, "at+jwt") else { return Ok(None) };
    if at.iss != state.issuer() || at.exp <= state.clock.now() {
        return Ok(None);
    }
    if state.ephemeral.get(&revoked_grant_key(&at.gid)).await?.is_some()
        || state.ephemeral.get(&revoked_jti_key(&at.jti)).await?.is_some()
    {
        return Ok(None);
    }
    Ok(Some(at))
}

/// RFC 6749 §4.4 / RFC 9068: an access token for the client itself (`sub` = `client_id`).
pub fn mint_for_client(
    state: &Core,
    client: &Client,
    scope: &[String],
    audience: &str,
) -> Result<TokenResponse, OAuthError> {
    let now = state.clock.now();
    let lifetime = state.config.lifetimes.access_token;
    let jti = crypto::random_id();
    let access = AccessClaims {
        iss: state.issuer().to_string(),
        sub: client.id.clone(),
        aud: audience.to_string(),
        client_id: client.id.clone(),
        exp: now + lifetime as i64,
        iat: now,
        // Each token is its own grant: revoking it revokes nothing else.
        gid: jti.clone(),
        jti,
        scope: scope.join(" "),
        auth_time: None,
    };
    let access_token =
        jwt::sign(state.keys().active(client.signing_alg), "at+jwt", &access).map_err(OAuthError::server_error)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: lifetime,
        scope: access.scope,
        id_token: None,
        refresh_token: None,
    })
}
