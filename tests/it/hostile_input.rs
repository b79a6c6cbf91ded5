//! Malformed and ambiguous input at the boundary: each is refused with a clear error and
//! changes nothing.

use reqwest::Method;
use serde_json::json;

use crate::api::{KEY, call, with_keys};
use crate::support::{TestServer, client};

#[tokio::test]
async fn redirect_uris_with_cr_lf_or_tab_are_refused_at_registration() {
    let server = TestServer::start().await;
    with_keys(&server).await;
    for uri in ["https://x.example/c\rb", "https://x.example/c\nb", "https://x.example/\tcb"] {
        let body = json!({"id": "x", "redirect_uris": [uri]});
        let (status, problem) = call(&server, Method::POST, "/api/v1/clients", Some(KEY), Some(body)).await;
        assert_eq!(status, 400, "{uri:?}: {problem}");
        assert!(problem["detail"].as_str().unwrap().starts_with("redirect_uris"), "{problem}");
    }
    assert_eq!(call(&server, Method::GET, "/api/v1/clients/x", Some(KEY), None).await.0, 404);
}

#[tokio::test]
async fn passwordless_start_refuses_duplicate_json_members() {
    const SECRET: &str = "app-secret-0123456789abcdef";
    let server = TestServer::start_with(|c| {
        let mut app = client("app", Some(SECRET), "client_secret_basic", "ES256", &c.issuer);
        app.passwordless = true;
        c.clients.push(app);
    })
    .await;
    let body = r#"{"connection":"email","email":"ada@example.com","email":"eve@example.com"}"#;
    let response = reqwest::Client::new()
        .post(server.url("/passwordless/start"))
        .basic_auth("app", Some(SECRET))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["error"], "invalid_request", "{problem}");
    assert!(problem["error_description"].as_str().unwrap().contains("email"), "{problem}");
}

#[tokio::test]
async fn the_bearer_scheme_is_matched_case_insensitively() {
    let server = TestServer::start().await;
    with_keys(&server).await;
    // RFC 9110 §11.1: the auth-scheme is a case-insensitive token (RFC 6750 §2.1 uses it).
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let response = reqwest::Client::new()
            .get(server.url("/api/v1/app"))
            .header("authorization", format!("{scheme} {KEY}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{scheme}");
    }
}

#[tokio::test]
async fn email_addresses_differing_only_in_case_are_one_account() {
    let server = TestServer::start().await;
    with_keys(&server).await;
    let create =
        |email: &'static str| call(&server, Method::POST, "/api/v1/users", Some(KEY), Some(json!({"email": email})));
    let (status, casey) = create("Casey@Example.com").await;
    assert_eq!((status, casey["emails"][0]["value"].as_str()), (201, Some("casey@example.com")), "{casey}");
    let (status, again) = create("casey@example.com").await;
    assert_eq!((status, again["code"].as_str()), (409, Some("identifier_taken")), "{again}");
}
