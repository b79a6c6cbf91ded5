//! A stand-in OpenID provider on loopback: discovery, its JWKS (one ES256 key) and a token
//! endpoint that answers with the ID token the test chose, so each check of the ID token can be
//! made to fail on its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use axum::Json;
use axum::extract::Form;
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// A token request as received: its form, and its `Authorization` header if any.
pub type TokenRequest = (HashMap<String, String>, Option<String>);

pub struct StandIn {
    /// Where it answers (and, unless `start_at` says otherwise, its issuer).
    pub issuer: String,
    key: Arc<EcdsaKeyPair>,
    next: Arc<Mutex<Option<String>>>,
    /// The last token request: its form, and its `Authorization` header if any.
    pub token_request: Arc<Mutex<Option<TokenRequest>>>,
}

impl StandIn {
    pub async fn start() -> StandIn {
        Self::start_at("", |base| base.to_string()).await
    }

    /// A provider whose discovery document promises `iss` in its authorization responses
    /// (RFC 9207 §3 `authorization_response_iss_parameter_supported`).
    pub async fn promising_iss() -> StandIn {
        Self::launch("", |base| base.to_string(), json!({"authorization_response_iss_parameter_supported": true})).await
    }

    /// A provider whose discovery document is under `prefix` and names the issuer
    /// `issuer(base)`: Entra ID's `/common/v2.0`, whose issuer is a template.
    pub async fn start_at(prefix: &str, issuer: impl FnOnce(&str) -> String) -> StandIn {
        Self::launch(prefix, issuer, json!({})).await
    }

    /// The provider, with `extra` members in its discovery document.
    async fn launch(prefix: &str, issuer: impl FnOnce(&str) -> String, extra: Value) -> StandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let named = issuer(&base);
        let issuer = base.clone();
        let key = Arc::new(EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap());
        let next: Arc<Mutex<Option<String>>> = Arc::default();
        let point = key.public_key().as_ref().to_vec();
        let jwk = json!({"kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256", "use": "sig",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])});
        let mut metadata = json!({
            "issuer": named,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
        });
        for (name, value) in extra.as_object().unwrap() {
            metadata[name] = value.clone();
        }
        let answer = next.clone();
        let token_request: Arc<Mutex<Option<TokenRequest>>> = Arc::default();
        let recorded = token_request.clone();
        let app = axum::Router::new()
            .route(&format!("{prefix}/.well-known/openid-configuration"), get(move || async move { Json(metadata) }))
            .route("/jwks", get(move || async move { Json(json!({"keys": [jwk]})) }))
            .route(
                "/token",
                post(move |headers: axum::http::HeaderMap, Form(form): Form<HashMap<String, String>>| async move {
                    let basic = headers.get("authorization").map(|v| v.to_str().unwrap().to_string());
                    *recorded.lock().unwrap() = Some((form, basic));
                    let id_token = answer.lock().unwrap().clone();
                    Json(json!({"access_token": "at", "token_type": "Bearer", "expires_in": 60, "id_token": id_token}))
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        StandIn { issuer, key, next, token_request }
    }

    /// An ES256 ID token with `claims`, signed by the published key.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "ES256", "kid": "k1", "typ": "JWT"});
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = self.key.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }

    /// The token endpoint's next answers carry `id_token`.
    pub fn answer_with(&self, id_token: String) {
        *self.next.lock().unwrap() = Some(id_token);
    }

    /// Claims that pass every check for a request with `nonce`, about `sub` owning `email`.
    pub fn claims(&self, nonce: &str, sub: &str, email: &str, verified: bool) -> Value {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        json!({"iss": self.issuer, "sub": sub, "aud": "down", "iat": now, "exp": now + 300, "nonce": nonce,
            "email": email, "email_verified": verified})
    }
}
