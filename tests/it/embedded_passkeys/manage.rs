//! Applications registered at run time, through the management API (on SQLite and PostgreSQL)
//! and the CLI: checked as the file's are, their printed keys work with the Node SDK, new keys
//! retire the old ones at once, and the file's applications are changed only in the file.

use std::process::Command;

use reqwest::Method;
use serde_json::{Value, json};

use super::{BLOG_SECRET, api, server};
use crate::api::{KEY, READ_ONLY, call, with_keys};
use crate::support::TestServer;
use crate::support::passwordless_dev::Backend;
use crate::support::process::PgSchema;

async fn apps_api(server: TestServer) {
    with_keys(&server).await;
    let spec = json!({"id": "news", "rp_id": "localhost", "origins": ["http://localhost:3000"], "generate_sign_in_tokens": true});
    let bad = json!({"id": "news", "rp_id": "localhost", "origins": ["https://evil.example"]});
    let (status, problem) = call(&server, Method::POST, "/api/v1/apps", Some(KEY), Some(bad)).await;
    assert_eq!((status, problem["code"].as_str()), (400, Some("invalid_field")), "{problem}");
    assert!(problem["detail"].as_str().unwrap().starts_with("origins"), "{problem}");
    let (status, _) = call(&server, Method::POST, "/api/v1/apps", Some(READ_ONLY), Some(spec.clone())).await;
    assert_eq!(status, 403, "clients:write is needed");

    let (status, created) = call(&server, Method::POST, "/api/v1/apps", Some(KEY), Some(spec.clone())).await;
    assert_eq!(status, 201, "{created}");
    let secret = created["api_secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("news:secret:") && created["public_key"].as_str().unwrap().starts_with("news:public:"));
    let (status, _) = call(&server, Method::POST, "/api/v1/apps", Some(KEY), Some(spec.clone())).await;
    assert_eq!(status, 409, "one application per id");

    let backend = Backend::new(&api(&server), &secret);
    let token = backend.call("generateAuthenticationToken", json!([{"userId": "reader-1"}])).await.unwrap();
    let verified = backend.call("verifyToken", json!([token["token"]])).await.unwrap();
    assert_eq!(verified["userId"], "reader-1");

    // Passwordless.dev's features call switches generated tokens off; the file's apps refuse it.
    let off = json!({"enableManuallyGeneratedAuthenticationTokens": false});
    assert_eq!(super::raw(&server, &secret, "/apps/features", off.clone()).await.0, 204);
    assert_eq!(
        backend.call("generateAuthenticationToken", json!([{"userId": "reader-1"}])).await.unwrap(),
        json!(null)
    );
    let (status, problem) = super::raw(&server, super::SHOP_SECRET, "/apps/features", off).await;
    assert_eq!((status, problem["errorCode"].as_str()), (409, Some("managed_by_config")));

    let (_, listed) = call(&server, Method::GET, "/api/v1/apps", Some(KEY), None).await;
    let managed: Vec<(&str, &str)> = listed["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].as_str().unwrap(), a["managed_by"].as_str().unwrap()))
        .collect();
    assert_eq!(managed, vec![("shop", "config"), ("blog", "config"), ("news", "api")]);
    assert!(listed["apps"][2].get("api_secret").is_none(), "a secret is shown only once");
    let (status, _) = call(&server, Method::DELETE, "/api/v1/apps/shop", Some(KEY), None).await;
    assert_eq!(status, 409, "the file's applications are changed in the file");

    let (status, renewed) = call(&server, Method::POST, "/api/v1/apps/news/keys", Some(KEY), None).await;
    assert_eq!(status, 200);
    assert_eq!(backend.call("listAliases", json!(["reader-1"])).await.unwrap_err()["status"], 401, "old secret");
    let renewed = backend.with_secret(renewed["api_secret"].as_str().unwrap());
    assert_eq!(renewed.call("listAliases", json!(["reader-1"])).await.unwrap(), json!([]));

    let moved = json!({"id": "news", "rp_id": "localhost", "origins": ["http://localhost:4000"]});
    let (status, changed) = call(&server, Method::PUT, "/api/v1/apps/news", Some(KEY), Some(moved)).await;
    assert_eq!((status, &changed["origins"]), (200, &json!(["http://localhost:4000"])));
    let (status, passkeys) =
        call(&server, Method::GET, "/api/v1/apps/news/users/reader-1/passkeys", Some(READ_ONLY), None).await;
    assert_eq!((status, passkeys), (200, json!({"passkeys": []})));

    let (status, _) = call(&server, Method::DELETE, "/api/v1/apps/news", Some(KEY), None).await;
    assert_eq!(status, 204);
    assert_eq!(renewed.call("listAliases", json!(["reader-1"])).await.unwrap_err()["status"], 401, "the app is gone");
    let (status, _) = call(&server, Method::GET, "/api/v1/apps/news", Some(KEY), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn apps_registered_through_the_api_on_sqlite_work_with_the_sdk_until_their_keys_are_replaced() {
    apps_api(server("http://localhost:1", |_| {}).await).await;
}

#[tokio::test]
async fn apps_registered_through_the_api_on_postgres_work_with_the_sdk_until_their_keys_are_replaced() {
    let schema = PgSchema::create().await;
    let url = schema.url();
    apps_api(server("http://localhost:1", move |c| c.directory.url = url).await).await;
}

#[tokio::test]
async fn an_app_added_with_the_cli_answers_the_sdk_with_its_printed_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let run = |args: &[&str]| {
        let bin = env!("CARGO_BIN_EXE_tessera");
        Command::new(bin).args(args).env("TESSERA_DIRECTORY__URL", &db).env_remove("TESSERA_CONFIG").output().unwrap()
    };
    let add = ["apps", "add", "--id", "cli-shop", "--rp-id", "localhost", "--origin", "http://localhost:3000"];
    let added = run(&add);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let out = String::from_utf8_lossy(&added.stdout);
    let secret = out.lines().find_map(|l| l.strip_prefix("secret (ApiSecret):")).expect("the secret is shown").trim();
    assert!(!run(&add).status.success(), "one application per id");
    let bad = run(&["apps", "add", "--id", "x", "--rp-id", "localhost", "--origin", "http://localhost:3000/path"]);
    assert!(!bad.status.success(), "origins are checked");
    assert!(String::from_utf8_lossy(&run(&["apps", "list"]).stdout).contains("cli-shop"));

    let server = TestServer::start_with(|c| c.directory.url = db.clone()).await;
    let backend = Backend::new(&api(&server), secret);
    assert_eq!(backend.call("listCredentials", json!(["u1"])).await.unwrap(), json!([]));
    let wrong: Value = backend.with_secret(BLOG_SECRET).call("listCredentials", json!(["u1"])).await.unwrap_err();
    assert_eq!(wrong["status"], 401);
    assert!(run(&["apps", "remove", "cli-shop"]).status.success());
    assert_eq!(backend.call("listCredentials", json!(["u1"])).await.unwrap_err()["status"], 401);
}
