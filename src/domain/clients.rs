//! Clients declared in the configuration, and the built-in demo client, as directory clients.

use crate::config::ClientConfig;
use crate::crypto;
use crate::model::{AuthMethod, Client, ClientOptions, SigningAlg};

pub const DEMO_CLIENT_ID: &str = "tessera-demo";

pub fn from_config(c: &ClientConfig) -> Client {
    Client {
        id: c.id.clone(),
        name: c.name.clone().unwrap_or_else(|| c.id.clone()),
        secret_hash: c.secret.as_ref().map(|s| crypto::sha256(s.as_bytes())),
        redirect_uris: c.redirect_uris.clone(),
        post_logout_redirect_uris: c.post_logout_redirect_uris.clone(),
        // `validate` has already checked both strings.
        auth_method: c.token_endpoint_auth_method.parse().unwrap_or(AuthMethod::ClientSecretBasic),
        signing_alg: c.id_token_signed_response_alg.parse().unwrap_or(SigningAlg::RS256),
        jwks_uri: c.jwks_uri.clone(),
        jwks: c.jwks.clone(),
        backchannel_logout_uri: c.backchannel_logout_uri.clone(),
        backchannel_logout_session_required: c.backchannel_logout_session_required,
        client_credentials_scopes: c.client_credentials_scopes.clone(),
        email_sends: c.email_sends.as_deref().and_then(|s| s.parse().ok()),
        cross_device_links: c.cross_device_links,
        passwordless: c.passwordless,
        verify_callback_url: c.verify_callback_url.clone(),
        logo_uri: c.logo_uri.clone(),
        primary_color: c.primary_color.clone(),
        third_party: c.third_party,
        options: ClientOptions {
            require_pushed_authorization_requests: c.require_pushed_authorization_requests,
            require_signed_request_object: c.require_signed_request_object,
            // `validate` has already checked it.
            subject_type: c.subject_type.as_deref().and_then(|s| s.parse().ok()).unwrap_or_default(),
            sector_identifier_uri: c.sector_identifier_uri.clone(),
            userinfo_signed_response_alg: c.userinfo_signed_response_alg.as_deref().and_then(|s| s.parse().ok()),
            dpop_bound_access_tokens: c.dpop_bound_access_tokens,
            fapi2: c.security_profile.as_deref() == Some("fapi2"),
            registration_access_token: None,
        },
    }
}

pub fn demo(issuer: &str) -> Client {
    Client {
        id: DEMO_CLIENT_ID.into(),
        name: "Tessera demo".into(),
        secret_hash: None,
        redirect_uris: vec![format!("{issuer}/demo/callback")],
        post_logout_redirect_uris: vec![format!("{issuer}/demo")],
        auth_method: AuthMethod::None,
        signing_alg: SigningAlg::ES256,
        jwks_uri: None,
        jwks: None,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: false,
        client_credentials_scopes: Vec::new(),
        email_sends: None,
        cross_device_links: None,
        passwordless: false,
        verify_callback_url: None,
        logo_uri: None,
        primary_color: None,
        third_party: false,
        options: ClientOptions::default(),
    }
}
