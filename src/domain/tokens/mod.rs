//! Minting the token set: JWT access tokens (RFC 9068), ID tokens (OIDC Core §2), refresh
//! tokens, and the token response (RFC 6749 §5.1).

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::clock::UnixTime;
use crate::config::{ApiConfig, Lifetimes};
use crate::crypto;
use crate::domain::Core;
use crate::domain::claims::{self, ClaimsRequest, Subject};
use crate::domain::jwt;
use crate::domain::keys::KeyRing;
use crate::domain::subjects;
use crate::model::{Client, SigningAlg, SubjectType};
use crate::store::RefreshToken;
use crate::web::oauth_error::OAuthError;

mod access;
mod revocation;

pub use access::{AccessClaims, Audience, Confirmation, mint_for_client};
use access::{access_target, token_type};

pub use revocation::{live_access_token, revoke_grant_access, revoked_grant_key, revoked_jti_key};

/// Everything a token is minted from, whichever grant produced it.
pub struct Grant<'a> {
    pub client: &'a Client,
    pub user: &'a Subject,
    pub scope: &'a [String],
    pub nonce: Option<&'a str>,
    pub auth_time: UnixTime,
    pub amr: &'a [String],
    pub acr: &'a str,
    pub session_id: Option<&'a str>,
    /// The refresh-token family (or code redemption) this token belongs to; revoking it
    /// revokes every access token that carries it.
    pub grant_id: &'a str,
    /// OIDC Core §5.5: claims asked for by name.
    pub claims: Option<&'a ClaimsRequest>,
    /// RFC 9449: the thumbprint of the key the tokens are bound to.
    pub dpop_jkt: Option<&'a str>,
    /// The API the access token is for (`audience`, RFC 8707 `resource`); `None`: userinfo.
    pub api: Option<&'a ApiConfig>,
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
    /// The user's claims that the scope releases or the `claims` parameter asked for.
    #[serde(flatten)]
    user: serde_json::Map<String, serde_json::Value>,
}

/// RFC 6749 §5.1.
#[derive(Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    /// RFC 6749 §5.1: the granted scope; none granted, none said (not an empty string).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// RFC 9449 §8: the server nonce for the client's next DPoP proof, sent as a header.
    #[serde(skip)]
    pub dpop_nonce: Option<String>,
}

impl IntoResponse for TokenResponse {
    fn into_response(mut self) -> Response {
        let nonce = self.dpop_nonce.take();
        let mut response = Json(self).into_response();
        // RFC 6749 §5.1: token responses must not be cached.
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if let Some(nonce) = nonce.and_then(|n| HeaderValue::from_str(&n).ok()) {
            response.headers_mut().insert("dpop-nonce", nonce);
        }
        response
    }
}

pub fn userinfo_audience(state: &Core) -> String {
    state.url("/userinfo")
}

/// Signs the access token and, when `openid` was granted, the ID token.
pub fn mint(state: &Core, g: &Grant<'_>, id_token_nonce: bool) -> Result<TokenResponse, OAuthError> {
    let keys = state.keys();
    let issuer = Issuer {
        keys: &keys,
        secret: &state.secret,
        iss: state.issuer(),
        userinfo: userinfo_audience(state),
        now: state.clock.now(),
        lifetimes: &state.config.lifetimes,
    };
    sign(&issuer, g, id_token_nonce)
}

/// What signing needs of the server: its keys, its name, the time and the lifetimes.
pub struct Issuer<'a> {
    pub keys: &'a KeyRing,
    /// The server secret: pairwise subjects and sealed user ids derive from it.
    pub secret: &'a [u8],
    pub iss: &'a str,
    /// The access token's audience: the userinfo endpoint.
    pub userinfo: String,
    pub now: UnixTime,
    pub lifetimes: &'a Lifetimes,
}

/// The token response for a grant (RFC 9068 access token for its API or userinfo, OIDC Core §2
/// ID token signed by the client's algorithm with only the claims its scopes allow).
pub fn sign(issuer: &Issuer<'_>, g: &Grant<'_>, id_token_nonce: bool) -> Result<TokenResponse, OAuthError> {
    let (now, lifetimes) = (issuer.now, issuer.lifetimes);
    let scope = g.scope.join(" ");
    let key = issuer.keys.active(g.client.signing_alg);
    let (aud, access_lifetime, access_alg) = access_target(issuer, g);
    let sub = subjects::of(issuer.secret, g.client, &g.user.id);
    let pairwise = g.client.options.subject_type == SubjectType::Pairwise;
    let access = AccessClaims {
        iss: issuer.iss.to_string(),
        sub: sub.clone(),
        aud,
        client_id: g.client.id.clone(),
        exp: now + access_lifetime as i64,
        iat: now,
        jti: crypto::random_id(),
        scope: scope.clone(),
        auth_time: Some(g.auth_time),
        gid: g.grant_id.to_string(),
        userinfo_claims: g.claims.map(|c| c.userinfo.keys().cloned().collect()).unwrap_or_default(),
        sealed_user: pairwise.then(|| subjects::seal_user(issuer.secret, &g.user.id)),
        cnf: g.dpop_jkt.map(|jkt| Confirmation { jkt: jkt.to_string() }),
    };
    let access_token =
        jwt::sign(issuer.keys.active(access_alg), "at+jwt", &access).map_err(OAuthError::server_error)?;
    let id_token = if g.scope.iter().any(|s| s == "openid") {
        let requested = g.claims.map(|c| c.id_token.keys().collect::<Vec<_>>()).unwrap_or_default();
        let claims = IdClaims {
            iss: issuer.iss,
            sub: &sub,
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
            user: claims::user_claims(g.user, g.scope, requested),
        };
        Some(jwt::sign(key, "JWT", &claims).map_err(OAuthError::server_error)?)
    } else {
        None
    };
    Ok(TokenResponse {
        access_token,
        token_type: token_type(g.dpop_jkt),
        expires_in: access_lifetime,
        scope,
        id_token,
        refresh_token: None,
        dpop_nonce: None,
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
        claims: g.claims.and_then(|c| serde_json::to_string(c).ok()),
        // RFC 9449 §5: a public client's refresh token is bound to its DPoP key as well.
        dpop_jkt: g.dpop_jkt.filter(|_| g.client.is_public()).map(str::to_owned),
        audience: g.api.map(|a| a.identifier.clone()),
        created_at: now,
        expires_at: now + state.config.lifetimes.refresh_token as i64,
    };
    (token, record)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::domain::keys::SigningKey;
    use crate::model::User;
    use crate::model::UserId;

    fn keys() -> KeyRing {
        KeyRing::new(SigningAlg::ALL.iter().map(|alg| SigningKey::generate(*alg).unwrap().0).collect()).unwrap()
    }

    fn user() -> User {
        User {
            id: UserId("u1".into()),
            email: Some("ada@example.com".parse().unwrap()),
            email_verified: true,
            phone: None,
            phone_verified: false,
            created_at: 0,
            updated_at: 0,
            active: true,
            last_login_at: None,
            login_count: 0,
            metadata: serde_json::json!({}),
            external_id: None,
            operator: false,
        }
    }

    fn signed(scope: &[&str], nonce_allowed: bool) -> (KeyRing, TokenResponse) {
        let keys = keys();
        let lifetimes = Lifetimes::default();
        let issuer = Issuer {
            keys: &keys,
            secret: b"test secret",
            iss: "https://login.example",
            userinfo: "https://login.example/userinfo".into(),
            now: 1_000,
            lifetimes: &lifetimes,
        };
        let client = crate::domain::clients::demo("https://login.example");
        let (user, scope): (User, Vec<String>) = (user(), scope.iter().map(|s| s.to_string()).collect());
        let amr = vec!["otp".to_string()];
        let subject = Subject::from(&user);
        let g = Grant {
            client: &client,
            user: &subject,
            scope: &scope,
            nonce: Some("n-1"),
            auth_time: 900,
            amr: &amr,
            acr: "aal1",
            session_id: Some("s1"),
            grant_id: "g1",
            claims: None,
            dpop_jkt: None,
            api: None,
        };
        let response = sign(&issuer, &g, nonce_allowed).unwrap();
        (keys, response)
    }

    fn id_claims(keys: &KeyRing, response: &TokenResponse) -> Value {
        jwt::verify(keys, response.id_token.as_deref().expect("an ID token"), "JWT").unwrap()
    }

    #[test]
    fn without_openid_there_is_no_id_token() {
        assert!(signed(&["email"], true).1.id_token.is_none());
    }

    #[test]
    fn the_id_token_carries_email_claims_only_with_the_email_scope() {
        let (keys, response) = signed(&["openid"], true);
        assert!(id_claims(&keys, &response).get("email").is_none());
        let (keys, response) = signed(&["openid", "email"], true);
        let claims = id_claims(&keys, &response);
        assert_eq!(claims["email"], "ada@example.com");
        assert_eq!(claims["email_verified"], true);
    }

    #[test]
    fn the_nonce_is_repeated_only_where_the_grant_allows_it() {
        let (keys, response) = signed(&["openid"], true);
        assert_eq!(id_claims(&keys, &response)["nonce"], "n-1");
        let (keys, response) = signed(&["openid"], false);
        assert!(id_claims(&keys, &response).get("nonce").is_none(), "a refreshed ID token has no nonce");
    }

    #[test]
    fn at_hash_binds_the_id_token_to_its_access_token() {
        let (keys, response) = signed(&["openid"], true);
        let expected = at_hash(SigningAlg::ES256, &response.access_token);
        assert_eq!(id_claims(&keys, &response)["at_hash"], expected.as_str());
    }

    #[test]
    fn the_access_token_is_an_rfc_9068_jwt_for_userinfo_with_the_grant_id() {
        let (keys, response) = signed(&["openid", "email"], true);
        let at: AccessClaims = jwt::verify(&keys, &response.access_token, "at+jwt").unwrap();
        assert_eq!(
            (&at.aud, at.gid.as_str(), at.scope.as_str()),
            (&Audience::One("https://login.example/userinfo".into()), "g1", "openid email")
        );
        assert_eq!(at.exp - at.iat, Lifetimes::default().access_token as i64);
    }
}
