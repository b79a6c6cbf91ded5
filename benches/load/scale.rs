//! The data-scale mode (`--users 1000,1000000`): at each size every directory is seeded first
//! (`seed.rs`), then the scenarios that read or write the directory run on it: the code flows and
//! the management reads on SQLite, the sign-ins by every method, the email-code sign-in again
//! while the retention purge deletes three quarters of the events, and all of them on
//! PostgreSQL + Redis. It ends with each scenario at the smallest and the largest size side by side.

use std::path::Path;
use std::time::Duration;

use crate::server::{Server, free_port};
use crate::{Options, Row, management, report, scenarios, seed, sign_ins};

pub async fn run(binary: &Path, o: &Options) {
    let mut rows = Vec::new();
    for &users in &o.sizes {
        let o = Options { users, ..o.clone() };
        eprintln!("== a directory of {} users", report::size(users));
        sqlite(binary, &o, &mut rows).await;
        sign_ins::run(binary, &o, &mut rows, "", &sign_ins::Method::ALL, true, |_| {}).await;
        if let Some(skipped) = postgres(binary, &o, &mut rows).await {
            eprintln!("{skipped}");
        }
    }
    println!();
    println!(
        "Tessera {} load benchmark, data-scale mode: each directory seeded with N users, N sessions and",
        env!("CARGO_PKG_VERSION")
    );
    println!(
        "{} audit events per user; {} connections, {}s warm-up then {}s measured, {} run(s) of each scenario.",
        seed::EVENTS,
        o.connections,
        o.warmup.as_secs(),
        o.duration.as_secs(),
        o.runs
    );
    println!();
    report::print_table(&rows);
    if let (Some(&small), Some(&large)) = (o.sizes.iter().min(), o.sizes.iter().max())
        && small != large
    {
        println!();
        report::print_scale(&rows, small, large);
    }
}

/// The code flows and the management reads on SQLite.
async fn sqlite(binary: &Path, o: &Options, rows: &mut Vec<Row>) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let port = free_port();
    let config = crate::write_config(dir.path(), port, |_| {});
    // The first start makes the keys (and the directory), as an operator's first start does.
    let (first, _) = Server::start(binary, dir.path(), &config, port).await;
    first.stop();
    seed::directory_of(binary, dir.path(), &config, o).await;
    let (server, _) = Server::start(binary, dir.path(), &config, port).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let http = crate::load::client();
    let cookie = scenarios::sign_in(&http, &server.base, "bench-es256", &dir.path().join("data/outbox")).await;
    crate::flows(rows, &server, &http, &cookie, "", o).await;
    match management::api_key(binary, dir.path(), &config) {
        Ok(key) => management::measure_all(rows, &server, &key, "", o).await,
        Err(e) => eprintln!("management scenarios not run: {e}"),
    }
    server.stop();
}

/// The flows, the management reads and the sign-ins on PostgreSQL + Redis, when both answer;
/// else why not.
pub async fn postgres(binary: &Path, o: &Options, rows: &mut Vec<Row>) -> Option<String> {
    let pg = std::env::var("BENCH_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let redis = std::env::var("BENCH_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let Ok(admin) = sqlx::PgPool::connect(&pg).await else {
        return Some("PostgreSQL + Redis skipped: PostgreSQL does not answer at BENCH_POSTGRES_URL".into());
    };
    let schema = format!("bench_{}_{}", std::process::id(), o.users);
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&admin).await.ok()?;
    let stores = |c: &mut tessera::config::Config| {
        c.directory.url = format!("{pg}?options=-c%20search_path%3D{schema}");
        c.ephemeral.url = redis.clone();
        c.ephemeral.prefix = format!("{schema}:");
    };
    let dir = tempfile::tempdir().ok()?;
    std::fs::create_dir_all(dir.path().join("keys")).ok()?;
    let port = free_port();
    let config = crate::write_config(dir.path(), port, stores);
    seed::directory_of(binary, dir.path(), &config, o).await;
    let (server, _) = Server::start(binary, dir.path(), &config, port).await;
    let http = crate::load::client();
    let cookie = scenarios::sign_in(&http, &server.base, "bench-es256", &dir.path().join("data/outbox")).await;
    let label = "PostgreSQL + Redis: ";
    crate::flows(rows, &server, &http, &cookie, label, o).await;
    match management::api_key(binary, dir.path(), &config) {
        Ok(key) => management::measure_all(rows, &server, &key, label, o).await,
        Err(e) => eprintln!("management scenarios not run: {e}"),
    }
    server.stop();
    sign_ins::run(binary, o, rows, label, &sign_ins::Method::ALL, o.users > 0, &stores).await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE"))).execute(&admin).await;
    None
}
