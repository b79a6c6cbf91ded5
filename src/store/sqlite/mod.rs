//! SQLite `Directory`: one WAL-mode file, migrated on open, the embedded default. Users and
//! sessions are cached in process; every write goes through one connection, refresh-token writes
//! through a group commit on it; the other aggregates are the shared SQL ones.

mod cache;
mod refresh_tokens;
mod sessions;
mod users;
mod writer;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::model::{Session, User, UserId};
use crate::store::sql::{self, rows::db};
use crate::store::{Directory, StoreError, StoreResult};
use cache::RowCache;
use writer::Writer;

pub struct SqliteDirectory {
    /// Reads: several connections, which WAL lets read beside the one writer.
    pool: SqlitePool,
    /// Writes: one connection. SQLite takes one writer at a time and makes any other wait in
    /// its busy handler, which sleeps (1, 2, 5, 10 ms, …) and tries again; this process's
    /// writers instead queue for the connection and are served in turn, as soon as it is free.
    writes: SqlitePool,
    /// Sessions by token hash, and users by id: read on every authorization and token request.
    sessions: RowCache<[u8; 32], Session>,
    users: RowCache<String, User>,
    /// Group commit for refresh-token writes.
    writer: Writer,
}

impl SqliteDirectory {
    /// Opens (creating if needed) the database at `url` and runs pending migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(unavailable)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a write acknowledged to a client survives a crash of the process or the host.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        if let Some(parent) = options.get_filename().parent() {
            std::fs::create_dir_all(parent).map_err(unavailable)?;
        }
        let connections = |max| {
            SqlitePoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(5))
                // A connection to a file has no peer to lose; the pool's ping before each use
                // was one more trip to the connection's thread per statement.
                .test_before_acquire(false)
                .connect_with(options.clone())
        };
        let pool = connections(8).await.map_err(unavailable)?;
        let writes = connections(1).await.map_err(unavailable)?;
        sqlx::migrate!("migrations/sqlite").run(&writes).await.map_err(unavailable)?;
        let writer = Writer::start(writes.clone());
        Ok(SqliteDirectory { pool, writes, sessions: RowCache::new(), users: RowCache::new(), writer })
    }

    /// Where the statements that write go: the one write connection.
    fn writes(&self) -> &SqlitePool {
        &self.writes
    }

    fn forget_user(&self, id: &UserId) {
        self.users.forget_where(|u| u.id == *id);
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

sql::clients::implement!(SqliteDirectory);
sql::registered::implement!(
    SqliteDirectory,
    Bridges,
    crate::config::BridgeConfig,
    "bridges",
    bridge,
    bridges,
    insert_bridge,
    update_bridge,
    delete_bridge
);
sql::registered::implement!(
    SqliteDirectory,
    Upstreams,
    crate::config::UpstreamConfig,
    "upstreams",
    upstream,
    upstreams,
    insert_upstream,
    update_upstream,
    delete_upstream
);
sql::apis::implement!(SqliteDirectory);
sql::consents::implement!(SqliteDirectory);
sql::passkeys::implement!(SqliteDirectory);
sql::embedded_apps::implement!(SqliteDirectory);
sql::identities::implement!(SqliteDirectory);
sql::api_keys::implement!(SqliteDirectory);
sql::audit_log::implement!(
    SqliteDirectory,
    "SELECT * FROM audit_events WHERE user_id = ?1 AND (?2 IS NULL OR kind = ?2) \
     AND at >= ?3 AND at <= ?4 ORDER BY at DESC, id DESC LIMIT ?5",
    "SELECT * FROM audit_events WHERE (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR kind = ?2) \
     AND at >= ?3 AND at <= ?4 ORDER BY at DESC, id DESC LIMIT ?5"
);

#[async_trait]
impl Directory for SqliteDirectory {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db)?;
        Ok(())
    }
}
