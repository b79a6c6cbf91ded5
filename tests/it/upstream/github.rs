//! GitHub, OAuth 2.0 without OpenID Connect, against a stand-in that checks GitHub's request
//! formats and answers in GitHub's: the token endpoint wants `Accept: application/json` and the
//! PKCE verifier, the REST API a bearer token and a User-Agent; addresses come with `verified`.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::Form;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tessera::config::UpstreamConfig;

use super::{PROVIDER, callback, to_upstream};
use crate::support::TestServer;
use crate::support::browser::{Browser, param};

const EMAIL: &str = "octo@example.com";

/// GitHub's web and API addresses on one loopback port; `verified` is what `/user/emails`
/// says of the primary address; `seen` the token request's form.
struct GitHub {
    base: String,
    seen: Arc<Mutex<Option<Value>>>,
}

fn api_allowed(headers: &HeaderMap) -> bool {
    headers.get("authorization").is_some_and(|v| v == "Bearer gho_token") && headers.contains_key("user-agent")
}

async fn github(verified: bool) -> GitHub {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let seen: Arc<Mutex<Option<Value>>> = Arc::default();
    let recorded = seen.clone();
    let token = move |headers: HeaderMap, Form(form): Form<std::collections::HashMap<String, String>>| async move {
        *recorded.lock().unwrap() = Some(json!(form));
        if headers.get("accept").is_none_or(|a| a != "application/json") {
            // GitHub's default answer is form-encoded; a client that forgets Accept cannot read it.
            return "access_token=gho_token&token_type=bearer".into_response();
        }
        if form.get("code").map(String::as_str) != Some("gh-code") || !form.contains_key("code_verifier") {
            return Json(json!({"error": "bad_verification_code"})).into_response();
        }
        Json(json!({"access_token": "gho_token", "token_type": "bearer", "scope": "read:user,user:email"}))
            .into_response()
    };
    let user = |headers: HeaderMap| async move {
        if !api_allowed(&headers) {
            return (StatusCode::FORBIDDEN, Json(json!({"message": "Bad credentials"}))).into_response();
        }
        Json(json!({"id": 4242, "login": "octo", "name": "Octo Cat"})).into_response()
    };
    let emails = move |headers: HeaderMap| async move {
        if !api_allowed(&headers) {
            return (StatusCode::FORBIDDEN, Json(json!({"message": "Bad credentials"}))).into_response();
        }
        let list = json!([{"email": "old@example.com", "primary": false, "verified": false, "visibility": null},
                          {"email": EMAIL, "primary": true, "verified": verified, "visibility": "private"}]);
        Json(list).into_response() as Response
    };
    let app = axum::Router::new()
        .route("/login/oauth/access_token", post(token))
        .route("/user", get(user))
        .route("/user/emails", get(emails));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    GitHub { base, seen }
}

async fn server(github: &GitHub) -> TestServer {
    let config = UpstreamConfig {
        kind: "github".into(),
        issuer: github.base.clone(),
        api_url: Some(github.base.clone()),
        ..super::upstream("", true)
    };
    TestServer::start_with(move |c| c.upstreams = vec![config]).await
}

#[tokio::test]
async fn github_signs_in_by_its_user_id_and_a_verified_primary_address() {
    let github = github(true).await;
    let server = server(&github).await;
    let browser = server.browser();
    let (_, url) = to_upstream(&server, &browser).await;
    assert!(url.as_str().starts_with(&format!("{}/login/oauth/authorize?", github.base)), "{url}");
    assert_eq!(param(&url, "scope").as_deref(), Some("read:user user:email"));
    assert_eq!(param(&url, "code_challenge_method").as_deref(), Some("S256"));
    let state = param(&url, "state").unwrap();
    let response = callback(&browser, &[("state", &state), ("code", "gh-code")]).await;
    assert!(Browser::location(&response).starts_with("/authorize/resume/"), "signed in");
    let seen = github.seen.lock().unwrap().clone().unwrap();
    assert_eq!(seen["client_id"], "down");
    assert_eq!(seen["client_secret"], super::DOWN_SECRET);
    let linked = server.state.directory.identity(PROVIDER, "4242").await.unwrap().expect("linked by GitHub's id");
    assert_eq!(linked.email.as_deref(), Some(EMAIL));
}

#[tokio::test]
async fn an_unverified_github_address_never_links_to_its_owner() {
    let github = github(false).await;
    let server = server(&github).await;
    server.state.directory.create_user_with_email(&EMAIL.parse().unwrap(), server.clock.now()).await.unwrap();
    let browser = server.browser();
    let (page, url) = to_upstream(&server, &browser).await;
    let state = param(&url, "state").unwrap();
    let response = callback(&browser, &[("state", &state), ("code", "gh-code")]).await;
    assert_eq!(Browser::location(&response), format!("/login/{}?e=upstream_link", page.id));
    assert_eq!(server.state.directory.identity(PROVIDER, "4242").await.unwrap(), None);
}
