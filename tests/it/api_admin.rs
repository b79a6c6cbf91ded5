//! The management API's changes, against SQLite and PostgreSQL: user updates and deletion,
//! clients and bridges (create, read, list, merge-patch, delete, secrets shown once), every
//! operation's scope, and the OpenAPI document checked against the live routes.

use reqwest::Method;
use serde_json::{Value, json};
use tessera::model::{API_SCOPES, ApiKey};

use crate::api::{KEY, READ_ONLY, call, with_keys};
use crate::support::process::PgSchema;
use crate::support::{TestServer, WEB_SECRET, raw_token, signed_in};

async fn on_postgres() -> (PgSchema, TestServer) {
    let schema = PgSchema::create().await;
    let url = schema.url();
    (schema, TestServer::start_with(move |c| c.directory.url = url).await)
}

/// An API key holding every scope but `missing`.
async fn key_without(server: &TestServer, missing: &str) -> String {
    let token = format!("tsk_without_{}", missing.replace(':', "_"));
    let key = ApiKey {
        id: token.clone(),
        name: token.clone(),
        hash: tessera::crypto::sha256(token.as_bytes()),
        scopes: API_SCOPES.iter().filter(|s| **s != missing).map(|s| s.to_string()).collect(),
        created_at: 0,
        revoked_at: None,
    };
    server.state.directory.insert_api_key(&key).await.unwrap();
    token
}

/// Every (method, path, scope) the OpenAPI document declares; path parameters become `x`.
async fn documented(server: &TestServer) -> Vec<(Method, String, Option<String>)> {
    let doc: Value = reqwest::get(server.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "OpenAPI 3.1: {}", doc["openapi"]);
    let mut operations = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let scope = op["security"][0]["api_key"][0].as_str().map(str::to_owned);
            let concrete = path.split('/').map(|s| if s.starts_with('{') { "x" } else { s }).collect::<Vec<_>>();
            operations.push((method, concrete.join("/"), scope));
        }
    }
    operations
}

#[tokio::test]
async fn every_documented_operation_is_a_live_route_and_every_live_method_is_documented() {
    let server = TestServer::start().await;
    let operations = documented(&server).await;
    assert!(operations.len() >= 29, "users, devices, sessions, clients, bridges, links, events: {}", operations.len());
    for (method, path, _) in &operations {
        let (status, body) = call(&server, method.clone(), path, None, None).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("unauthenticated")), "{method} {path}");
    }
    let all = [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE];
    for (_, path, _) in &operations {
        for method in &all {
            if operations.iter().any(|(m, p, _)| m == method && p == path) {
                continue;
            }
            let status =
                reqwest::Client::new().request(method.clone(), server.url(path)).send().await.unwrap().status();
            assert_eq!(status, 405, "{method} {path} answers but is not documented");
        }
    }
    let server_routes = tessera::api::openapi();
    assert_eq!(
        server_routes.paths.paths.len(),
        operations.iter().map(|o| &o.1).collect::<std::collections::HashSet<_>>().len()
    );
}

async fn every_operation_needs_its_scope(server: TestServer) {
    let mut keys = std::collections::HashMap::new();
    for (method, path, scope) in documented(&server).await {
        let Some(scope) = scope else {
            assert_eq!(path, "/api/v1/app", "only app info is open to any key");
            continue;
        };
        assert!(API_SCOPES.contains(&scope.as_str()), "{scope}");
        if !keys.contains_key(&scope) {
            keys.insert(scope.clone(), key_without(&server, &scope).await);
        }
        let key = &keys[&scope];
        let (status, body) = call(&server, method.clone(), &path, Some(key), Some(json!({}))).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("insufficient_scope")), "{method} {path}");
        assert!(body["detail"].as_str().unwrap().contains(&scope), "{body}");
    }
}

#[tokio::test]
async fn every_operation_refuses_a_key_without_its_scope_on_sqlite() {
    every_operation_needs_its_scope(TestServer::start().await).await;
}

#[tokio::test]
async fn every_operation_refuses_a_key_without_its_scope_on_postgres() {
    let (_schema, server) = on_postgres().await;
    every_operation_needs_its_scope(server).await;
}

async fn user_changes(server: TestServer) {
    with_keys(&server).await;
    let api = |method: Method, path: String, body: Option<Value>| {
        let server = &server;
        async move { call(server, method, &path, Some(KEY), body).await }
    };
    let (status, ada) = api(
        Method::POST,
        "/api/v1/users".into(),
        Some(json!({"email": "ada@example.com", "metadata": {"plan": "pro"}})),
    )
    .await;
    assert_eq!((status, &ada["metadata"]), (201, &json!({"plan": "pro"})));
    let (_, bob) = api(Method::POST, "/api/v1/users".into(), Some(json!({"email": "bob@example.com"}))).await;
    let ada_path = format!("/api/v1/users/{}", ada["id"].as_str().unwrap());

    let (status, changed) =
        api(Method::PATCH, ada_path.clone(), Some(json!({"email": "ada@new.example", "phone": "+44 7911 123456"})))
            .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        changed["emails"],
        json!([{"value": "ada@new.example", "verified": false}]),
        "a new address is unproven"
    );
    assert_eq!(changed["phones"][0]["value"], "+447911123456");
    assert_eq!(changed["metadata"], json!({"plan": "pro"}), "absent members stay");
    let (status, same) = api(Method::PATCH, ada_path.clone(), Some(json!({"metadata": {"plan": "team"}}))).await;
    assert_eq!((status, &same["metadata"], &same["emails"]), (200, &json!({"plan": "team"}), &changed["emails"]));
    let (_, merged) = api(Method::PATCH, ada_path.clone(), Some(json!({"metadata": {"seats": 5}}))).await;
    assert_eq!(merged["metadata"], json!({"plan": "team", "seats": 5}), "metadata is merged (RFC 7396)");
    let (_, removed) = api(Method::PATCH, ada_path.clone(), Some(json!({"metadata": {"seats": null}}))).await;
    assert_eq!(removed["metadata"], json!({"plan": "team"}), "null removes a member");

    let (status, taken) = api(Method::PATCH, ada_path.clone(), Some(json!({"email": "bob@example.com"}))).await;
    assert_eq!((status, taken["code"].as_str()), (409, Some("identifier_taken")));
    for (patch, field) in [
        (json!({"email": "nope"}), "email:"),
        (json!({"phone": "12"}), "phone:"),
        (json!({"metadata": [1]}), "metadata:"),
        (json!({"nickname": "A"}), "nickname:"),
        (json!({"email": 7}), "email:"),
        (json!({"email": null, "phone": null}), "email:"),
    ] {
        let (status, bad) = api(Method::PATCH, ada_path.clone(), Some(patch.clone())).await;
        assert_eq!((status, bad["code"].as_str()), (400, Some("invalid_field")), "{patch}");
        assert!(bad["detail"].as_str().unwrap().starts_with(field), "{patch}: {bad}");
    }
    let (status, unchanged) = api(Method::GET, ada_path.clone(), None).await;
    assert_eq!((status, &unchanged["emails"]), (200, &changed["emails"]), "a refused change changes nothing");
    assert_eq!(unchanged["passkeys"], json!({"count": 0, "last_used_at": null}));
    server.state.flush_audit().await;
    let (_, unchanged) = api(Method::GET, ada_path.clone(), None).await;
    let actions: Vec<&str> =
        unchanged["recent_events"].as_array().unwrap().iter().filter_map(|e| e["detail"]["action"].as_str()).collect();
    assert!(actions.contains(&"user_updated") && actions.contains(&"user_created"), "{actions:?}");
    assert_eq!(api(Method::PATCH, "/api/v1/users/nobody".into(), Some(json!({}))).await.0, 404);

    let (status, found) = api(Method::GET, "/api/v1/users/lookup?identifier=%2B447911123456".into(), None).await;
    assert_eq!((status, &found["id"]), (200, &ada["id"]));
    assert_eq!(api(Method::GET, "/api/v1/users/lookup?identifier=who@example.com".into(), None).await.0, 404);
    assert_eq!(api(Method::GET, "/api/v1/users/lookup?identifier=%40".into(), None).await.0, 400);
    assert_eq!(api(Method::GET, "/api/v1/users/lookup".into(), None).await.0, 400);

    let (_, bob_off) =
        api(Method::POST, format!("/api/v1/users/{}/deactivate", bob["id"].as_str().unwrap()), None).await;
    assert_eq!(bob_off["status"], "deactivated");
    let (_, active) = api(Method::GET, "/api/v1/users?status=active".into(), None).await;
    let ids: Vec<&Value> = active["users"].as_array().unwrap().iter().map(|u| &u["id"]).collect();
    assert_eq!(ids, [&ada["id"]], "the status filter runs in the store");
    let now = server.clock.now();
    let (_, future) = api(Method::GET, format!("/api/v1/users?created_since={}", now + 1), None).await;
    assert_eq!(future["users"], json!([]));
    let (_, past) = api(Method::GET, format!("/api/v1/users?created_until={}", now + 1), None).await;
    assert_eq!(past["users"].as_array().unwrap().len(), 2);
    let (status, bad) = api(Method::GET, "/api/v1/users?created_since=yesterday".into(), None).await;
    assert_eq!(status, 400);
    assert!(bad["detail"].as_str().unwrap().starts_with("created_since:"), "{bad}");

    // Deleting ends the user's sessions and refresh tokens, then removes the account.
    let email = "ada@new.example";
    server
        .state
        .directory
        .set_identifier_verified(
            &tessera::model::UserId(ada["id"].as_str().unwrap().into()),
            &tessera::model::Identifier::Email(email.parse().unwrap()),
        )
        .await
        .unwrap();
    let (_, tokens) = signed_in(&server, &server.browser(), "web", &["openid", "offline_access"], email).await;
    let refresh = openidconnect::OAuth2TokenResponse::refresh_token(&tokens).unwrap().secret().clone();
    assert_eq!(call(&server, Method::DELETE, &ada_path, Some(READ_ONLY), None).await.0, 403);
    assert_eq!(api(Method::DELETE, ada_path.clone(), None).await.0, 204);
    assert_eq!(api(Method::GET, ada_path.clone(), None).await.0, 404);
    assert_eq!(api(Method::DELETE, ada_path.clone(), None).await.0, 404);
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())];
    assert_eq!(raw_token(&server, &form, Some(("web", WEB_SECRET))).await.0, 400, "the refresh token died");
    assert!(server.state.directory.user_by_email(&email.parse().unwrap()).await.unwrap().is_none());
}

#[tokio::test]
async fn users_are_changed_looked_up_filtered_and_deleted_through_the_api_on_sqlite() {
    user_changes(TestServer::start().await).await;
}

#[tokio::test]
async fn users_are_changed_looked_up_filtered_and_deleted_through_the_api_on_postgres() {
    let (_schema, server) = on_postgres().await;
    user_changes(server).await;
}

async fn clients_and_bridges(server: TestServer) {
    with_keys(&server).await;
    let api = |method: Method, path: &str, body: Option<Value>| {
        let (server, path) = (&server, path.to_string());
        async move { call(server, method, &path, Some(KEY), body).await }
    };
    let spec = json!({
        "id": "reports", "name": "Reports", "redirect_uris": ["https://reports.example/cb"],
        "token_endpoint_auth_method": "client_secret_basic", "client_credentials_scopes": ["reports:read"],
    });
    let (status, created) = api(Method::POST, "/api/v1/clients", Some(spec.clone())).await;
    assert_eq!((status, created["managed_by"].as_str()), (201, Some("api")), "{created}");
    let secret = created["client_secret"].as_str().unwrap().to_string();
    let grant = [("grant_type", "client_credentials"), ("scope", "reports:read")];
    assert_eq!(raw_token(&server, &grant, Some(("reports", &secret))).await.0, 200, "the shown secret works");

    assert_eq!(api(Method::POST, "/api/v1/clients", Some(spec.clone())).await.1["code"], "conflict");
    let web = json!({"id": "web", "redirect_uris": ["https://web.example/cb"]});
    assert_eq!(api(Method::POST, "/api/v1/clients", Some(web)).await.1["code"], "managed_by_config");
    for (body, field) in [
        (json!({"id": "x", "redirect_uris": ["https://x.example/cb#frag"]}), "redirect_uris"),
        (json!({"id": "x", "redirect_uris": ["https://x.example/cb"], "colour": "red"}), "colour"),
        (json!({"id": "x", "redirect_uris": "https://x.example/cb"}), "redirect_uris"),
        (json!({"id": "x", "redirect_uris": ["https://x.example/cb"], "secret": "mine"}), "secret"),
        (
            json!({"id": "x", "redirect_uris": ["https://x.example/cb"], "id_token_signed_response_alg": "HS256"}),
            "id_token_signed_response_alg",
        ),
    ] {
        let (status, bad) = api(Method::POST, "/api/v1/clients", Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {bad}");
        assert!(bad["detail"].as_str().unwrap().starts_with(field), "{body}: {bad}");
    }
    assert_eq!(api(Method::GET, "/api/v1/clients/x", None).await.0, 404, "a refused create stores nothing");

    let (status, got) = api(Method::GET, "/api/v1/clients/reports", None).await;
    assert_eq!((status, got.get("client_secret")), (200, None), "the secret is shown once");
    let (_, list) = api(Method::GET, "/api/v1/clients", None).await;
    let listed: Vec<(&str, &str)> = list["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c["managed_by"].as_str().unwrap()))
        .collect();
    assert!(listed.contains(&("web", "config")) && listed.contains(&("reports", "api")), "{listed:?}");

    let patch = json!({"name": "Monthly reports", "redirect_uris": ["https://reports.example/cb2"]});
    let (status, patched) = api(Method::PATCH, "/api/v1/clients/reports", Some(patch)).await;
    assert_eq!((status, &patched["name"], patched.get("client_secret")), (200, &json!("Monthly reports"), None));
    assert_eq!(raw_token(&server, &grant, Some(("reports", &secret))).await.0, 200, "the secret survives a patch");
    assert_eq!(api(Method::PATCH, "/api/v1/clients/reports", Some(json!({"id": "other"}))).await.0, 400);
    let (status, bad) = api(Method::PATCH, "/api/v1/clients/reports", Some(json!({"redirect_uris": []}))).await;
    assert_eq!(status, 400);
    assert!(bad["detail"].as_str().unwrap().starts_with("redirect_uris"), "{bad}");
    assert_eq!(api(Method::PATCH, "/api/v1/clients/web", Some(json!({"name": "W"}))).await.0, 409);
    assert_eq!(api(Method::PATCH, "/api/v1/clients/nobody", Some(json!({"name": "W"}))).await.0, 404);

    let (status, rotated) = api(Method::POST, "/api/v1/clients/reports/secret", None).await;
    let fresh = rotated["client_secret"].as_str().unwrap().to_string();
    assert_eq!(status, 200);
    assert_eq!(raw_token(&server, &grant, Some(("reports", &secret))).await.0, 401, "the old secret is gone");
    assert_eq!(raw_token(&server, &grant, Some(("reports", &fresh))).await.0, 200);
    let public = json!({"token_endpoint_auth_method": "none", "client_credentials_scopes": null});
    assert_eq!(api(Method::PATCH, "/api/v1/clients/reports", Some(public)).await.0, 200);
    assert_eq!(api(Method::POST, "/api/v1/clients/reports/secret", None).await.1["code"], "no_secret");

    assert_eq!(api(Method::DELETE, "/api/v1/clients/web", None).await.0, 409);
    assert_eq!(api(Method::DELETE, "/api/v1/clients/reports", None).await.0, 204);
    assert_eq!(api(Method::DELETE, "/api/v1/clients/reports", None).await.0, 404);
    assert_eq!(api(Method::GET, "/api/v1/clients/reports", None).await.0, 404);

    let (key, _) = crate::bridge::access_key();
    let bridge = json!({
        "id": "broker", "format": "authress", "return_urls": ["https://broker.example/done"],
        "audience": "acct-1.accounts.authress.io", "access_key": key,
    });
    let (status, made) = api(Method::POST, "/api/v1/bridges", Some(bridge.clone())).await;
    assert_eq!((status, &made["access_key_set"], made.get("access_key")), (201, &json!(true), None), "{made}");
    assert_eq!(api(Method::POST, "/api/v1/bridges", Some(bridge.clone())).await.0, 409);
    for (change, field) in [
        (json!({"audience": "web"}), "audience"),
        (json!({"return_urls": ["not a url"]}), "return_urls"),
        (json!({"access_key": "broken"}), "access_key"),
        (json!({"format": "saml"}), "format"),
    ] {
        let mut body = bridge.clone();
        merge(&mut body, &change);
        body["id"] = json!("other");
        let (status, bad) = api(Method::POST, "/api/v1/bridges", Some(body)).await;
        assert_eq!(status, 400, "{change}: {bad}");
        assert!(bad["detail"].as_str().unwrap().starts_with(field), "{change}: {bad}");
    }
    let (status, patched) = api(Method::PATCH, "/api/v1/bridges/broker", Some(json!({"name": "Broker"}))).await;
    assert_eq!((status, &patched["name"], &patched["access_key_set"]), (200, &json!("Broker"), &json!(true)));
    let stored = server.state.directory.bridge("broker").await.unwrap().unwrap();
    assert_eq!(stored.access_key.as_deref(), Some(key.as_str()), "an absent access_key keeps the current one");
    // Authress's SDK makes codes that live 60 seconds; so does an Authress bridge.
    let (status, bad) =
        api(Method::PATCH, "/api/v1/bridges/broker", Some(json!({"assertion_lifetime_secs": 120}))).await;
    assert_eq!(status, 400);
    assert!(bad["detail"].as_str().unwrap().starts_with("assertion_lifetime_secs"), "{bad}");
    assert_eq!(api(Method::GET, "/api/v1/bridges/broker", None).await.1["name"], "Broker");
    assert_eq!(api(Method::GET, "/api/v1/bridges/none", None).await.0, 404);
    assert_eq!(api(Method::GET, "/api/v1/bridges", None).await.1["bridges"][0]["id"], "broker");
    let audience = json!({"id": "acct-1.accounts.authress.io", "redirect_uris": ["https://broker.example/cb"]});
    let (status, bad) = api(Method::POST, "/api/v1/clients", Some(audience)).await;
    assert_eq!((status, bad["detail"].as_str().unwrap().starts_with("id:")), (400, true), "a bridge's audience: {bad}");

    let login = "/bridge/broker/login?state=s1&redirect_uri=https%3A%2F%2Fbroker.example%2Fdone";
    let browser = server.browser();
    let answer = browser.get(&server.url(login)).await;
    assert_eq!(answer.status().as_u16(), 303, "a registered bridge starts a sign-in");
    assert_eq!(api(Method::DELETE, "/api/v1/bridges/broker", None).await.0, 204);
    assert_eq!(api(Method::DELETE, "/api/v1/bridges/broker", None).await.0, 404);
    assert_eq!(browser.get(&server.url(login)).await.status().as_u16(), 400, "a deleted bridge is unknown");
}

/// RFC 7396 merge, for building test bodies.
pub(crate) fn merge(target: &mut Value, patch: &Value) {
    for (k, v) in patch.as_object().unwrap() {
        target[k] = v.clone();
    }
}

#[tokio::test]
async fn clients_and_bridges_are_registered_patched_and_deleted_through_the_api_on_sqlite() {
    clients_and_bridges(TestServer::start().await).await;
}

#[tokio::test]
async fn clients_and_bridges_are_registered_patched_and_deleted_through_the_api_on_postgres() {
    let (_schema, server) = on_postgres().await;
    clients_and_bridges(server).await;
}
