//! Pairwise subject identifiers (OIDC Core §8.1) and signed userinfo (§5.3.2,
//! `userinfo_signed_response_alg`), with the `openidconnect` crate as the relying party.

use openidconnect::core::{CoreGenderClaim, CoreIdTokenClaims};
use openidconnect::{EmptyAdditionalClaims, TokenResponse};

use crate::support::browser::{Step, param};
use crate::support::{TestServer, client, rp, signed_in};

async fn server() -> TestServer {
    TestServer::start_with(|c| {
        for (id, sector) in [("pw-a", "https://a.example/sector.json"), ("pw-b", "https://b.example/sector.json")] {
            let mut pairwise = client(id, None, "none", "ES256", &c.issuer);
            pairwise.subject_type = Some("pairwise".into());
            pairwise.sector_identifier_uri = Some(sector.into());
            c.clients.push(pairwise);
        }
        let mut signed = client("signed-ui", None, "none", "ES256", &c.issuer);
        // The relying party library verifies signed userinfo with RS256 only.
        signed.userinfo_signed_response_alg = Some("RS256".into());
        c.clients.push(signed);
    })
    .await
}

fn subject(client: &rp::Client, tokens: &openidconnect::core::CoreTokenResponse) -> String {
    let verifier = client.id_token_verifier();
    let claims: &CoreIdTokenClaims =
        tokens.id_token().unwrap().claims(&verifier, |_: Option<&openidconnect::Nonce>| Ok(())).unwrap();
    claims.subject().to_string()
}

async fn userinfo_subject(client: &rp::Client, tokens: &openidconnect::core::CoreTokenResponse) -> String {
    use openidconnect::OAuth2TokenResponse;
    let info = client
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .request_async::<EmptyAdditionalClaims, _, CoreGenderClaim>(&rp::http)
        .await
        .expect("userinfo answers and verifies");
    info.subject().to_string()
}

#[tokio::test]
async fn pairwise_clients_know_one_user_by_different_subjects_that_userinfo_repeats() {
    let server = server().await;
    let browser = server.browser();
    let (a, tokens_a) = signed_in(&server, &browser, "pw-a", &["email"], "ada@example.com").await;
    let (b, tokens_b) = signed_in(&server, &browser, "pw-b", &["email"], "ada@example.com").await;
    let (web, tokens_web) = signed_in(&server, &browser, "web", &["email"], "ada@example.com").await;
    let user = server.state.directory.user_by_email(&"ada@example.com".parse().unwrap()).await.unwrap().unwrap();
    let (sub_a, sub_b) = (subject(&a, &tokens_a), subject(&b, &tokens_b));
    assert_ne!(sub_a, sub_b, "two sectors cannot link the user");
    assert_ne!(sub_a, user.id.0);
    assert_eq!(subject(&web, &tokens_web), user.id.0, "a public-subject client sees the user's id");
    assert_eq!(userinfo_subject(&a, &tokens_a).await, sub_a, "OIDC Core §5.3.2: userinfo's sub is the ID token's");
    let (_, again) = signed_in(&server, &browser, "pw-a", &["email"], "ada@example.com").await;
    assert_eq!(subject(&a, &again), sub_a, "stable for its sector");
}

#[tokio::test]
async fn a_pairwise_id_token_hint_names_the_signed_in_user() {
    let server = server().await;
    let browser = server.browser();
    let (a, tokens) = signed_in(&server, &browser, "pw-a", &["email"], "ada@example.com").await;
    let hint = tokens.id_token().unwrap().to_string();
    let pending = rp::start(&a, &["email"]);
    let url = format!("{}&prompt=none&id_token_hint={hint}", pending.url);
    let Step::Client(callback) = browser.authorize(&url).await else { panic!("prompt=none") };
    assert!(param(&callback, "code").is_some(), "the hint's pairwise sub matches the session: {callback}");

    let logout = format!("/logout?id_token_hint={hint}");
    let response = browser.get(&logout).await;
    assert_eq!(response.status(), 200);
    assert!(!response.text().await.unwrap().contains("/logout/confirm"), "tied to the session: no confirmation");
}

#[tokio::test]
async fn userinfo_comes_signed_when_the_client_registered_an_algorithm() {
    let server = server().await;
    let browser = server.browser();
    let (client, tokens) = signed_in(&server, &browser, "signed-ui", &["email"], "ada@example.com").await;
    use openidconnect::OAuth2TokenResponse;
    let info = client
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .require_signed_response(true)
        .request_async::<EmptyAdditionalClaims, _, CoreGenderClaim>(&rp::http)
        .await
        .expect("a signed answer the library verifies against the JWKS");
    assert_eq!(info.subject().as_str(), subject(&client, &tokens));
    let raw = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .unwrap();
    assert_eq!(raw.headers()["content-type"], "application/jwt");
    let claims = crate::journeys::claims(&raw.text().await.unwrap());
    assert_eq!((claims["iss"].as_str(), claims["aud"].as_str()), (Some(server.base.as_str()), Some("signed-ui")));
    assert_eq!(claims["email"], "ada@example.com");
}
