//! Group commit for the SQLite directory's hot writes (refresh-token issue and rotation).
//!
//! With `synchronous = FULL` every commit waits for the disk, and SQLite commits one writer at a
//! time; under load that caps writes at one fsync each. Here one task takes the writes that are
//! waiting, applies each inside its own SAVEPOINT of one transaction, commits once, and only then
//! answers every caller: the same durability, one fsync for the whole batch.
//!
//! ```text
//! caller --Job--> channel --> writer: BEGIN IMMEDIATE; (SAVEPOINT; apply; RELEASE)*; COMMIT --> replies
//! ```

use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use crate::clock::UnixTime;
use crate::store::sql::rows::{self, Columns, db, to_json};
use crate::store::{RefreshToken, Rotation, StoreError, StoreResult};

/// Writes that go through the group commit.
pub enum Write {
    InsertRefresh(RefreshToken),
    Rotate { presented: [u8; 32], client_id: String, next_hash: [u8; 32], next_expires_at: UnixTime, now: UnixTime },
}

pub enum Written {
    Inserted,
    Rotated(Box<Rotation>),
}

struct Job {
    write: Write,
    reply: oneshot::Sender<StoreResult<Written>>,
}

/// Most writes in one transaction.
const BATCH: usize = 128;

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task; it ends when the last `Writer` is dropped.
    pub fn start(pool: SqlitePool) -> Writer {
        let (jobs, queue) = mpsc::channel(4096);
        tokio::spawn(run(pool, queue));
        Writer { jobs }
    }

    /// Applies `write` and returns once it is committed to disk.
    pub async fn submit(&self, write: Write) -> StoreResult<Written> {
        let (reply, answer) = oneshot::channel();
        let gone = || StoreError::Unavailable("the SQLite writer stopped".into());
        self.jobs.send(Job { write, reply }).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

async fn run(pool: SqlitePool, mut queue: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(first) = queue.recv().await {
        batch.push(first);
        while batch.len() < BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit(&pool, &mut batch).await;
    }
}

async fn commit(pool: &SqlitePool, batch: &mut Vec<Job>) {
    let outcome = async {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        let mut results = Vec::with_capacity(batch.len());
        for job in batch.iter() {
            // A savepoint per write: one that fails is undone alone, the others still commit.
            sqlx::query("SAVEPOINT w").execute(&mut *tx).await.map_err(db)?;
            let result = apply(&mut tx, &job.write).await;
            if result.is_err() {
                sqlx::query("ROLLBACK TO w").execute(&mut *tx).await.map_err(db)?;
            }
            sqlx::query("RELEASE w").execute(&mut *tx).await.map_err(db)?;
            results.push(result);
        }
        tx.commit().await.map_err(db)?;
        Ok::<_, StoreError>(results)
    }
    .await;
    match outcome {
        Ok(results) => {
            for (job, result) in batch.drain(..).zip(results) {
                let _ = job.reply.send(result);
            }
        }
        Err(e) => {
            for job in batch.drain(..) {
                let _ = job.reply.send(Err(StoreError::Unavailable(e.to_string())));
            }
        }
    }
}

async fn apply(conn: &mut SqliteConnection, write: &Write) -> StoreResult<Written> {
    match write {
        Write::InsertRefresh(t) => {
            sqlx::query(
                "INSERT OR IGNORE INTO refresh_families (id, client_id, user_id, created_at) VALUES (?, ?, ?, ?)",
            )
            .bind(&t.family_id)
            .bind(&t.client_id)
            .bind(&t.user_id.0)
            .bind(t.created_at)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
            insert_token(conn, t).await?;
            Ok(Written::Inserted)
        }
        Write::Rotate { presented, client_id, next_hash, next_expires_at, now } => {
            rotate(conn, presented, client_id, next_hash, *next_expires_at, *now)
                .await
                .map(|r| Written::Rotated(Box::new(r)))
        }
    }
}

async fn insert_token(conn: &mut SqliteConnection, t: &RefreshToken) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO refresh_tokens (hash, family_id, client_id, user_id, scope, auth_time, amr, acr, session_id, \
         claims, dpop_jkt, created_at, expires_at, audience) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&t.hash[..])
    .bind(&t.family_id)
    .bind(&t.client_id)
    .bind(&t.user_id.0)
    .bind(&t.scope)
    .bind(t.auth_time)
    .bind(to_json(&t.amr)?)
    .bind(&t.acr)
    .bind(&t.session_id)
    .bind(&t.claims)
    .bind(&t.dpop_jkt)
    .bind(t.created_at)
    .bind(t.expires_at)
    .bind(&t.audience)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

async fn rotate(
    conn: &mut SqliteConnection,
    presented: &[u8; 32],
    client_id: &str,
    next_hash: &[u8; 32],
    next_expires_at: UnixTime,
    now: UnixTime,
) -> StoreResult<Rotation> {
    let row = sqlx::query(
        "SELECT t.*, t.used_at IS NOT NULL AS used, f.revoked_at IS NOT NULL AS revoked \
         FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id WHERE t.hash = ?",
    )
    .bind(&presented[..])
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let Some(row) = row else { return Ok(Rotation::Invalid) };
    let current = rows::refresh(&row)?;
    // RFC 6749 §6: the token must have been issued to the authenticated client.
    if current.client_id != client_id || row.flag("revoked")? || current.expires_at <= now {
        return Ok(Rotation::Invalid);
    }
    if row.flag("used")? {
        // RFC 9700 §4.14.2: reuse of a rotated token revokes the whole family.
        sqlx::query("UPDATE refresh_families SET revoked_at = ? WHERE id = ?")
            .bind(now)
            .bind(&current.family_id)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        return Ok(Rotation::Reused { family_id: current.family_id });
    }
    sqlx::query("UPDATE refresh_tokens SET used_at = ? WHERE hash = ?")
        .bind(now)
        .bind(&presented[..])
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let next = RefreshToken { hash: *next_hash, created_at: now, expires_at: next_expires_at, ..current.clone() };
    insert_token(conn, &next).await?;
    Ok(Rotation::Rotated(Box::new(current)))
}
