//! Nothing acknowledged is lost: users sign up and refresh tokens rotate at full speed, the
//! server is killed with SIGKILL mid-stream, and every write a client saw acknowledged is still
//! in the directory after a restart (SQLite in WAL mode, and PostgreSQL).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tessera::config::{Config, EmailTransport, SmtpSecurity};

use crate::support::process::{PgSchema, Replica, free_port, sign_in_on};
use crate::support::{SmtpSink, WEB_SECRET, client, copy_keys};

/// What the clients saw acknowledged before the kill.
#[derive(Default)]
struct Acknowledged {
    users: Vec<String>,
    refresh_tokens: Vec<String>,
}

fn config(dir: &std::path::Path, directory_url: &str, smtp: &SmtpSink) -> std::path::PathBuf {
    let keys = copy_keys(dir);
    let issuer = "http://localhost:8080".to_string();
    let mut config = Config { issuer: issuer.clone(), keys_dir: keys, demo: false, ..Config::default() };
    config.directory.url = directory_url.to_string();
    config.email.transport = EmailTransport::Smtp;
    config.email.smtp.host = "127.0.0.1".into();
    config.email.smtp.port = smtp.port;
    config.email.smtp.security = SmtpSecurity::None;
    config.login.sends_per_window = 10_000;
    config.login.resend_cooldown_secs = 0;
    let mut web = client("web", Some(WEB_SECRET), "client_secret_basic", "ES256", &issuer);
    web.redirect_uris = vec!["http://127.0.0.1:9/cb".into()];
    config.clients = vec![web];
    let file = dir.join("tessera.toml");
    std::fs::write(&file, toml::to_string(&config).unwrap()).unwrap();
    file
}

async fn rotate(base: &str, token: &str) -> Option<String> {
    let form = [("grant_type", "refresh_token"), ("refresh_token", token)];
    let r = reqwest::Client::new()
        .post(format!("{base}/token"))
        .basic_auth("web", Some(WEB_SECRET))
        .form(&form)
        .send()
        .await
        .ok()?;
    if !r.status().is_success() {
        return None;
    }
    let body: serde_json::Value = r.json().await.ok()?;
    body["refresh_token"].as_str().map(str::to_owned)
}

/// Runs the workload against a replica on `directory_url`, kills it, and returns what was acknowledged.
async fn kill_mid_stream(directory_url: &str) -> Acknowledged {
    let dir = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start().await;
    let file = config(dir.path(), directory_url, &smtp);
    let mut replica = Replica::spawn(&file, free_port());
    replica.ready().await;
    let base = replica.base.clone();

    let mut chains = Vec::new();
    for i in 0..3 {
        let tokens = sign_in_on(&base, &smtp, &format!("seed{i}@example.com"), WEB_SECRET).await.unwrap();
        chains.push(tokens["refresh_token"].as_str().unwrap().to_string());
    }
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let mut workers = Vec::new();
    for mut token in chains {
        let (acked, base) = (acked.clone(), base.clone());
        workers.push(tokio::spawn(async move {
            while let Some(next) = rotate(&base, &token).await {
                acked.lock().unwrap().refresh_tokens.push(next.clone());
                token = next;
            }
        }));
    }
    {
        let (acked, base, smtp) = (acked.clone(), base.clone(), smtp.clone());
        workers.push(tokio::spawn(async move {
            for i in 0.. {
                let email = format!("user{i}@example.com");
                if sign_in_on(&base, &smtp, &email, WEB_SECRET).await.is_err() {
                    break;
                }
                acked.lock().unwrap().users.push(email);
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // SIGKILL: no shutdown, no flush.
    replica.kill();
    for w in workers {
        w.await.unwrap();
    }
    let acked = Arc::try_unwrap(acked).ok().unwrap().into_inner().unwrap();
    assert!(acked.refresh_tokens.len() >= 10, "the workload ran: {} rotations", acked.refresh_tokens.len());
    assert!(!acked.users.is_empty(), "the workload ran: no sign-ups");

    // The restarted server opens the same store cleanly.
    let restarted = Replica::spawn(&file, free_port());
    restarted.ready().await;
    acked
}

/// A value to look up: an email address or a token hash.
enum Bind {
    Text(String),
    Bytes(Vec<u8>),
}

#[tokio::test]
async fn sqlite_keeps_every_acknowledged_write_across_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tessera.db").display());
    let acked = kill_mid_stream(&url).await;
    let db = sqlx::SqlitePool::connect(&url).await.unwrap();
    check(acked, |sql, value| {
        let db = db.clone();
        async move {
            let q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.replace("$1", "?")));
            let q = match value {
                Bind::Text(t) => q.bind(t),
                Bind::Bytes(b) => q.bind(b),
            };
            q.fetch_one(&db).await.unwrap()
        }
    })
    .await;
}

#[tokio::test]
async fn postgres_keeps_every_acknowledged_write_across_sigkill() {
    let schema = PgSchema::create().await;
    let acked = kill_mid_stream(&schema.url()).await;
    let db = sqlx::PgPool::connect(&schema.url()).await.unwrap();
    check(acked, |sql, value| {
        let db = db.clone();
        async move {
            let q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string()));
            let q = match value {
                Bind::Text(t) => q.bind(t),
                Bind::Bytes(b) => q.bind(b),
            };
            q.fetch_one(&db).await.unwrap()
        }
    })
    .await;
}

/// Every acknowledged user and refresh token is in the directory.
async fn check<F, Fut>(acked: Acknowledged, count: F)
where
    F: Fn(&'static str, Bind) -> Fut,
    Fut: Future<Output = i64>,
{
    for email in &acked.users {
        let n =
            count("SELECT COUNT(*) FROM identifiers WHERE kind = 'email' AND value = $1", Bind::Text(email.clone()))
                .await;
        assert_eq!(n, 1, "acknowledged sign-up of {email} lost");
    }
    for token in &acked.refresh_tokens {
        let hash = tessera::crypto::sha256(token.as_bytes()).to_vec();
        let n = count("SELECT COUNT(*) FROM refresh_tokens WHERE hash = $1", Bind::Bytes(hash)).await;
        assert_eq!(n, 1, "acknowledged refresh token lost");
    }
}
