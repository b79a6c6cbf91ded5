//! The backends every rule runs on, each fresh per rule: SQLite in a temporary file (a copy of
//! one migrated per process), PostgreSQL in a schema of its own (emptied and reused), memory on a
//! manual clock, Redis and a Redis Cluster under a key prefix of their own.

use std::sync::Arc;

use sqlx::Connection;

use crate::clock::Clock;
use crate::store::conformance::{Backend, Expiring, cluster, schemas};
use crate::store::{Directory, MemoryEphemeral, PgDirectory, RedisEphemeral, SqliteDirectory};

pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", crate::crypto::random_token()[..12].to_ascii_lowercase().replace(['-', '_'], "x"))
}

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

pub fn postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub struct Sqlite {
    dir: Arc<dyn Directory>,
    _file: tempfile::TempDir,
}

impl Backend for Sqlite {
    type Store = Arc<dyn Directory>;

    async fn open() -> Self {
        let file = tempfile::tempdir().unwrap();
        let path = file.path().join("t.db");
        std::fs::write(&path, sqlite_template().await).unwrap();
        let url = format!("sqlite://{}", path.display());
        Sqlite { dir: Arc::new(SqliteDirectory::open(&url).await.unwrap()), _file: file }
    }

    fn store(&self) -> Arc<dyn Directory> {
        self.dir.clone()
    }
}

/// An empty, migrated SQLite database, made once per process by `SqliteDirectory::open`: a copy
/// costs a file write, where migrating costs a synchronous commit per migration.
async fn sqlite_template() -> &'static [u8] {
    static TEMPLATE: tokio::sync::OnceCell<Vec<u8>> = tokio::sync::OnceCell::const_new();
    let make = async {
        let file = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", file.path().join("t.db").display());
        let migrated = SqliteDirectory::open(&url).await.unwrap();
        // VACUUM INTO writes one self-contained file, whatever the WAL still holds.
        let copy = file.path().join("template.db");
        let mut reader = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("VACUUM INTO ?").bind(copy.to_str().unwrap()).execute(&mut reader).await.unwrap();
        drop(migrated);
        std::fs::read(copy).unwrap()
    };
    TEMPLATE.get_or_init(|| make).await
}

pub struct Postgres {
    dir: Arc<dyn Directory>,
    schema: String,
}

impl Backend for Postgres {
    type Store = Arc<dyn Directory>;

    async fn open() -> Self {
        let schema = schemas::take().await;
        let url = format!("{}?options=-c%20search_path%3D{schema}", postgres_url());
        Postgres { dir: Arc::new(PgDirectory::open(&url).await.unwrap()), schema }
    }

    fn store(&self) -> Arc<dyn Directory> {
        self.dir.clone()
    }

    async fn remove(self) {
        schemas::give_back(self.schema).await;
    }
}

pub struct Memory {
    clock: Clock,
    store: Arc<MemoryEphemeral>,
}

impl Backend for Memory {
    type Store = Expiring;

    async fn open() -> Self {
        let clock = Clock::manual();
        Memory { store: Arc::new(MemoryEphemeral::new(clock.clone())), clock }
    }

    fn store(&self) -> Expiring {
        Expiring { store: self.store.clone(), clock: Some(self.clock.clone()) }
    }
}

/// Keys expire on their own (every TTL is seconds), so nothing is left to remove.
pub struct Redis {
    store: Arc<RedisEphemeral>,
}

impl Backend for Redis {
    type Store = Expiring;

    async fn open() -> Self {
        let prefix = format!("{}:", unique("tessera-test-"));
        Redis { store: Arc::new(RedisEphemeral::open(&redis_url(), &[], &prefix).await.unwrap()) }
    }

    fn store(&self) -> Expiring {
        Expiring { store: self.store.clone(), clock: None }
    }
}

pub struct RedisCluster {
    store: Arc<RedisEphemeral>,
}

impl Backend for RedisCluster {
    type Store = Expiring;

    async fn open() -> Self {
        let prefix = format!("{}:", unique("tessera-test-"));
        let store = RedisEphemeral::open("memory://", &cluster::nodes(), &prefix).await.unwrap();
        RedisCluster { store: Arc::new(store) }
    }

    fn store(&self) -> Expiring {
        Expiring { store: self.store.clone(), clock: None }
    }
}
