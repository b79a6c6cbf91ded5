//! The records the directory rules store: users by email, a client with every field set, a
//! session and a refresh token, all at one fixed time.

use crate::clock::UnixTime;
use crate::model::{AuthMethod, Client, ClientOptions, EmailSends, Session, SigningAlg, SubjectType, User, UserId};
use crate::store::{Directory, RefreshToken};

/// "Now" for the directory rules; they move time by adding to it.
pub const NOW: UnixTime = 1_700_000_000;

/// A new user owning `email`, created at `now`.
pub async fn user_at(dir: &dyn Directory, email: &str, now: UnixTime) -> User {
    dir.create_user_with_email(&email.parse().unwrap(), now).await.unwrap()
}

pub async fn user(dir: &dyn Directory, email: &str) -> User {
    user_at(dir, email, NOW).await
}

/// A client with every optional field set, so a lost column shows.
pub fn client(id: &str) -> Client {
    Client {
        id: id.into(),
        name: "App".into(),
        secret_hash: Some([7; 32]),
        redirect_uris: vec!["https://app.example/cb".into()],
        post_logout_redirect_uris: vec![],
        auth_method: AuthMethod::ClientSecretPost,
        signing_alg: SigningAlg::ES256,
        jwks_uri: None,
        jwks: None,
        backchannel_logout_uri: Some("https://app.example/bcl".into()),
        backchannel_logout_session_required: true,
        client_credentials_scopes: vec!["reports:read".into()],
        email_sends: Some(EmailSends::Link),
        cross_device_links: Some(true),
        passwordless: true,
        verify_callback_url: Some("https://app.example/verify".into()),
        logo_uri: Some("https://app.example/logo.svg".into()),
        primary_color: Some("#112233".into()),
        third_party: true,
        options: ClientOptions {
            require_pushed_authorization_requests: true,
            require_signed_request_object: true,
            subject_type: SubjectType::Pairwise,
            sector_identifier_uri: Some("https://app.example/sector.json".into()),
            userinfo_signed_response_alg: Some(SigningAlg::EdDSA),
            dpop_bound_access_tokens: true,
            fapi2: true,
            registration_access_token: Some("ab".repeat(32)),
        },
    }
}

/// A session of `user` signed in at `NOW` with an email code, live for 100 seconds.
pub fn session(id: &str, user: &UserId) -> Session {
    Session {
        id: id.into(),
        user_id: user.clone(),
        auth_time: NOW,
        amr: vec!["otp".into()],
        acr: "aal1".into(),
        expires_at: NOW + 100,
        method: "email_code".into(),
        user_agent: String::new(),
        last_seen: NOW,
    }
}

/// The first token of family `family`, issued to client `app` at `NOW`.
pub fn refresh(hash: u8, family: &str, user: &UserId) -> RefreshToken {
    RefreshToken {
        hash: [hash; 32],
        family_id: family.into(),
        client_id: "app".into(),
        user_id: user.clone(),
        scope: "openid offline_access".into(),
        auth_time: NOW,
        amr: vec!["otp".into()],
        acr: "aal1".into(),
        session_id: Some("s1".into()),
        claims: Some(r#"{"userinfo":{"email":{}}}"#.into()),
        dpop_jkt: Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I".into()),
        audience: Some("https://notes.example/api".into()),
        created_at: NOW,
        expires_at: NOW + 1000,
    }
}
