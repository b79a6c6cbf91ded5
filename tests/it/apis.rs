//! The API registry: an access token for the API named by Auth0's `audience` or RFC 8707's
//! `resource` carries its identifier, lifetime and algorithm and may carry its scopes; APIs come
//! from the file, the management API and the CLI.

use std::process::Command;

use reqwest::Method;
use serde_json::{Value, json};
use tessera::config::ApiConfig;

use crate::embedded::{EMAIL, SECRET, server_with};
use crate::support::browser::Step;
use crate::support::{TestServer, raw_token};

const GRANT: &str = "http://auth0.com/oauth/grant-type/passwordless/otp";
const NOTES: &str = "https://notes.example/api";

fn notes() -> ApiConfig {
    ApiConfig {
        identifier: NOTES.into(),
        name: Some("Notes".into()),
        scopes: vec!["read:notes".into()],
        token_lifetime_secs: Some(600),
        signing_alg: "EdDSA".into(),
    }
}

fn part(jwt: &str, index: usize) -> Value {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(jwt.split('.').nth(index).unwrap()).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// A code sent to `EMAIL` and redeemed by the OTP grant with `extra` parameters.
async fn otp_tokens(server: &TestServer, n: usize, extra: &[(&str, &str)]) -> (u16, Value) {
    let body = json!({"connection": "email", "email": EMAIL, "send": "code"});
    let (status, _) =
        crate::embedded::call(server, Method::POST, "/passwordless/start", ("app", SECRET), Some(body)).await;
    assert_eq!(status, 200);
    let code = server.smtp.nth_to(EMAIL, n).await.code();
    let mut form = vec![("grant_type", GRANT), ("realm", "email"), ("username", EMAIL), ("otp", code.as_str())];
    form.extend_from_slice(extra);
    let (status, body, _) = raw_token(server, &form, Some(("app", SECRET))).await;
    (status, body)
}

#[tokio::test]
async fn an_access_token_for_an_api_carries_its_identifier_lifetime_algorithm_and_scopes() {
    let server = server_with(None, |c| {
        c.apis.push(notes());
        c.login.resend_cooldown_secs = 0;
    })
    .await;
    let asked = [("audience", NOTES), ("scope", "openid read:notes offline_access")];
    let (status, tokens) = otp_tokens(&server, 1, &asked).await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    let (header, claims) = (part(access, 0), part(access, 1));
    assert_eq!(header["alg"], "EdDSA", "the API's algorithm, not the client's ES256");
    assert_eq!(claims["aud"], json!([NOTES, server.url("/userinfo")]), "with openid, userinfo too (as Auth0)");
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 600);
    assert_eq!(
        (tokens["expires_in"].as_u64(), claims["scope"].as_str()),
        (Some(600), Some("openid read:notes offline_access"))
    );
    let userinfo = reqwest::Client::new().get(server.url("/userinfo")).bearer_auth(access).send().await.unwrap();
    assert_eq!(userinfo.status(), 200, "userinfo is among the audiences");

    let refresh = tokens["refresh_token"].as_str().unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let (status, refreshed, _) = raw_token(&server, &form, Some(("app", SECRET))).await;
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(part(refreshed["access_token"].as_str().unwrap(), 1)["aud"][0], NOTES, "the family keeps its API");

    let (status, tokens) = otp_tokens(&server, 2, &[("resource", NOTES), ("scope", "read:notes")]).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(part(tokens["access_token"].as_str().unwrap(), 1)["aud"], NOTES, "resource means audience");
}

#[tokio::test]
async fn an_unknown_api_is_invalid_target_and_its_scopes_need_it() {
    let server = server_with(None, |c| {
        c.apis.push(notes());
        c.login.resend_cooldown_secs = 0;
    })
    .await;
    let (status, body) = otp_tokens(&server, 1, &[("audience", "https://other.example/api")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_target")));
    let (status, body) = otp_tokens(&server, 2, &[("scope", "openid read:notes")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_scope")), "an API's scope needs its audience");
    let disagree = [("audience", NOTES), ("resource", "https://other.example/api")];
    let (status, body) = otp_tokens(&server, 3, &disagree).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")));
    let (status, body) = otp_tokens(&server, 4, &[("audience", NOTES)]).await;
    assert_eq!(status, 200, "a refused request spent no code: {body}");
}

#[tokio::test]
async fn an_audience_at_authorize_gives_the_code_flows_access_token_to_that_api() {
    let server = server_with(None, |c| c.apis.push(notes())).await;
    let redirect = server.redirect_uri("web");
    let query = |audience: &str| {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", "web")
            .append_pair("redirect_uri", &redirect)
            .append_pair("scope", "openid read:notes write:everything")
            .append_pair("state", "s-1")
            .append_pair("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
            .append_pair("code_challenge_method", "S256")
            .append_pair("audience", audience)
            .finish()
    };
    let browser = server.browser();
    let callback = browser.sign_in(&format!("/authorize?{}", query(NOTES)), EMAIL).await;
    let code = crate::support::browser::param(&callback, "code").expect("a code");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect.as_str()),
        ("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    ];
    let (status, tokens, _) = raw_token(&server, &form, Some(("web", crate::support::WEB_SECRET))).await;
    assert_eq!(status, 200, "{tokens}");
    let claims = part(tokens["access_token"].as_str().unwrap(), 1);
    assert_eq!(claims["aud"], json!([NOTES, server.url("/userinfo")]));
    assert_eq!(claims["scope"], "openid read:notes", "the API's scope kept, an unknown one dropped");

    let Step::Client(refused) = browser.authorize(&format!("/authorize?{}", query("https://other.example/api"))).await
    else {
        panic!("an unknown API is answered at the redirect");
    };
    assert_eq!(crate::support::browser::param(&refused, "error").as_deref(), Some("invalid_target"));
}

#[tokio::test]
async fn the_management_api_registers_apis_that_tokens_use_at_once() {
    let server = server_with(None, |_| {}).await;
    crate::api::with_keys(&server).await;
    let key = Some(crate::api::KEY);
    let registered = json!({"identifier": NOTES, "scopes": ["read:notes"], "token_lifetime_secs": 900});
    let (status, created) =
        crate::api::call(&server, Method::POST, "/api/v1/apis", key, Some(registered.clone())).await;
    assert_eq!((status, created["signing_alg"].as_str()), (201, Some("RS256")), "{created}");
    assert_eq!(crate::api::call(&server, Method::POST, "/api/v1/apis", key, Some(registered)).await.0, 409);
    let bad = json!({"identifier": "https://x.example/#f"});
    let (status, problem) = crate::api::call(&server, Method::POST, "/api/v1/apis", key, Some(bad)).await;
    assert_eq!(status, 400);
    assert!(problem["detail"].as_str().unwrap().starts_with("identifier:"), "{problem}");

    let (status, tokens) = otp_tokens(&server, 1, &[("audience", NOTES)]).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(
        (tokens["expires_in"].as_u64(), part(tokens["access_token"].as_str().unwrap(), 0)["alg"].as_str()),
        (Some(900), Some("RS256"))
    );

    let path = format!("/api/v1/apis/{}", urlencoding(NOTES));
    let patch = json!({"token_lifetime_secs": 120});
    let (status, changed) = crate::api::call(&server, Method::PATCH, &path, key, Some(patch)).await;
    assert_eq!((status, changed["token_lifetime_secs"].as_u64()), (200, Some(120)), "{changed}");
    let (_, list) = crate::api::call(&server, Method::GET, "/api/v1/apis", key, None).await;
    assert_eq!(list["apis"].as_array().unwrap().len(), 1);
    assert_eq!(crate::api::call(&server, Method::DELETE, &path, key, None).await.0, 204);
    assert_eq!(crate::api::call(&server, Method::GET, &path, key, None).await.0, 404);
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[test]
fn the_cli_adds_lists_and_removes_apis() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args(args)
            .env("TESSERA_DIRECTORY__URL", &db)
            .env_remove("TESSERA_CONFIG")
            .output()
            .unwrap()
    };
    let added = run(&[
        "apis",
        "add",
        "--identifier",
        NOTES,
        "--scope",
        "read:notes",
        "--token-lifetime",
        "300",
        "--alg",
        "ES256",
    ]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let listed = String::from_utf8_lossy(&run(&["apis", "list"]).stdout).to_string();
    assert!(listed.contains(NOTES) && listed.contains("ES256") && listed.contains("300s"), "{listed}");
    assert!(!run(&["apis", "add", "--identifier", NOTES]).status.success(), "an identifier is registered once");
    assert!(!run(&["apis", "add", "--identifier", "x", "--alg", "HS256"]).status.success());
    assert!(run(&["apis", "remove", NOTES]).status.success());
    assert!(!run(&["apis", "remove", NOTES]).status.success());
}
