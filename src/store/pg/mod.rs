//! PostgreSQL `Directory`: pooled connections, its own migrations, transactions where a change
//! spans rows, and row locks where two replicas could race (refresh rotation). Nothing is cached:
//! every replica reads the database.

mod refresh_tokens;
mod sessions;
mod users;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::model::UserId;
use crate::store::sql::{self, rows::db};
use crate::store::{Directory, StoreError, StoreResult};

/// How long a pooled connection may sit idle before it is pinged on its way out of the pool.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

pub struct PgDirectory {
    pool: PgPool,
}

impl PgDirectory {
    /// Connects to `url` and runs pending migrations. A `search_path` given in the URL's
    /// `options` selects the schema, so several deployments (or tests) can share one database.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url).map_err(unavailable)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(3))
            // The pool's own check pings every connection it hands out: a round trip to the
            // database before each statement. A connection in steady use was proven alive by
            // its last statement (and by the pool's ping when it was released), so only one
            // that has sat idle, and may have been cut by a restart or a firewall, is pinged.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > IDLE_BEFORE_PING {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        sqlx::migrate!("migrations/postgres").run(&pool).await.map_err(unavailable)?;
        Ok(PgDirectory { pool })
    }

    /// Where the statements that write go: the same pool, as PostgreSQL takes concurrent
    /// writers itself (the SQL shared with SQLite names its writes apart for SQLite's one writer).
    fn writes(&self) -> &PgPool {
        &self.pool
    }

    /// Nothing is cached, so there is nothing to forget.
    fn forget_user(&self, _id: &UserId) {}
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

sql::clients::implement!(PgDirectory);
sql::registered::implement!(
    PgDirectory,
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
    PgDirectory,
    Upstreams,
    crate::config::UpstreamConfig,
    "upstreams",
    upstream,
    upstreams,
    insert_upstream,
    update_upstream,
    delete_upstream
);
sql::apis::implement!(PgDirectory);
sql::consents::implement!(PgDirectory);
sql::passkeys::implement!(PgDirectory);
sql::embedded_apps::implement!(PgDirectory);
sql::identities::implement!(PgDirectory);
sql::api_keys::implement!(PgDirectory);
sql::audit_log::implement!(
    PgDirectory,
    "SELECT * FROM audit_events WHERE user_id = $1 AND ($2::text IS NULL OR kind = $2) \
     AND at >= $3 AND at <= $4 ORDER BY at DESC, id DESC LIMIT $5",
    "SELECT * FROM audit_events WHERE ($1::text IS NULL OR user_id = $1) AND ($2::text IS NULL OR kind = $2) \
     AND at >= $3 AND at <= $4 ORDER BY at DESC, id DESC LIMIT $5"
);

#[async_trait]
impl Directory for PgDirectory {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db)?;
        Ok(())
    }
}
