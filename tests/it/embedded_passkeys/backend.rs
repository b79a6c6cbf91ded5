//! The backend's calls through `@passwordlessdev/passwordless-nodejs`: tokens single use, bound
//! to their application and short-lived; secrets checked; aliases owned once and kept hashed.

use serde_json::json;

use super::{BLOG_SECRET, SHOP_SECRET, api, raw, server, shop};

#[tokio::test]
async fn a_verify_token_is_accepted_once_and_only_by_its_applications_secret() {
    let server = server("http://localhost:1", |_| {}).await;
    let backend = shop(&server);
    let made = backend.call("generateAuthenticationToken", json!([{"userId": "user-42"}])).await.unwrap();
    let token = made["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("verify_"), "Passwordless.dev's token shape: {token}");

    // Another application's secret: refused, and the token is not spent by it.
    let blog = backend.with_secret(BLOG_SECRET);
    assert_eq!(blog.call("verifyToken", json!([token])).await.unwrap(), json!(null));
    let (status, problem) = raw(&server, BLOG_SECRET, "/signin/verify", json!({"token": token})).await;
    assert_eq!((status, problem["errorCode"].as_str()), (400, Some("invalid_token")));

    let verified = backend.call("verifyToken", json!([token])).await.unwrap();
    assert_eq!(verified["success"], true);
    assert_eq!(verified["userId"], "user-42");
    assert_eq!(verified["type"], "generated_signin");
    assert_eq!(verified["rpId"], "localhost");

    // Replayed: refused.
    assert_eq!(backend.call("verifyToken", json!([token])).await.unwrap(), json!(null));
    let (status, problem) = raw(&server, SHOP_SECRET, "/signin/verify", json!({"token": token})).await;
    assert_eq!((status, problem["errorCode"].as_str()), (400, Some("invalid_token")));
}

#[tokio::test]
async fn an_expired_verify_token_is_refused_as_expired() {
    let server = server("http://localhost:1", |_| {}).await;
    let backend = shop(&server);
    let made = backend.call("generateAuthenticationToken", json!([{"userId": "user-42", "timeToLive": 60}])).await;
    let token = made.unwrap()["token"].as_str().unwrap().to_string();
    server.clock.advance(61);
    assert_eq!(backend.call("verifyToken", json!([token])).await.unwrap(), json!(null));
    let (status, problem) = raw(&server, SHOP_SECRET, "/signin/verify", json!({"token": token})).await;
    assert_eq!((status, problem["errorCode"].as_str()), (403, Some("expired_token")));
}

#[tokio::test]
async fn a_wrong_secret_is_refused_with_problem_details_and_changes_nothing() {
    let server = server("http://localhost:1", |_| {}).await;
    let wrong = shop(&server).with_secret("shop:secret:not-the-right-one-0000000000");
    let problem = wrong.call("createRegisterToken", json!([{"userId": "u1", "username": "ada"}])).await.unwrap_err();
    assert_eq!(problem["status"], 401);
    assert_eq!(problem["title"], "A valid 'ApiSecret' header is required.");
    let problem =
        wrong.call("setAliases", json!([{"userId": "u1", "aliases": ["ada@example.com"]}])).await.unwrap_err();
    assert_eq!(problem["status"], 401);
    // The public key is not a secret.
    let public = shop(&server).with_secret(super::SHOP_PUBLIC);
    assert_eq!(public.call("listCredentials", json!(["u1"])).await.unwrap_err()["status"], 401);
    let users = shop(&server).call("listAliases", json!(["u1"])).await.unwrap();
    assert_eq!(users, json!([]), "nothing was stored");
}

#[tokio::test]
async fn an_alias_names_one_user_and_is_kept_hashed_unless_asked_otherwise() {
    let server = server("http://localhost:1", |_| {}).await;
    let backend = shop(&server);
    backend
        .call("setAliases", json!([{"userId": "u1", "aliases": ["ada@example.com"], "hashing": true}]))
        .await
        .unwrap();
    let listed = backend.call("listAliases", json!(["u1"])).await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["plaintext"], json!(null), "hashed: no plain text kept");
    assert_ne!(listed[0]["alias"], "ada@example.com");

    let taken =
        backend.call("createRegisterToken", json!([{"userId": "u2", "username": "x", "aliases": ["ada@example.com"]}]));
    let problem = taken.await.unwrap_err();
    assert_eq!((problem["status"].as_u64(), problem["errorCode"].as_str()), (Some(409), Some("alias_conflict")));
    let problem =
        backend.call("setAliases", json!([{"userId": "u2", "aliases": ["ada@example.com"]}])).await.unwrap_err();
    assert_eq!(problem["errorCode"], "alias_conflict");
    assert_eq!(backend.call("listAliases", json!(["u2"])).await.unwrap(), json!([]));

    backend.call("setAliases", json!([{"userId": "u2", "aliases": ["bob"], "hashing": false}])).await.unwrap();
    assert_eq!(backend.call("listAliases", json!(["u2"])).await.unwrap()[0]["plaintext"], "bob");
    // Another application may use the same alias for its own user.
    let blog = backend.with_secret(BLOG_SECRET);
    blog.call("setAliases", json!([{"userId": "b9", "aliases": ["ada@example.com"]}])).await.unwrap();
}

#[tokio::test]
async fn register_tokens_carry_their_options_and_refuse_what_tessera_cannot_honour() {
    let server = server("http://localhost:1", |c| c.apps[0].generate_sign_in_tokens = false).await;
    let backend = shop(&server);
    let made = backend
        .call(
            "createRegisterToken",
            json!([{"userId": "u1", "username": "ada", "displayName": "Ada",
        "authenticatorType": "platform", "discoverable": false, "aliases": ["ada"], "aliasHashing": true}]),
        )
        .await;
    assert!(made.unwrap()["token"].as_str().unwrap().starts_with("register_"));
    let direct =
        backend.call("createRegisterToken", json!([{"userId": "u1", "username": "ada", "attestation": "direct"}]));
    assert_eq!(direct.await.unwrap_err()["errorCode"], "invalid_attestation");
    let (status, problem) = raw(&server, SHOP_SECRET, "/register/token", json!({"username": "ada"})).await;
    assert_eq!(status, 400, "{problem}");
    let (status, problem) = raw(
        &server,
        SHOP_SECRET,
        "/register/token",
        json!({"userId": "u1", "username": "ada",
        "expiresAt": "2001-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!((status, problem["errorCode"].as_str()), (400, Some("invalid_argument")));

    // This application has not allowed generated sign-in tokens.
    assert_eq!(backend.call("generateAuthenticationToken", json!([{"userId": "u1"}])).await.unwrap(), json!(null));
    let (status, _) = raw(&server, SHOP_SECRET, "/signin/generate-token", json!({"userId": "u1"})).await;
    assert_eq!(status, 403);
    let features: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/apps/features", api(&server)))
        .header("ApiSecret", SHOP_SECRET)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(features["isGenerateSignInTokenEndpointEnabled"], false);
}

#[tokio::test]
async fn malformed_requests_get_problem_details_and_never_a_server_error() {
    let origin = "http://localhost:3000";
    let server = server(origin, |_| {}).await;
    let routes = [
        ("/register/token", "apisecret", SHOP_SECRET),
        ("/signin/verify", "apisecret", SHOP_SECRET),
        ("/signin/generate-token", "apisecret", SHOP_SECRET),
        ("/credentials/list", "apisecret", SHOP_SECRET),
        ("/credentials/delete", "apisecret", SHOP_SECRET),
        ("/alias", "apisecret", SHOP_SECRET),
        ("/users/delete", "apisecret", SHOP_SECRET),
        ("/register/begin", "apikey", super::SHOP_PUBLIC),
        ("/register/complete", "apikey", super::SHOP_PUBLIC),
        ("/signin/begin", "apikey", super::SHOP_PUBLIC),
        ("/signin/complete", "apikey", super::SHOP_PUBLIC),
    ];
    let long = "x".repeat(10_000);
    let bodies = [
        "not json".to_string(),
        "[]".into(),
        "{\"userId\": 7, \"token\": []}".into(),
        format!("{{\"userId\": \"{long}\", \"token\": \"verify_{long}\", \"aliases\": [\"\"]}}"),
        "{\"session\": \"session_nope\", \"response\": {\"id\": 1, \"response\": null}, \"Origin\": \"http://localhost:3000\"}".into(),
        "{\"token\": \"register_\\u0000\", \"RPID\": \"evil.example\", \"Origin\": \"http://localhost:3000\"}".into(),
    ];
    let http = reqwest::Client::new();
    for (path, header, key) in routes {
        for body in &bodies {
            let response = http
                .post(format!("{}{path}", api(&server)))
                .header(header, key)
                .header("origin", origin)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            assert!((400..500).contains(&status) || status == 200, "{path} {body:.60}: {status}");
            if status >= 400 {
                assert_eq!(response.headers()["content-type"], "application/problem+json", "{path}");
            }
        }
    }
    let users: serde_json::Value = http
        .get(format!("{}/users/list", api(&server)))
        .header("ApiSecret", SHOP_SECRET)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users, json!({"values": []}), "nothing was stored");
}
