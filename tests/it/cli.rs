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
    for file in ["data/tessera.db", "keys/keys.toml", "keys/server.secret"] {
        assert!(dir.path().join(file).exists(), "{file} created on first start");
    }
    let pems = std::fs::read_dir(dir.path().join("keys"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "pem"));
    assert_eq!(pems.count(), 3, "one key per algorithm");
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

fn tessera(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).current_dir(dir).env_remove("TESSERA_CONFIG").output().unwrap()
}

fn text(output: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn keys_rotate_publishes_a_next_key_and_retire_refuses_to_leave_no_signer() {
    let dir = tempfile::tempdir().unwrap();
    let out = tessera(dir.path(), &["keys", "generate"]);
    assert!(out.status.success(), "{}", text(&out));
    let before = text(&tessera(dir.path(), &["keys", "list"]));
    assert_eq!(before.matches(" active ").count(), 3, "{before}");
    let active_es256 = before.lines().find(|l| l.starts_with("ES256")).unwrap().split_whitespace().nth(1).unwrap();

    let out = tessera(dir.path(), &["keys", "rotate", "--alg", "ES256"]);
    assert!(out.status.success(), "{}", text(&out));
    let listed = text(&out);
    assert_eq!(listed.matches(" next ").count(), 1, "{listed}");
    assert_eq!(listed.matches(" active ").count(), 3, "the old key signs until the lead time ends: {listed}");

    let out = tessera(dir.path(), &["keys", "retire", active_es256]);
    assert!(!out.status.success());
    assert!(text(&out).contains("only ES256 key that can sign now"), "{}", text(&out));

    let out = tessera(dir.path(), &["keys", "rotate", "--alg", "ES256", "--lead", "0"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = tessera(dir.path(), &["keys", "retire", active_es256]);
    assert!(out.status.success(), "{}", text(&out));
    let listed = text(&out);
    let states = ["next", "active", "retired"];
    let state = listed.lines().map(|l| l.split_whitespace().collect::<Vec<_>>()).find_map(|cols| {
        (cols.get(1) == Some(&active_es256) && cols.get(2).is_some_and(|s| states.contains(s))).then(|| cols[2])
    });
    assert_eq!(state, Some("retired"), "{listed}");
    assert!(tessera(dir.path(), &["keys", "rotate", "--alg", "HS256"]).status.code() != Some(0));
}

#[test]
fn ids_that_begin_with_a_hyphen_are_taken_as_ids_not_options() {
    // Key ids, client ids and user ids are base64url: one in 32 begins with `-`.
    let dir = tempfile::tempdir().unwrap();
    assert!(tessera(dir.path(), &["keys", "generate"]).status.success());
    let out = tessera(dir.path(), &["keys", "retire", "-cKid"]);
    assert!(text(&out).contains("no key with kid -cKid"), "{}", text(&out));
    let out = tessera(dir.path(), &["clients", "remove", "-client"]);
    assert!(!text(&out).contains("unexpected argument"), "{}", text(&out));
    let out = tessera(dir.path(), &["users", "deactivate", "-user"]);
    assert!(!text(&out).contains("unexpected argument"), "{}", text(&out));
}

#[test]
fn production_refuses_dev_keys_and_a_bad_key_file_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().to_string();
    let listen = format!("127.0.0.1:{port}");
    let serve = |mode: &str| {
        Command::new(BIN)
            .arg("serve")
            .current_dir(dir.path())
            .env_remove("TESSERA_CONFIG")
            .env("TESSERA_MODE", mode)
            .env("TESSERA_ISSUER", "https://id.example.com")
            .env("TESSERA_LISTEN", &listen)
            .env("TESSERA_DEMO", "false")
            .output()
            .unwrap()
    };
    // A dev start makes dev keys; `check-config` alone makes nothing.
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let (ring, _) = tessera::domain::keys::KeyRing::load_dir(&dir.path().join("keys"), true, 0, 0).unwrap();
    assert_eq!(ring.active_dev_keys().len(), 3);
    tessera::domain::keys::load_dev_secret(&dir.path().join("keys")).unwrap();

    let out = serve("production");
    assert!(!out.status.success());
    assert!(text(&out).contains("generated by a dev-mode start and is refused in production"), "{}", text(&out));

    let keys = dir.path().join("keys");
    std::fs::remove_dir_all(&keys).unwrap();
    assert!(tessera(dir.path(), &["keys", "generate"]).status.success());
    let pem = std::fs::read_dir(&keys)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pem"))
        .unwrap();
    std::fs::write(&pem, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n").unwrap();
    let out = serve("production");
    assert!(!out.status.success());
    let message = text(&out);
    assert!(
        message.contains("signing keys:") && message.contains(pem.file_name().unwrap().to_str().unwrap()),
        "{message}"
    );
}

fn with_db(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).env("TESSERA_DIRECTORY__URL", db).env_remove("TESSERA_CONFIG").output().unwrap()
}

#[tokio::test]
async fn users_and_api_keys_are_managed_from_the_cli_and_each_change_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let out = with_db(&db, &["users", "create", "--email", "ada@example.com"]);
    assert!(out.status.success(), "{}", text(&out));
    let id = text(&out).split_whitespace().nth(1).unwrap().to_string();
    assert!(text(&with_db(&db, &["users", "create", "--email", "ada@example.com"])).contains("already exists"));
    assert!(!with_db(&db, &["users", "create", "--email", "not-an-address"]).status.success());
    let listed = text(&with_db(&db, &["users", "list"]));
    assert!(listed.contains(&id) && listed.contains("active") && listed.contains("ada@example.com"), "{listed}");

    assert!(with_db(&db, &["users", "deactivate", "ada@example.com"]).status.success());
    assert!(text(&with_db(&db, &["users", "list"])).contains("deactivated"));
    assert!(with_db(&db, &["users", "activate", &id]).status.success());
    assert!(text(&with_db(&db, &["users", "deactivate", "nobody@example.com"])).contains("no user"));

    let out = with_db(&db, &["api-keys", "create", "--name", "ci", "--scopes", "users:read,users:write"]);
    assert!(out.status.success(), "{}", text(&out));
    let printed = text(&out);
    let key = printed.lines().find_map(|l| l.strip_prefix("key: ")).unwrap().to_string();
    let key_id = printed.split_whitespace().nth(2).unwrap().to_string();
    assert!(text(&with_db(&db, &["api-keys", "create", "--name", "x", "--scopes", "root"])).contains("unknown scope"));
    let directory = tessera::store::open_directory(&db).await.unwrap();
    let stored = directory.api_key_by_hash(&tessera::crypto::sha256(key.as_bytes())).await.unwrap().unwrap();
    assert_eq!(stored.scopes, ["users:read", "users:write"]);
    assert!(!text(&with_db(&db, &["api-keys", "list"])).contains(&key), "the key itself is never listed");

    let revoked = with_db(&db, &["api-keys", "revoke", &key_id]);
    assert!(revoked.status.success(), "{}", text(&revoked));
    assert!(directory.api_key_by_hash(&tessera::crypto::sha256(key.as_bytes())).await.unwrap().is_none());
    assert!(!with_db(&db, &["api-keys", "revoke", &key_id]).status.success(), "revoking twice is an error");

    let query = tessera::model::AuditQuery { kind: Some("admin".into()), limit: 50, ..Default::default() };
    let mut actions: Vec<String> = directory
        .audit_events(&query)
        .await
        .unwrap()
        .iter()
        .map(|e| e.detail["action"].as_str().unwrap().to_string())
        .collect();
    actions.sort();
    assert_eq!(actions, ["api_key_created", "api_key_revoked", "user_activated", "user_created", "user_deactivated"]);
}

#[tokio::test]
async fn deactivating_a_user_ends_their_sessions_and_refresh_tokens_at_once() {
    let server = TestServer::start().await;
    let email = "leaver@example.com";
    let (_, tokens) =
        crate::support::signed_in(&server, &server.browser(), "web", &["openid", "offline_access"], email).await;
    let refresh = openidconnect::OAuth2TokenResponse::refresh_token(&tokens).unwrap().secret().clone();
    let user = server.state.directory.user_by_email(&email.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(server.state.directory.sessions_of_user(&user.id, server.clock.now()).await.unwrap().len(), 1);

    let out = with_db(&server.state.config.directory.url, &["users", "deactivate", email]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("1 sessions and 1 refresh-token grants ended"), "{}", text(&out));

    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())];
    let (status, body, _) = raw_token(&server, &form, Some(("web", crate::support::WEB_SECRET))).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    assert!(server.state.directory.sessions_of_user(&user.id, server.clock.now()).await.unwrap().is_empty());
}

#[test]
fn health_exits_zero_only_when_the_server_answers() {
    let out = Command::new(BIN)
        .args(["health", "--url", &format!("http://127.0.0.1:{}", free_port())])
        .env_remove("TESSERA_CONFIG")
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn passkeys_ticket_prints_a_signed_single_use_registration_link() {
    let dir = tempfile::tempdir().unwrap();
    assert!(tessera(dir.path(), &["keys", "generate"]).status.success());
    assert!(tessera(dir.path(), &["users", "create", "--email", "ada@example.com"]).status.success());
    let out = tessera(dir.path(), &["passkeys", "ticket", "ada@example.com", "--ttl", "600"]);
    assert!(out.status.success(), "{}", text(&out));
    let link = String::from_utf8(out.stdout).unwrap();
    let ticket =
        link.trim().strip_prefix("http://localhost:8080/passkeys/register?ticket=").expect("a link").to_string();
    let now = tessera::clock::Clock::System.now();
    let (ring, _) = tessera::domain::keys::KeyRing::load_dir(&dir.path().join("keys"), false, now, 0).unwrap();
    let claims: serde_json::Value = tessera::domain::jwt::verify(&ring, &ticket, "passkey-ticket+jwt").unwrap();
    assert_eq!(claims["username"], "ada@example.com");
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 600);
    let out = tessera(dir.path(), &["passkeys", "ticket", "ada@example.com", "--ttl", "99999"]);
    assert!(!out.status.success() && text(&out).contains("lifetime"), "{}", text(&out));
    assert!(text(&tessera(dir.path(), &["passkeys", "ticket", "nobody@example.com"])).contains("no user"));
}

#[test]
fn links_create_prints_a_magic_link_or_sends_it_by_email() {
    let dir = tempfile::tempdir().unwrap();
    assert!(tessera(dir.path(), &["keys", "generate"]).status.success());
    let add = ["clients", "add", "--id", "app", "--auth-method", "none", "--redirect-uri", "http://localhost:3000/cb"];
    assert!(tessera(dir.path(), &add).status.success());
    let create = |extra: &[&str]| {
        let mut args = vec!["links", "create", "--to", "ada@example.com", "--client", "app", "--redirect-uri"];
        args.push("http://localhost:3000/cb");
        args.extend_from_slice(extra);
        tessera(dir.path(), &args)
    };
    let out = create(&[]);
    assert!(out.status.success(), "{}", text(&out));
    let link = String::from_utf8(out.stdout).unwrap();
    assert!(link.trim().starts_with("http://localhost:8080/magic/"), "{link}");

    let out = create(&["--send", "--type", "verify_identifier"]);
    assert!(out.status.success(), "{}", text(&out));
    let outbox = dir.path().join("data/outbox");
    let mail = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .next()
        .unwrap();
    assert!(mail.contains("Subject: Confirm your email address for app"), "{mail}");
    assert!(mail.replace("=\r\n", "").contains("http://localhost:8080/magic/"));
    let bad = tessera(
        dir.path(),
        &["links", "create", "--to", "ada@example.com", "--client", "app", "--redirect-uri", "https://evil.example/"],
    );
    assert!(!bad.status.success() && text(&bad).contains("not a redirect URI registered"));
}
