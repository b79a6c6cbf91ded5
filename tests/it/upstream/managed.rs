//! Upstreams registered through the management API, on SQLite and PostgreSQL: the scopes, the
//! file's checks (a malformed issuer, an unknown kind, Apple's key), secrets that never come
//! back, the file's upstreams read-only, and bad input that changes nothing.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use serde_json::{Value, json};
use tessera::model::ApiKey;

use crate::api::{KEY, READ_ONLY, call, with_keys};
use crate::support::TestServer;
use crate::support::process::PgSchema;

const SECRET: &str = "corp-secret-never-shown";
const READER: &str = "tsk_upstreams_reader_0123456789abcdef";

async fn reader_key(server: &TestServer) {
    let key = ApiKey {
        id: "reader".into(),
        name: "reader".into(),
        hash: tessera::crypto::sha256(READER.as_bytes()),
        scopes: vec!["upstreams:read".into()],
        created_at: 0,
        revoked_at: None,
    };
    server.state.directory.insert_api_key(&key).await.unwrap();
}

fn corp() -> Value {
    json!({"id": "corp", "kind": "oidc", "name": "Corp SSO", "issuer": "https://sso.corp.example",
        "client_id": "tessera", "client_secret": SECRET, "trust_verified_email": true})
}

/// A Sign in with Apple key as Apple hands it out (PKCS#8 P-256, PEM).
fn apple_pem() -> String {
    let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let der = STANDARD.encode(key.to_pkcs8v1().unwrap().as_ref());
    format!("-----BEGIN PRIVATE KEY-----\n{der}\n-----END PRIVATE KEY-----\n")
}

fn with(mut body: Value, patch: Value) -> Value {
    crate::api_admin::merge(&mut body, &patch);
    body
}

async fn upstreams_api(server: TestServer) {
    with_keys(&server).await;
    reader_key(&server).await;
    let api = |method: Method, path: &'static str, key: &'static str, body: Option<Value>| {
        call(&server, method, path, Some(key), body)
    };
    let (status, refused) = api(Method::POST, "/api/v1/upstreams", READER, Some(corp())).await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("insufficient_scope")), "upstreams:write is needed");
    assert!(server.state.directory.upstream("corp").await.unwrap().is_none(), "a refused key changes nothing");
    assert_eq!(api(Method::GET, "/api/v1/upstreams", READ_ONLY, None).await.0, 403, "upstreams:read is needed");

    let (status, made) = api(Method::POST, "/api/v1/upstreams", KEY, Some(corp())).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!((made["client_secret_set"].as_bool(), made["managed_by"].as_str()), (Some(true), Some("api")));
    assert!(made.get("client_secret").is_none() && !made.to_string().contains(SECRET), "write-only: {made}");
    assert_eq!(api(Method::POST, "/api/v1/upstreams", KEY, Some(corp())).await.1["code"], "conflict");

    for (field, patch) in [
        ("issuer", json!({"issuer": "sso.corp.example"})),
        ("issuer", json!({"issuer": "https://sso.corp.example?tenant=1"})),
        ("kind", json!({"kind": "saml"})),
        ("client_id", json!({"client_id": " "})),
        ("id", json!({"id": "a/b"})),
        ("private_key_file", json!({"private_key_file": "/etc/tessera/AuthKey.p8"})),
        ("team_id", json!({"kind": "apple", "client_secret": null})),
        ("private_key", json!({"kind": "apple", "team_id": "T1", "key_id": "K1", "private_key": "not a key"})),
    ] {
        let body = with(with(corp(), json!({"id": "other", "client_secret": null})), patch);
        let (status, bad) = api(Method::POST, "/api/v1/upstreams", KEY, Some(body)).await;
        assert_eq!((status, bad["code"].as_str()), (400, Some("invalid_field")), "{field}: {bad}");
        assert!(bad["detail"].as_str().unwrap().starts_with(&format!("{field}:")), "the field is named: {bad}");
    }
    assert!(server.state.directory.upstream("other").await.unwrap().is_none(), "nothing stored");

    let pem = apple_pem();
    let apple = json!({"id": "apple", "kind": "apple", "client_id": "com.example.signin", "team_id": "TEAM123456",
        "key_id": "KEY1234567", "private_key": pem});
    let (status, made) = api(Method::POST, "/api/v1/upstreams", KEY, Some(apple)).await;
    assert_eq!((status, made["private_key_set"].as_bool()), (201, Some(true)), "{made}");
    assert!(!made.to_string().contains("PRIVATE KEY"), "the key never comes back");

    let (status, list) = api(Method::GET, "/api/v1/upstreams", READER, None).await;
    let ids: Vec<(&str, &str)> = list["upstreams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["id"].as_str().unwrap(), u["managed_by"].as_str().unwrap()))
        .collect();
    assert_eq!((status, ids), (200, vec![("idp", "config"), ("apple", "api"), ("corp", "api")]));
    let text = list.to_string();
    assert!(!text.contains(SECRET) && !text.contains("PRIVATE KEY") && !text.contains(super::DOWN_SECRET), "{text}");
    let (_, one) = api(Method::GET, "/api/v1/upstreams/idp", READER, None).await;
    assert_eq!((one["managed_by"].as_str(), one["client_secret_set"].as_bool()), (Some("config"), Some(true)));
    assert!(one.get("client_secret").is_none());

    let (status, patched) = api(Method::PATCH, "/api/v1/upstreams/corp", KEY, Some(json!({"name": "Corp"}))).await;
    assert_eq!(
        (status, patched["name"].as_str(), patched["client_secret_set"].as_bool()),
        (200, Some("Corp"), Some(true))
    );
    let stored = server.state.directory.upstream("corp").await.unwrap().unwrap();
    assert_eq!(stored.client_secret.as_deref(), Some(SECRET), "an absent secret keeps the stored one");
    let bad =
        api(Method::PATCH, "/api/v1/upstreams/corp", KEY, Some(json!({"issuer": "ftp://sso.corp.example"}))).await;
    assert_eq!(bad.0, 400);
    let again = server.state.directory.upstream("corp").await.unwrap().unwrap();
    assert_eq!((again.issuer.as_str(), again.name.as_deref()), ("https://sso.corp.example", Some("Corp")), "unchanged");
    assert_eq!(api(Method::PATCH, "/api/v1/upstreams/corp", KEY, Some(json!({"id": "x"}))).await.0, 400);
    let (_, public) = api(Method::PATCH, "/api/v1/upstreams/corp", KEY, Some(json!({"client_secret": null}))).await;
    assert_eq!(public["client_secret_set"].as_bool(), Some(false), "null removes the secret");
    assert_eq!(api(Method::PATCH, "/api/v1/upstreams/corp", READER, Some(json!({"name": "X"}))).await.0, 403);

    for (method, body) in [(Method::PATCH, Some(json!({"name": "Mine"}))), (Method::DELETE, None)] {
        let (status, owned) = api(method, "/api/v1/upstreams/idp", KEY, body).await;
        assert_eq!((status, owned["code"].as_str()), (409, Some("managed_by_config")), "the file's is read-only");
    }
    let (status, owned) = api(Method::POST, "/api/v1/upstreams", KEY, Some(with(corp(), json!({"id": "idp"})))).await;
    assert_eq!((status, owned["code"].as_str()), (409, Some("managed_by_config")), "its id is the file's");

    assert_eq!(api(Method::DELETE, "/api/v1/upstreams/corp", READER, None).await.0, 403);
    assert_eq!(api(Method::DELETE, "/api/v1/upstreams/corp", KEY, None).await.0, 204);
    assert_eq!(api(Method::DELETE, "/api/v1/upstreams/corp", KEY, None).await.0, 404);
    assert_eq!(api(Method::GET, "/api/v1/upstreams/corp", READER, None).await.0, 404);
}

fn with_file_upstream(c: &mut tessera::config::Config) {
    c.upstreams = vec![super::upstream("https://idp.example", true)];
}

#[tokio::test]
async fn upstreams_are_registered_patched_and_deleted_through_the_api_with_secrets_write_only_on_sqlite() {
    upstreams_api(TestServer::start_with(with_file_upstream).await).await;
}

#[tokio::test]
async fn upstreams_are_registered_patched_and_deleted_through_the_api_with_secrets_write_only_on_postgres() {
    let schema = PgSchema::create().await;
    let url = schema.url();
    let server = TestServer::start_with(move |c| {
        with_file_upstream(c);
        c.directory.url = url;
    })
    .await;
    upstreams_api(server).await;
}

#[tokio::test]
async fn an_upstream_deleted_while_the_person_is_there_ends_on_the_choice_page() {
    let standin = super::standin::StandIn::start().await;
    let server = TestServer::start().await;
    with_keys(&server).await;
    let registration = serde_json::to_value(super::upstream(&standin.issuer, true)).unwrap();
    assert_eq!(call(&server, Method::POST, "/api/v1/upstreams", Some(KEY), Some(registration)).await.0, 201);
    let browser = server.browser();
    let (page, url) = super::to_upstream(&server, &browser).await;
    let (state, nonce) = super::state_and_nonce(&url);
    standin.answer_with(standin.sign(&standin.claims(&nonce, "u-1", "ada@example.com", true)));
    let path = format!("/api/v1/upstreams/{}", super::PROVIDER);
    assert_eq!(call(&server, Method::DELETE, &path, Some(KEY), None).await.0, 204);
    let response = super::callback(&browser, &[("state", &state), ("code", "c1")]).await;
    let back = crate::support::browser::Browser::location(&response);
    assert_eq!(back, format!("/login/{}?e=upstream_unreachable", page.id), "the choice page, saying so");
    let html = browser.get(&back).await.text().await.unwrap();
    assert!(!html.contains("Continue with Upstream ID"), "and no longer offered");
    assert_eq!(server.state.directory.identity(super::PROVIDER, "u-1").await.unwrap(), None, "nothing linked");
}
