//! The data-scale mode (`--users N`): before a server starts, its directory is migrated with
//! `tessera migrate` and filled in bulk by SQL with N users, each with a verified email address
//! and a live session, and `EVENTS` audit events per user spread over the last 30 days, so the
//! scenarios run against a directory of that size.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Audit events per seeded user.
pub const EVENTS: u64 = 10;

/// Migrates the directory `config` names, then seeds it at `url` (`sqlite://…` or
/// `postgres://…`) unless it is seeded already; returns the time the seeding took.
pub async fn directory(binary: &Path, dir: &Path, config: &Path, url: &str, users: u64) -> Result<Duration, String> {
    let migrated = Command::new(binary)
        .args(["--config", config.to_str().ok_or("a UTF-8 path")?, "migrate"])
        .current_dir(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !migrated.status.success() {
        return Err(format!("tessera migrate: {}", String::from_utf8_lossy(&migrated.stderr)));
    }
    let started = Instant::now();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?.as_secs();
    let now = i64::try_from(now).map_err(|e| e.to_string())?;
    let users = i64::try_from(users).map_err(|e| e.to_string())?;
    if url.starts_with("postgres") {
        postgres(url, users, now).await?;
    } else {
        sqlite(url, users, now).await?;
    }
    Ok(started.elapsed())
}

const SQLITE: [&str; 4] = [
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
     INSERT INTO users (id, active, created_at, updated_at, last_login_at, login_count, metadata) \
     SELECT 'seed-' || i, 1, ?2 - i, ?2 - i, ?2, 1, '{}' FROM n",
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
     INSERT INTO identifiers (kind, value, user_id, verified) \
     SELECT 'email', 'seed' || i || '@scale.example', 'seed-' || i, 1 FROM n",
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
     INSERT INTO sessions (id, token_hash, user_id, auth_time, amr, acr, created_at, expires_at, method, \
     user_agent, last_seen_at) \
     SELECT 'seed-s' || i, randomblob(32), 'seed-' || i, ?2, '[\"otp\"]', '1', ?2, ?2 + 86400, 'email_code', \
     'Mozilla/5.0', ?2 FROM n",
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 * ?3) \
     INSERT INTO audit_events (id, at, kind, user_id, client_id, ip, detail) \
     SELECT 'seed-e' || i, ?2 - (i * 7919) % 2592000, 'login', 'seed-' || ((i - 1) / 10 + 1), 'bench-es256', \
     '127.0.0.1', '{\"method\":\"email_code\"}' FROM n",
];

async fn sqlite(url: &str, users: i64, now: i64) -> Result<(), String> {
    use sqlx::ConnectOptions;
    let options: sqlx::sqlite::SqliteConnectOptions = url.parse().map_err(|e: sqlx::Error| e.to_string())?;
    let mut conn = options.connect().await.map_err(|e| e.to_string())?;
    let seeded: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE id = 'seed-1'")
        .fetch_optional(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    if seeded.is_some() {
        return Ok(());
    }
    for statement in SQLITE {
        sqlx::query(statement)
            .bind(users)
            .bind(now)
            .bind(EVENTS as i64)
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
    }
    sqlx::query("ANALYZE").execute(&mut conn).await.map_err(|e| e.to_string())?;
    Ok(())
}

const POSTGRES: [&str; 4] = [
    "INSERT INTO users (id, active, created_at, updated_at, last_login_at, login_count, metadata) \
     SELECT 'seed-' || i, TRUE, $2 - i, $2 - i, $2, 1, '{}' FROM generate_series(1, $1) AS i",
    "INSERT INTO identifiers (kind, value, user_id, verified) \
     SELECT 'email', 'seed' || i || '@scale.example', 'seed-' || i, TRUE FROM generate_series(1, $1) AS i",
    "INSERT INTO sessions (id, token_hash, user_id, auth_time, amr, acr, created_at, expires_at, method, \
     user_agent, last_seen_at) \
     SELECT 'seed-s' || i, decode(md5(i::text) || md5('s' || i::text), 'hex'), 'seed-' || i, $2, '[\"otp\"]', '1', \
     $2, $2 + 86400, 'email_code', 'Mozilla/5.0', $2 FROM generate_series(1, $1) AS i",
    "INSERT INTO audit_events (id, at, kind, user_id, client_id, ip, detail) \
     SELECT 'seed-e' || i, $2 - (i * 7919) % 2592000, 'login', 'seed-' || ((i - 1) / 10 + 1), 'bench-es256', \
     '127.0.0.1', '{\"method\":\"email_code\"}' FROM generate_series(1, $1 * $3) AS i",
];

async fn postgres(url: &str, users: i64, now: i64) -> Result<(), String> {
    let pool = sqlx::PgPool::connect(url).await.map_err(|e| e.to_string())?;
    let seeded: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE id = 'seed-1'")
        .fetch_optional(&pool)
        .await
        .map_err(|e| e.to_string())?;
    if seeded.is_some() {
        return Ok(());
    }
    for statement in POSTGRES {
        sqlx::query(statement)
            .bind(users)
            .bind(now)
            .bind(EVENTS as i64)
            .execute(&pool)
            .await
            .map_err(|e| e.to_string())?;
    }
    sqlx::query("ANALYZE").execute(&pool).await.map_err(|e| e.to_string())?;
    Ok(())
}

/// In the data-scale mode, migrates and seeds the directory `config` names, and says so.
pub async fn directory_of(binary: &Path, dir: &Path, config: &Path, o: &crate::Options) {
    let users = o.seeded();
    if users == 0 {
        return;
    }
    let text = std::fs::read_to_string(config).expect("the configuration just written");
    let parsed: tessera::config::Config = toml::from_str(&text).expect("the configuration just written parses");
    let url = match parsed.directory.url.strip_prefix("sqlite://") {
        Some(relative) if !relative.starts_with('/') => format!("sqlite://{}", dir.join(relative).display()),
        _ => parsed.directory.url.clone(),
    };
    match directory(binary, dir, config, &url, users).await {
        Ok(took) => eprintln!(
            "seeded {users} users, {users} sessions and {} audit events in {:.1} s",
            users * EVENTS,
            took.as_secs_f64()
        ),
        Err(e) => panic!("seeding the directory failed: {e}"),
    }
}
