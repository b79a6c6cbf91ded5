//! Tessera as separate processes (the built binary), and the shared services they run on: a
//! PostgreSQL schema and a Redis key prefix of their own, removed afterwards.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_tessera");

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running `tessera serve`; killed when dropped.
pub struct Replica {
    pub child: Child,
    pub base: String,
}

impl Replica {
    /// Starts `tessera --config CONFIG serve` listening on `port`.
    pub fn spawn(config: &Path, port: u16) -> Replica {
        let child = Command::new(BIN)
            .args(["--config", config.to_str().unwrap(), "serve"])
            .env("TESSERA_LISTEN", format!("127.0.0.1:{port}"))
            .env("TESSERA_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Replica { child, base: format!("http://127.0.0.1:{port}") }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Waits until the replica answers `/readyz` with 200.
    pub async fn ready(&self) {
        for _ in 0..150 {
            if let Ok(r) = reqwest::get(self.url("/readyz")).await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("replica at {} did not become ready", self.base);
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

/// A PostgreSQL schema of this test's own, dropped (with everything in it) when dropped.
pub struct PgSchema {
    pub name: String,
}

impl PgSchema {
    pub async fn create() -> PgSchema {
        let name = unique("t_");
        let admin = sqlx::PgPool::connect(&postgres_url()).await.expect("PostgreSQL answers");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}"))).execute(&admin).await.unwrap();
        PgSchema { name }
    }

    /// The directory URL that places Tessera's tables in this schema.
    pub fn url(&self) -> String {
        format!("{}?options=-c%20search_path%3D{}", postgres_url(), self.name)
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside async code: a small runtime of its own does the cleanup.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(admin) = sqlx::PgPool::connect(&postgres_url()).await {
                    let _ =
                        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {name} CASCADE"))).execute(&admin).await;
                }
            });
        })
        .join();
    }
}

/// A Redis key prefix of this test's own.
pub fn redis_prefix() -> String {
    format!("{}:", unique("tessera-test-"))
}
