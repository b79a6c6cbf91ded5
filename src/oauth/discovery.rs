//! `/.well-known/openid-configuration` (OIDC Discovery 1.0 §3), built once at start.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;

use crate::config::Config;
use crate::domain::client_jwt;
use crate::state::AppState;
use crate::web::cached::CachedJson;

const AUTH_METHODS: [&str; 4] = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"];

pub fn document(config: &Config) -> Vec<u8> {
    let iss = config.base_url();
    let mut doc = json!({
        "issuer": config.issuer(),
        "authorization_endpoint": format!("{iss}/authorize"),
        "token_endpoint": format!("{iss}/token"),
        "userinfo_endpoint": format!("{iss}/userinfo"),
        "jwks_uri": format!("{iss}/jwks"),
        "revocation_endpoint": format!("{iss}/revoke"),
        "introspection_endpoint": format!("{iss}/introspect"),
        "end_session_endpoint": format!("{iss}/logout"),
        "scopes_supported": crate::model::SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials",
                                  crate::oauth::grants::device_code::GRANT, crate::domain::passwordless::GRANT],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
        "userinfo_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "token_endpoint_auth_signing_alg_values_supported": client_jwt::ALGS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_signing_alg_values_supported": client_jwt::ALGS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_signing_alg_values_supported": client_jwt::ALGS,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "at_hash", "sid",
                             "email", "email_verified", "phone_number", "phone_number_verified", "updated_at"],
        "acr_values_supported": if config.webauthn_rp().is_some() {
            vec![crate::model::ACR_OTP, crate::model::ACR_PHR, crate::model::ACR_PHRH]
        } else {
            vec![crate::model::ACR_OTP]
        },
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "display_values_supported": ["page", "popup", "touch", "wap"],
        "claim_types_supported": ["normal"],
        "ui_locales_supported": crate::i18n::tags().collect::<Vec<_>>(),
        "authorization_response_iss_parameter_supported": true,
        "claims_parameter_supported": true,
        "request_parameter_supported": true,
        "request_object_signing_alg_values_supported": client_jwt::ALGS,
        // Only the pushed authorization request endpoint's URNs (RFC 9126 §4).
        "request_uri_parameter_supported": false,
        "require_request_uri_registration": false,
        "pushed_authorization_request_endpoint": format!("{iss}/par"),
        "device_authorization_endpoint": format!("{iss}/device_authorization"),
        "dpop_signing_alg_values_supported": crate::domain::dpop::ALGS,
        "require_pushed_authorization_requests": config.oauth.require_pushed_authorization_requests,
    });
    if config.oauth.registration {
        doc["registration_endpoint"] = json!(format!("{iss}/register"));
    }
    serde_json::to_vec(&doc).unwrap_or_default()
}

pub async fn openid_configuration(State(state): State<AppState>, headers: HeaderMap) -> Response {
    state.discovery.get_or_init(|| CachedJson::new(document(&state.config))).respond(&headers)
}

/// `jwks_uri` (RFC 7517 §5): public keys only.
pub async fn jwks(State(state): State<AppState>, headers: HeaderMap) -> Response {
    state.keys().jwks.respond(&headers)
}
