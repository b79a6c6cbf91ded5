//! PostgreSQL schemas for the rules: migrated once, emptied after each rule, reused by the next
//! one in the same test process. Migrating and dropping a schema costs a quarter of a second of
//! DDL per rule; emptying its tables, a few milliseconds.
//!
//! A static is never dropped, so a process cannot drop its schemas when it ends. Instead a
//! connection of its own holds an advisory lock on each of them for as long as the process lives,
//! and the next process drops every `conformance_` schema whose lock it can take: at most as many
//! schemas as rules ran at once outlive a run.

use std::sync::LazyLock;

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tokio::runtime::Runtime;
use tokio::sync::Mutex;

/// The first key of this module's advisory locks (the second is the schema name's hash), so
/// they cannot meet anyone else's.
const LOCKS: i32 = 0x7e55;

struct Schemas {
    /// Holds the locks, and does all the work here.
    keeper: PgConnection,
    /// Migrated, emptied, and not in use.
    free: Vec<String>,
}

/// The keeper's connection lives in this runtime, which lives as long as the process; each
/// test's runtime ends with the test.
static RUNTIME: LazyLock<Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap());

static SCHEMAS: Mutex<Option<Schemas>> = Mutex::const_new(None);

/// An empty schema that no other rule is using: new (`PgDirectory::open` migrates it), or
/// migrated by an earlier rule.
pub async fn take() -> String {
    RUNTIME.spawn(async { open().await.take().await }).await.unwrap()
}

/// Empties `schema` and lets another rule have it.
pub async fn give_back(schema: String) {
    RUNTIME.spawn(async { open().await.give_back(schema).await }).await.unwrap()
}

async fn open() -> tokio::sync::MappedMutexGuard<'static, Schemas> {
    let mut schemas = SCHEMAS.lock().await;
    if schemas.is_none() {
        *schemas = Some(Schemas::start().await);
    }
    tokio::sync::MutexGuard::map(schemas, |s| s.as_mut().unwrap())
}

impl Schemas {
    /// Connects the keeper and drops the schemas that processes which have ended left behind.
    async fn start() -> Schemas {
        let mut keeper = PgConnection::connect(&crate::store::conformance::backends::postgres_url())
            .await
            .expect("PostgreSQL answers");
        let left: Vec<(String,)> =
            sqlx::query_as("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'conformance\\_%'")
                .fetch_all(&mut keeper)
                .await
                .unwrap();
        let mut schemas = Schemas { keeper, free: Vec::new() };
        for (schema,) in left {
            if schemas.lock(&schema).await {
                let drop = format!("DROP SCHEMA {schema} CASCADE");
                sqlx::query(AssertSqlSafe(drop)).execute(&mut schemas.keeper).await.unwrap();
                sqlx::query("SELECT pg_advisory_unlock($1, hashtext($2))")
                    .bind(LOCKS)
                    .bind(&schema)
                    .execute(&mut schemas.keeper)
                    .await
                    .unwrap();
            }
        }
        schemas
    }

    /// `false` if another session holds the schema's lock.
    async fn lock(&mut self, schema: &str) -> bool {
        let locked: (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1, hashtext($2))")
            .bind(LOCKS)
            .bind(schema)
            .fetch_one(&mut self.keeper)
            .await
            .unwrap();
        locked.0
    }

    async fn take(&mut self) -> String {
        if let Some(schema) = self.free.pop() {
            return schema;
        }
        loop {
            let schema = crate::store::conformance::backends::unique("conformance_");
            // A hash another process's schema has already: try another name.
            if self.lock(&schema).await {
                let create = format!("CREATE SCHEMA {schema}");
                sqlx::query(AssertSqlSafe(create)).execute(&mut self.keeper).await.unwrap();
                return schema;
            }
        }
    }

    async fn give_back(&mut self, schema: String) {
        let tables: Vec<(String,)> = sqlx::query_as(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = $1 AND tablename <> '_sqlx_migrations'",
        )
        .bind(&schema)
        .fetch_all(&mut self.keeper)
        .await
        .unwrap();
        // DELETE, not TRUNCATE, which makes new files for every table and index: fifty times
        // slower on tables this small. Every foreign key cascades, so the order does not matter.
        let empty: Vec<String> = tables.iter().map(|(table,)| format!("DELETE FROM {schema}.{table}")).collect();
        let mut tx = self.keeper.begin().await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(empty.join("; "))).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
        self.free.push(schema);
    }
}
