//! The management API against SQLite and PostgreSQL: API-key authentication
//! and scopes, RFC 7807 problems with stable codes, users (create, get, list, deactivate,
//! activate), app info, audit events, sessions, passkeys, tickets and magic links.

use reqwest::Method;
use serde_json::{Value, json};
use tessera::model::ApiKey;

use crate::support::process::PgSchema;
use crate::support::{TestServer, signed_in};

pub(crate) const KEY: &str = "tsk_test_0123456789abcdef0123456789abcdef";
pub(crate) const READ_ONLY: &str = "tsk_read_0123456789abcdef0123456789abcdef";

pub(crate) async fn with_keys(server: &TestServer) {
    for (id, token, scopes) in [("k1", KEY, tessera::model::API_SCOPES.to_vec()), ("k2", READ_ONLY, vec!["users:read"])]
    {
        let key = ApiKey {
            id: id.into(),
            name: id.into(),
            hash: tessera::crypto::sha256(token.as_bytes()),
            scopes: scopes.into_iter().map(str::to_owned).collect(),
            created_at: 0,
            revoked_at: None,
        };
        server.state.directory.insert_api_key(&key).await.unwrap();
    }
}

pub(crate) async fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, server.url(path));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    if status >= 400 {
        assert_eq!(response.headers()["content-type"], "application/problem+json", "{path}");
    }
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn users_api(server: TestServer) {
    with_keys(&server).await;
    assert_eq!(call(&server, Method::GET, "/api/v1/app", None, None).await.1["code"], "unauthenticated");
    assert_eq!(call(&server, Method::GET, "/api/v1/app", Some("tsk_wrong"), None).await.0, 401);
    let (status, app) = call(&server, Method::GET, "/api/v1/app", Some(READ_ONLY), None).await;
    assert_eq!((status, app["issuer"].as_str()), (200, Some(server.state.issuer())));
    assert!(app["methods"].as_array().unwrap().contains(&json!("email_code")));

    let create = |body: Value, key: &'static str| call(&server, Method::POST, "/api/v1/users", Some(key), Some(body));
    assert_eq!(create(json!({"email": "ada@example.com"}), READ_ONLY).await.1["code"], "insufficient_scope");
    let (status, ada) = create(json!({"email": "ada@example.com"}), KEY).await;
    assert_eq!(status, 201, "{ada}");
    assert_eq!(ada["emails"][0], json!({"value": "ada@example.com", "verified": true}));
    let (status, conflict) = create(json!({"email": "ada@example.com"}), KEY).await;
    assert_eq!((status, conflict["code"].as_str()), (409, Some("identifier_taken")));
    let (status, bad) = create(json!({"email": "not-an-address"}), KEY).await;
    assert_eq!((status, bad["code"].as_str()), (400, Some("invalid_field")));
    assert!(bad["detail"].as_str().unwrap().starts_with("email:"), "the field is named: {bad}");
    assert_eq!(create(json!({"phone": "+44 7911 123456"}), KEY).await.0, 201);

    let id = ada["id"].as_str().unwrap().to_string();
    let (status, got) = call(&server, Method::GET, &format!("/api/v1/users/{id}"), Some(READ_ONLY), None).await;
    assert_eq!((status, &got["id"], &got["emails"]), (200, &ada["id"], &ada["emails"]));
    assert_eq!(call(&server, Method::GET, "/api/v1/users/nobody", Some(READ_ONLY), None).await.0, 404);
    let (_, page) = call(&server, Method::GET, "/api/v1/users?limit=1", Some(READ_ONLY), None).await;
    let next = page["next"].as_str().unwrap().to_string();
    let (_, rest) =
        call(&server, Method::GET, &format!("/api/v1/users?limit=1&after={next}"), Some(READ_ONLY), None).await;
    assert_ne!(page["users"][0]["id"], rest["users"][0]["id"], "the cursor moves on");
    let (_, found) =
        call(&server, Method::GET, "/api/v1/users?identifier=ada@example.com", Some(READ_ONLY), None).await;
    assert_eq!(found["users"][0]["id"], id.as_str());
    assert_eq!(call(&server, Method::GET, "/api/v1/users?status=gone", Some(READ_ONLY), None).await.0, 400);
    assert_eq!(call(&server, Method::GET, "/api/v1/users?limit=0", Some(READ_ONLY), None).await.0, 400);

    server.state.flush_audit().await;
    let (status, events) = call(&server, Method::GET, &format!("/api/v1/events?user_id={id}"), Some(KEY), None).await;
    assert_eq!(status, 200);
    assert_eq!(events["events"][0]["detail"]["action"], "user_created", "{events}");
    let (status, bad) = call(&server, Method::GET, "/api/v1/events?since=soon", Some(KEY), None).await;
    assert_eq!((status, bad["detail"].as_str().unwrap().starts_with("since:")), (400, true), "{bad}");
    let (status, bad) = call(&server, Method::GET, "/api/v1/events?colour=red", Some(KEY), None).await;
    assert_eq!((status, bad["detail"].as_str().unwrap().starts_with("colour:")), (400, true), "{bad}");
}

#[tokio::test]
async fn the_users_api_on_sqlite_authenticates_scopes_validates_and_pages() {
    users_api(TestServer::start().await).await;
}

#[tokio::test]
async fn the_users_api_on_postgres_authenticates_scopes_validates_and_pages() {
    let schema = PgSchema::create().await;
    let url = schema.url();
    users_api(TestServer::start_with(move |c| c.directory.url = url).await).await;
}

#[tokio::test]
async fn deactivating_through_the_api_ends_sessions_and_refresh_tokens_and_is_audited() {
    let server = TestServer::start().await;
    with_keys(&server).await;
    let email = "leaver@example.com";
    let (_, tokens) = signed_in(&server, &server.browser(), "web", &["openid", "offline_access"], email).await;
    let refresh = openidconnect::OAuth2TokenResponse::refresh_token(&tokens).unwrap().secret().clone();
    let user = server.state.directory.user_by_email(&email.parse().unwrap()).await.unwrap().unwrap();

    assert_eq!(
        call(&server, Method::POST, &format!("/api/v1/users/{}/deactivate", user.id.0), Some(READ_ONLY), None).await.0,
        403
    );
    let (status, body) =
        call(&server, Method::POST, &format!("/api/v1/users/{}/deactivate", user.id.0), Some(KEY), None).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("deactivated")));
    assert!(server.state.directory.sessions_of_user(&user.id, server.clock.now()).await.unwrap().is_empty());
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())];
    let (status, _, _) = crate::support::raw_token(&server, &form, Some(("web", crate::support::WEB_SECRET))).await;
    assert_eq!(status, 400, "the refresh token died with the account");
    assert_eq!(call(&server, Method::POST, "/api/v1/users/nobody/activate", Some(KEY), None).await.0, 404);
    let (_, body) =
        call(&server, Method::POST, &format!("/api/v1/users/{}/activate", user.id.0), Some(KEY), None).await;
    assert_eq!(body["status"], "active");

    server.state.flush_audit().await;
    let path = format!("/api/v1/events?user_id={}&kind=admin", user.id.0);
    let (status, events) = call(&server, Method::GET, &path, Some(KEY), None).await;
    assert_eq!(status, 200);
    let mut actions: Vec<&str> =
        events["events"].as_array().unwrap().iter().map(|e| e["detail"]["action"].as_str().unwrap()).collect();
    // Both happened in the same second of the test clock: compare as a set.
    actions.sort();
    assert_eq!(actions, ["user_activated", "user_deactivated"]);
    assert_eq!(call(&server, Method::GET, "/api/v1/events", Some(READ_ONLY), None).await.0, 403);
}

async fn sessions_and_passkeys(server: TestServer) {
    with_keys(&server).await;
    let email = "grace@example.com";
    signed_in(&server, &server.browser(), "web", &["openid"], email).await;
    signed_in(&server, &server.browser(), "web", &["openid"], email).await;
    let user = server.state.directory.user_by_email(&email.parse().unwrap()).await.unwrap().unwrap();
    let base = format!("/api/v1/users/{}", user.id.0);
    let (_, listed) = call(&server, Method::GET, &format!("{base}/sessions"), Some(READ_ONLY), None).await;
    let sessions = listed["sessions"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2);
    let one = sessions[0]["id"].as_str().unwrap();
    assert_eq!(call(&server, Method::DELETE, &format!("/api/v1/sessions/{one}"), Some(READ_ONLY), None).await.0, 403);
    assert_eq!(call(&server, Method::DELETE, &format!("/api/v1/sessions/{one}"), Some(KEY), None).await.0, 204);
    assert_eq!(call(&server, Method::DELETE, &format!("/api/v1/sessions/{one}"), Some(KEY), None).await.0, 404);
    let (status, ended) = call(&server, Method::DELETE, &format!("{base}/sessions"), Some(KEY), None).await;
    assert_eq!((status, ended["sessions_ended"].as_u64()), (200, Some(1)));

    let consent = tessera::model::Consent { client_id: "web".into(), scopes: vec!["openid".into()], granted_at: 7 };
    server.state.directory.grant_consent(&user.id, &consent).await.unwrap();
    let (status, listed) = call(&server, Method::GET, &format!("{base}/consents"), Some(READ_ONLY), None).await;
    assert_eq!((status, &listed["consents"][0]["client_id"]), (200, &json!("web")));
    let path = format!("{base}/consents/web");
    assert_eq!(call(&server, Method::DELETE, &path, Some(READ_ONLY), None).await.0, 403);
    assert_eq!(call(&server, Method::DELETE, &path, Some(KEY), None).await.0, 204);
    assert_eq!(call(&server, Method::DELETE, &path, Some(KEY), None).await.0, 404, "taken back once");
    assert!(server.state.directory.consent(&user.id, "web").await.unwrap().is_none());

    let passkey = tessera::model::StoredPasskey {
        cred_id: "cred-api".into(),
        user_id: user.id.clone(),
        name: "Phone".into(),
        passkey: "{}".into(),
        backup_eligible: true,
        backup_state: true,
        created_at: 0,
        last_used_at: None,
    };
    server.state.directory.insert_passkey(&passkey).await.unwrap();
    let (_, listed) = call(&server, Method::GET, &format!("{base}/passkeys"), Some(READ_ONLY), None).await;
    assert_eq!(listed["passkeys"][0]["name"], "Phone");
    let path = format!("{base}/passkeys/cred-api");
    let (status, bad) = call(&server, Method::PATCH, &path, Some(KEY), Some(json!({"name": " "}))).await;
    assert_eq!((status, bad["detail"].as_str().unwrap().starts_with("name:")), (400, true), "{bad}");
    let (status, bad) = call(&server, Method::PATCH, &path, Some(KEY), Some(json!({"name": 5}))).await;
    assert_eq!((status, bad["detail"].as_str().unwrap().starts_with("name:")), (400, true), "{bad}");
    assert_eq!(call(&server, Method::GET, "/api/v1/users/nobody/passkeys", Some(KEY), None).await.0, 404);
    assert_eq!(call(&server, Method::GET, "/api/v1/users/nobody/sessions", Some(KEY), None).await.0, 404);
    let (status, renamed) = call(&server, Method::PATCH, &path, Some(KEY), Some(json!({"name": "Work phone"}))).await;
    assert_eq!((status, renamed["name"].as_str()), (200, Some("Work phone")));
    assert_eq!(call(&server, Method::DELETE, &path, Some(KEY), None).await.0, 204);
    assert_eq!(call(&server, Method::DELETE, &path, Some(KEY), None).await.0, 404);
}

#[tokio::test]
async fn sessions_and_passkeys_of_a_user_are_listed_and_ended_or_renamed_through_the_api_on_sqlite() {
    sessions_and_passkeys(TestServer::start().await).await;
}

#[tokio::test]
async fn sessions_and_passkeys_of_a_user_are_listed_and_ended_or_renamed_through_the_api_on_postgres() {
    let schema = PgSchema::create().await;
    let url = schema.url();
    sessions_and_passkeys(TestServer::start_with(move |c| c.directory.url = url).await).await;
}

async fn tickets_and_links(server: TestServer) {
    with_keys(&server).await;
    let (_, ada) =
        call(&server, Method::POST, "/api/v1/users", Some(KEY), Some(json!({"email": "ada@example.com"}))).await;
    let id = ada["id"].as_str().unwrap();

    let (status, ticket) =
        call(&server, Method::POST, "/api/v1/passkey-tickets", Some(KEY), Some(json!({"user_id": id}))).await;
    assert_eq!(status, 201, "{ticket}");
    let url = ticket["url"].as_str().unwrap().strip_prefix(&server.base).unwrap().to_string();
    assert_eq!(reqwest::get(server.url(&url)).await.unwrap().status(), 200, "the ticket page opens");
    let too_long = json!({"user_id": id, "ttl": 99999});
    let (status, bad) = call(&server, Method::POST, "/api/v1/passkey-tickets", Some(KEY), Some(too_long)).await;
    assert_eq!(status, 400, "{bad}");
    let no_user = json!({"ttl": 60});
    let (status, bad) = call(&server, Method::POST, "/api/v1/passkey-tickets", Some(KEY), Some(no_user)).await;
    assert_eq!((status, bad["detail"].as_str().unwrap().contains("user_id")), (400, true), "{bad}");
    assert_eq!(
        call(&server, Method::POST, "/api/v1/passkey-tickets", Some(KEY), Some(json!({"user_id": "nobody"}))).await.0,
        404
    );
    assert_eq!(
        call(&server, Method::POST, "/api/v1/passkey-tickets", Some(READ_ONLY), Some(json!({"user_id": id}))).await.0,
        403
    );

    let redirect = server.redirect_uri("web");
    let link = json!({"email": "ada@example.com", "client_id": "web", "redirect_uri": redirect});
    let (status, made) = call(&server, Method::POST, "/api/v1/magic-links", Some(KEY), Some(link)).await;
    assert_eq!(status, 201, "{made}");
    let path = made["url"].as_str().unwrap().strip_prefix(&server.base).unwrap().to_string();
    assert_eq!(reqwest::get(server.url(&path)).await.unwrap().status(), 200);
    let evil = json!({"email": "ada@example.com", "client_id": "web", "redirect_uri": "https://evil.example/cb"});
    let (status, bad) = call(&server, Method::POST, "/api/v1/magic-links", Some(KEY), Some(evil)).await;
    assert_eq!((status, bad["detail"].as_str().unwrap().starts_with("redirect_uri:")), (400, true), "{bad}");
    let unknown =
        json!({"email": "who@example.com", "client_id": "web", "redirect_uri": redirect, "type": "verify_identifier"});
    assert_eq!(call(&server, Method::POST, "/api/v1/magic-links", Some(KEY), Some(unknown)).await.0, 404);
    let sent = json!({"user_id": id, "client_id": "web", "redirect_uri": redirect, "send": true, "ttl": 1800});
    assert_eq!(call(&server, Method::POST, "/api/v1/magic-links", Some(KEY), Some(sent)).await.0, 202);
    let mail = server.smtp.nth_to("ada@example.com", 1).await;
    let text = mail.data.replace("=\r\n", "");
    assert!(text.contains("/magic/"), "the link was emailed");
    assert!(text.contains("It expires in 30 minutes"), "the email says the link's own lifetime");
}

#[tokio::test]
async fn passkey_tickets_and_magic_links_are_minted_or_sent_through_the_api_on_sqlite() {
    tickets_and_links(TestServer::start().await).await;
}

#[tokio::test]
async fn passkey_tickets_and_magic_links_are_minted_or_sent_through_the_api_on_postgres() {
    let schema = PgSchema::create().await;
    let url = schema.url();
    tickets_and_links(TestServer::start_with(move |c| c.directory.url = url).await).await;
}
