//! The `tessera` command as a newcomer and an operator use it: serve on embedded defaults,
//! check-config, and clients add/list/remove.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{TestServer, raw_token};

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn wait_ready(base: &str) -> serde_json::Value {
    for _ in 0..100 {
        if let Ok(r) = reqwest::get(format!("{base}/jwks")).await {
            return r.json().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server at {base} did not start");
}

#[tokio::test]
async fn serve_runs_on_embedded_defaults_and_reuses_its_keys() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://localhost:{port}");
    let start = || {
        Command::new(BIN)
            .arg("serve")
            .current_dir(dir.path())
            .env("TESSERA_LISTEN", format!("127.0.0.1:{port}"))
            .env("TESSERA_ISSUER", &base)
            .env_remove("TESSERA_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut first = start();
    let jwks = wait_ready(&base).await;
    for file in ["data/tessera.db", "keys/rs256.pem", "keys/es256.pem", "keys/eddsa.pem", "keys/server.secret"] {
        assert!(dir.path().join(file).exists(), "{file} created on first start");
    }
    first.kill().unwrap();
    let output = first.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains(&format!("Open {base}/demo")), "the log says where to go: {log}");
    assert!(log.contains("generated RS256, ES256, EdDSA"));

    let mut second = start();
    let again = wait_ready(&base).await;
    second.kill().unwrap();
    let _ = second.wait();
    assert_eq!(jwks, again, "keys are reused on the next start");
}

#[test]
fn check_config_names_the_bad_key_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[lifetimes]\notp = 5\n").unwrap();
    let output = Command::new(BIN).args(["--config", file.to_str().unwrap(), "check-config"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("lifetimes.otp"));

    std::fs::write(&file, "issuer = \"https://id.example.com\"\n").unwrap();
    let output = Command::new(BIN).args(["--config", file.to_str().unwrap(), "check-config"]).output().unwrap();
    assert!(output.status.success());
}

#[tokio::test]
async fn a_client_added_with_the_cli_authenticates_with_its_printed_secret() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let run = |args: &[&str]| {
        Command::new(BIN).args(args).env("TESSERA_DIRECTORY__URL", &db).env_remove("TESSERA_CONFIG").output().unwrap()
    };

    let added = run(&["clients", "add", "--id", "cli-app", "--redirect-uri", "http://127.0.0.1:9/cb"]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let stdout = String::from_utf8_lossy(&added.stdout);
    let secret =
        stdout.lines().find_map(|l| l.strip_prefix("client_secret: ")).expect("the secret is shown once").to_string();
    assert!(String::from_utf8_lossy(&run(&["clients", "list"]).stdout).contains("cli-app"));
    let duplicate = run(&["clients", "add", "--id", "cli-app", "--redirect-uri", "http://127.0.0.1:9/cb"]);
    assert!(!duplicate.status.success());
    let invalid = run(&["clients", "add", "--id", "x", "--redirect-uri", "http://evil.example/cb"]);
    assert!(!invalid.status.success(), "redirect URIs are validated");

    let server = TestServer::start_with(|c| c.directory.url = db.clone()).await;
    let form = [("grant_type", "authorization_code"), ("code", "unknown"), ("redirect_uri", "http://127.0.0.1:9/cb")];
    let (status, body, _) = raw_token(&server, &form, Some(("cli-app", &secret))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "authenticated, then the code is refused"
    );
    let (status, _, _) = raw_token(&server, &form, Some(("cli-app", "not-the-secret-at-all"))).await;
    assert_eq!(status, 401);

    assert!(run(&["clients", "remove", "cli-app"]).status.success());
    assert!(!run(&["clients", "remove", "cli-app"]).status.success());
}

#[tokio::test]
async fn migrate_creates_the_postgres_tables_and_is_idempotent() {
    let schema = crate::support::process::PgSchema::create().await;
    for _ in 0..2 {
        let output = Command::new(BIN)
            .arg("migrate")
            .env("TESSERA_DIRECTORY__URL", schema.url())
            .env_remove("TESSERA_CONFIG")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(String::from_utf8_lossy(&output.stdout).contains("directory is up to date"));
    }
    let db = sqlx::PgPool::connect(&schema.url()).await.unwrap();
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() \
         AND table_name IN ('users', 'identifiers', 'clients', 'sessions', 'refresh_tokens')",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(tables, 5);
}
