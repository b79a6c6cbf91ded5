//! The authorization code flow end to end (OIDC Core §3.1, RFC 6749 §4.1, RFC 7636, RFC 9207).

use openidconnect::core::CoreGenderClaim;
use openidconnect::{AuthorizationCode, OAuth2TokenResponse, PkceCodeVerifier, TokenResponse, UserInfoClaims};

use crate::support::browser::{Step, param};
use crate::support::{TestServer, raw_token, rp, signed_in};

type Claims = UserInfoClaims<openidconnect::EmptyAdditionalClaims, CoreGenderClaim>;

#[tokio::test]
async fn email_code_login_completes_for_every_client_kind_and_algorithm() {
    let server = TestServer::start().await;
    for (client_id, alg) in [("web", "RS256"), ("post", "ES256"), ("spa", "EdDSA")] {
        let browser = server.browser();
        let client = rp::client(&server, client_id).await;
        let pending = rp::start(&client, &["email", "profile"]);
        let expected_state = pending.state.secret().clone();
        let callback = browser.sign_in(&pending.url, "ada@example.com").await;
        assert_eq!(param(&callback, "state").as_deref(), Some(expected_state.as_str()));
        assert_eq!(param(&callback, "iss").as_deref(), Some(server.base.as_str()), "RFC 9207 iss");
        let code = param(&callback, "code").unwrap();
        assert!(code.len() >= 43, "codes carry at least 256 bits");
        let nonce = pending.nonce.clone();
        let tokens = rp::redeem(&client, pending, &code).await;

        let id_token = tokens.id_token().unwrap();
        let header: serde_json::Value =
            serde_json::from_slice(&base64_url(id_token.to_string().split('.').next().unwrap())).unwrap();
        assert_eq!(header["alg"], alg, "signed with the client's configured algorithm");
        let claims = id_token.claims(&client.id_token_verifier(), &nonce).unwrap();
        assert!(claims.auth_time().is_some());
        assert_eq!(claims.auth_method_refs().unwrap()[0].as_str(), "otp");
        assert_eq!(claims.authorized_party().unwrap().as_str(), client_id);
        assert!(claims.access_token_hash().is_some(), "at_hash");
        assert_eq!(claims.email().unwrap().as_str(), "ada@example.com");

        let info: Claims = client
            .user_info(tokens.access_token().clone(), Some(claims.subject().clone()))
            .unwrap()
            .request_async(&rp::http)
            .await
            .expect("userinfo answers for the same subject");
        assert_eq!(info.email().unwrap().as_str(), "ada@example.com");
        assert_eq!(info.email_verified(), Some(true));
    }
}

#[tokio::test]
async fn access_token_is_a_typed_jwt_with_a_jti() {
    let server = TestServer::start().await;
    let (_, tokens) = signed_in(&server, &server.browser(), "web", &[], "ada@example.com").await;
    let token = tokens.access_token().secret();
    let header = token.split('.').next().unwrap();
    let header: serde_json::Value = serde_json::from_slice(&base64_url(header)).unwrap();
    assert_eq!(header["typ"], "at+jwt", "RFC 9068 §2.1");
    let claims: serde_json::Value = serde_json::from_slice(&base64_url(token.split('.').nth(1).unwrap())).unwrap();
    for claim in ["iss", "exp", "aud", "sub", "client_id", "iat", "jti", "scope"] {
        assert!(claims.get(claim).is_some(), "RFC 9068 §2.2 claim {claim}");
    }
}

fn base64_url(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).unwrap()
}

#[tokio::test]
async fn code_replay_is_refused_and_revokes_what_the_code_produced_however_late() {
    let server = TestServer::start().await;
    let client = rp::client(&server, "web").await;
    // At once, and past the code's 60 s and the access token's 10 minutes, when only the
    // refresh token still lives.
    for delay in [0, 3600] {
        let pending = rp::start(&client, &["offline_access"]);
        let callback = server.browser().sign_in(&pending.url, "ada@example.com").await;
        let code = param(&callback, "code").unwrap();
        let verifier = pending.verifier.secret().clone();
        let tokens = rp::redeem(&client, pending, &code).await;
        server.clock.advance(delay);

        let replay = client
            .exchange_code(AuthorizationCode::new(code))
            .unwrap()
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&rp::http)
            .await;
        assert!(format!("{:?}", replay.unwrap_err()).contains("invalid_grant"), "{delay} s");

        let info = client
            .user_info(tokens.access_token().clone(), None)
            .unwrap()
            .request_async::<openidconnect::EmptyAdditionalClaims, _, CoreGenderClaim>(&rp::http)
            .await;
        assert!(info.is_err(), "the access token of a replayed code is revoked ({delay} s)");
        let refresh =
            client.exchange_refresh_token(tokens.refresh_token().unwrap()).unwrap().request_async(&rp::http).await;
        assert!(refresh.is_err(), "the refresh token of a replayed code is revoked ({delay} s)");
    }
}

#[tokio::test]
async fn code_expires_after_sixty_seconds() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let client = rp::client(&server, "web").await;
    let pending = rp::start(&client, &[]);
    let callback = browser.sign_in(&pending.url, "ada@example.com").await;
    server.clock.advance(61);
    let result = client
        .exchange_code(AuthorizationCode::new(param(&callback, "code").unwrap()))
        .unwrap()
        .set_pkce_verifier(pending.verifier)
        .request_async(&rp::http)
        .await;
    assert!(format!("{:?}", result.unwrap_err()).contains("invalid_grant"));
}

#[tokio::test]
async fn code_is_bound_to_its_client_redirect_uri_and_pkce_verifier() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let web = rp::client(&server, "web").await;
    let secret = crate::support::WEB_SECRET;

    // Each case gets a fresh code; every mismatch is invalid_grant.
    for case in ["other_client", "other_redirect", "wrong_verifier", "missing_verifier"] {
        let pending = rp::start(&web, &[]);
        let callback = browser.sign_in(&pending.url, "ada@example.com").await;
        let code = param(&callback, "code").unwrap();
        let redirect = server.redirect_uri("web");
        let verifier = pending.verifier.secret().clone();
        let (status, body, _) = match case {
            "other_client" => {
                let form = [
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", &redirect),
                    ("code_verifier", &verifier),
                    ("client_id", "post"),
                    ("client_secret", crate::support::POST_SECRET),
                ];
                raw_token(&server, &form, None).await
            }
            "other_redirect" => {
                let form = [
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", "http://127.0.0.1:9/cb"),
                    ("code_verifier", &verifier),
                ];
                raw_token(&server, &form, Some(("web", secret))).await
            }
            "wrong_verifier" => {
                let wrong = "x".repeat(43);
                let form = [
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", &redirect),
                    ("code_verifier", &wrong),
                ];
                raw_token(&server, &form, Some(("web", secret))).await
            }
            _ => {
                let form = [("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", &redirect)];
                raw_token(&server, &form, Some(("web", secret))).await
            }
        };
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{case}");
    }
}

#[tokio::test]
async fn second_authorization_reuses_the_session_and_keeps_auth_time() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let client = rp::client(&server, "web").await;
    let (_, first) = signed_in(&server, &browser, "web", &[], "ada@example.com").await;
    let first_claims = first
        .id_token()
        .unwrap()
        .claims(&client.id_token_verifier(), |_: Option<&openidconnect::Nonce>| Ok(()))
        .unwrap();
    let first_auth_time = first_claims.auth_time().unwrap();

    server.clock.advance(30);
    let pending = rp::start(&client, &[]);
    let Step::Client(callback) = browser.authorize(&pending.url).await else {
        panic!("a live session skips the login page")
    };
    let tokens = rp::redeem(&client, pending, &param(&callback, "code").unwrap()).await;
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&client.id_token_verifier(), |_: Option<&openidconnect::Nonce>| Ok(()))
        .unwrap();
    assert_eq!(claims.auth_time().unwrap(), first_auth_time, "silent login keeps the original auth_time");
    assert_eq!(claims.subject(), first_claims.subject());
}

#[tokio::test]
async fn form_post_response_mode_returns_an_auto_submitting_form() {
    let server = TestServer::start().await;
    let browser = server.browser();
    let client = rp::client(&server, "web").await;
    signed_in(&server, &browser, "web", &[], "ada@example.com").await;
    let pending = rp::start(&client, &[]);
    let response = browser.get(&format!("{}&response_mode=form_post", pending.url)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.unwrap();
    assert!(html.contains(&format!("action=\"{}\"", server.redirect_uri("web"))));
    assert!(html.contains("name=\"code\""));
    assert!(html.contains("name=\"iss\""));
    assert!(html.contains(&format!("value=\"{}\"", pending.state.secret())));
}

/// Store operations of `store` so far, without the audit trail (written behind the requests).
async fn store_operations(server: &TestServer, store: &str) -> f64 {
    let text = reqwest::get(server.url("/metrics")).await.unwrap().text().await.unwrap();
    let prefix = format!("tessera_store_duration_seconds_count{{store=\"{store}\",");
    text.lines()
        .filter(|l| l.starts_with(&prefix) && !l.contains("audit"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn a_code_flow_from_a_live_session_reads_the_directory_once_and_ephemeral_once() {
    let server = TestServer::start().await;
    let browser = server.browser();
    signed_in(&server, &browser, "web", &["email"], "ada@example.com").await;
    let client = rp::client(&server, "web").await;
    let pending = rp::start(&client, &["email"]);
    let nonce = pending.nonce.clone();
    let before = (store_operations(&server, "directory").await, store_operations(&server, "ephemeral").await);

    let Step::Client(callback) = browser.authorize(&pending.url).await else { panic!("the session answers") };
    let tokens = rp::redeem(&client, pending, &param(&callback, "code").unwrap()).await;

    let after = (store_operations(&server, "directory").await, store_operations(&server, "ephemeral").await);
    assert_eq!(after.0 - before.0, 1.0, "the session and its user, in one read");
    assert_eq!(after.1 - before.1, 1.0, "the code's used mark; the code carries its grant");
    let claims = tokens.id_token().unwrap().claims(&client.id_token_verifier(), &nonce).unwrap();
    assert_eq!(claims.email().unwrap().as_str(), "ada@example.com", "the user's claims travel in the code");
}

/// Redeems `code` a second time, as a replay would.
async fn redeem_again(client: &rp::Client, code: &str, verifier: String) -> String {
    let replay = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .unwrap()
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&rp::http)
        .await;
    format!("{:?}", replay.unwrap_err())
}

#[tokio::test]
async fn a_code_too_large_to_seal_is_stored_and_still_used_once_and_a_sealed_one_too() {
    let server = TestServer::start().await;
    let browser = server.browser();
    signed_in(&server, &browser, "web", &[], "ada@example.com").await;
    let client = rp::client(&server, "web").await;
    // A nonce of 1,500 characters makes the grant too large for a URL; a usual one does not.
    for (nonce, stored) in [("n".repeat(1500), true), ("n".repeat(43), false)] {
        let mut pending = rp::start(&client, &[]);
        pending.url = pending.url.replace(pending.nonce.secret(), &nonce);
        pending.nonce = openidconnect::Nonce::new(nonce.clone());
        let verifier = pending.verifier.secret().clone();
        let Step::Client(callback) = browser.authorize(&pending.url).await else { panic!("the session answers") };
        let code = param(&callback, "code").unwrap();
        assert_eq!(code.len() == 64, stored, "{} characters", code.len());
        let tokens = rp::redeem(&client, pending, &code).await;
        assert!(tokens.id_token().is_some());
        assert!(redeem_again(&client, &code, verifier).await.contains("invalid_grant"), "single use");
    }
}
