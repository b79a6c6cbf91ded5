//! Audit trail: events recorded off the request path by one worker that stores them in the
//! directory (in batches) and delivers each to the configured webhooks as signed JSON, retried
//! with exponential backoff, then dead-lettered; and a pruner that deletes what is past
//! `audit.retention_days` every hour, in batches sized to hold the directory's writer about 10 ms
//! each, with pauses four times as long as each took, so a purge of millions of events holds the
//! writer at most a fifth of the time and a sign-in waits for at most one short batch.
//!
//! Receivers check `Tessera-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
//! with the webhook's secret, and may deduplicate on `Tessera-Event-Id`.

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::hmac;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

use crate::clock::{Clock, UnixTime};
use crate::config::{AuditConfig, WebhookConfig};
use crate::metrics::Metrics;
use crate::model::AuditEvent;
use crate::store::Directory;

/// Events deleted by the first purge statement, the bounds of the sizes that follow, and the
/// shortest pause between two.
const PRUNE_BATCH: u32 = 1_000;
const PRUNE_BATCH_MIN: u32 = 50;
const PRUNE_BATCH_MAX: u32 = 5_000;
const PRUNE_PAUSE: Duration = Duration::from_millis(20);
/// How long one purge statement should hold the directory's writer: a write that waits for it
/// (a sign-in's session, say) waits about this long at most.
const PRUNE_HOLD: Duration = Duration::from_millis(10);
/// Each pause is at least this many times the batch before it, so the purge holds the
/// directory's writer at most a fifth of the time however slow the disk.
const PRUNE_YIELD: u32 = 4;

/// The size of the next purge statement: half when the last held the writer too long, double
/// when it was much quicker, within bounds.
fn next_batch(size: u32, took: Duration) -> u32 {
    if took > PRUNE_HOLD {
        (size / 2).max(PRUNE_BATCH_MIN)
    } else if took < PRUNE_HOLD / 4 {
        (size * 2).min(PRUNE_BATCH_MAX)
    } else {
        size
    }
}

enum Msg {
    Event(AuditEvent),
    Flush(oneshot::Sender<()>),
}

/// The handle requests use; cloning it is cheap.
#[derive(Clone)]
pub struct Audit {
    tx: mpsc::UnboundedSender<Msg>,
}

struct Worker {
    directory: Arc<dyn Directory>,
    http: reqwest::Client,
    config: AuditConfig,
    metrics: Arc<Metrics>,
    clock: Clock,
}

impl Audit {
    /// Starts the worker on the current runtime.
    pub fn start(
        directory: Arc<dyn Directory>,
        http: reqwest::Client,
        config: AuditConfig,
        metrics: Arc<Metrics>,
        clock: Clock,
    ) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let worker = Arc::new(Worker { directory, http, config, metrics, clock });
        tokio::spawn(worker.run(rx));
        Audit { tx }
    }

    /// Queues an event; never blocks the request that records it.
    pub fn record(&self, event: AuditEvent) {
        let _ = self.tx.send(Msg::Event(event));
    }

    /// Waits until every event queued so far is stored and every delivery has ended.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

impl Worker {
    async fn run(self: Arc<Self>, mut rx: mpsc::UnboundedReceiver<Msg>) {
        let mut deliveries = JoinSet::new();
        let pruner = tokio::spawn(self.clone().prune_every_hour());
        loop {
            tokio::select! {
                first = rx.recv() => {
                    let Some(first) = first else { break };
                    // Take whatever else is queued, so a burst is one transaction.
                    let mut batch = Vec::new();
                    let mut flushes = Vec::new();
                    let mut next = Some(first);
                    while let Some(msg) = next.take().or_else(|| rx.try_recv().ok()) {
                        match msg {
                            Msg::Event(e) => batch.push(e),
                            Msg::Flush(done) => flushes.push(done),
                        }
                        if batch.len() >= 500 {
                            break;
                        }
                    }
                    self.store(&batch).await;
                    for event in batch {
                        let event = Arc::new(event);
                        for hook in &self.config.webhooks {
                            deliveries.spawn(self.clone().deliver(hook.clone(), event.clone()));
                        }
                    }
                    while deliveries.try_join_next().is_some() {}
                    if !flushes.is_empty() {
                        while deliveries.join_next().await.is_some() {}
                        for done in flushes {
                            let _ = done.send(());
                        }
                    }
                }
            }
        }
        pruner.abort();
        while deliveries.join_next().await.is_some() {}
    }

    async fn store(&self, batch: &[AuditEvent]) {
        if batch.is_empty() {
            return;
        }
        for event in batch {
            self.metrics.inc("tessera_audit_events_total", &[("kind", &event.kind)]);
        }
        if let Err(e) = self.directory.insert_audit_events(batch).await {
            for event in batch {
                tracing::error!(
                    target: "tessera::dead_letter",
                    event = %serde_json::to_string(event).unwrap_or_default(),
                    error = %e,
                    "audit event not stored"
                );
            }
        }
    }

    async fn prune_every_hour(self: Arc<Self>) {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            self.prune().await;
        }
    }

    /// Deletes what is past retention a batch at a time; sign-ins write between two batches.
    async fn prune(&self) {
        let before = self.clock.now() - self.config.retention_days as i64 * 86_400;
        let (mut deleted, mut batch) = (0, PRUNE_BATCH);
        loop {
            let started = std::time::Instant::now();
            let n = match self.directory.purge_audit_events(before, batch).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, deleted, "audit events not pruned");
                    return;
                }
            };
            deleted += n;
            if n < u64::from(batch) {
                break;
            }
            let took = started.elapsed();
            batch = next_batch(batch, took);
            tokio::time::sleep(PRUNE_PAUSE.max(took * PRUNE_YIELD)).await;
        }
        if deleted > 0 {
            tracing::info!(deleted, "audit events past retention deleted");
        }
    }

    /// Delivers one event to one webhook: retried with doubling delays, then dead-lettered.
    async fn deliver(self: Arc<Self>, hook: WebhookConfig, event: Arc<AuditEvent>) {
        let body = serde_json::to_vec(event.as_ref()).unwrap_or_default();
        let host = url::Url::parse(&hook.url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
        let mut delay = Duration::from_millis(self.config.retry_base_ms);
        for attempt in 1..=self.config.max_attempts {
            let sent_at = self.clock.now();
            let result = self
                .http
                .post(&hook.url)
                .header("content-type", "application/json")
                .header("tessera-event-id", &event.id)
                .header("tessera-signature", signature(&hook.secret, sent_at, &body))
                .body(body.clone())
                .send()
                .await;
            let failure = match result {
                Ok(r) if r.status().is_success() => {
                    self.metrics.inc("tessera_webhook_deliveries_total", &[("outcome", "delivered")]);
                    return;
                }
                Ok(r) => format!("answered {}", r.status().as_u16()),
                Err(e) => format!("unreachable: {e}"),
            };
            self.metrics.inc("tessera_webhook_deliveries_total", &[("outcome", "failed")]);
            tracing::warn!(webhook = %host, event_id = %event.id, attempt, %failure, "audit webhook delivery failed");
            if attempt < self.config.max_attempts {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(300));
            }
        }
        self.metrics.inc("tessera_webhook_deliveries_total", &[("outcome", "dead_letter")]);
        tracing::error!(
            target: "tessera::dead_letter",
            webhook = %host,
            event = %String::from_utf8_lossy(&body),
            "audit webhook delivery abandoned"
        );
    }
}

/// `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub fn signature(secret: &str, at: UnixTime, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(at.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    let tag = ctx.sign();
    let hex = crate::crypto::hex(tag.as_ref());
    format!("t={at},v1={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pruning_deletes_every_batch_past_retention_and_keeps_the_rest() {
        let file = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", file.path().join("t.db").display());
        let directory: Arc<dyn Directory> = Arc::new(crate::store::SqliteDirectory::open(&url).await.unwrap());
        let clock = Clock::manual();
        let now = clock.now();
        let event = |i: u32, at: UnixTime| AuditEvent {
            id: format!("e{i}"),
            at,
            kind: "sign_in".into(),
            user_id: None,
            client_id: None,
            ip: None,
            detail: serde_json::json!({}),
        };
        // Two and a half batches past a one-day retention, and a few inside it.
        let old: Vec<AuditEvent> =
            (0..PRUNE_BATCH * 5 / 2).map(|i| event(i, now - 2 * 86_400 - i64::from(i))).collect();
        let recent: Vec<AuditEvent> = (0..3).map(|i| event(1_000_000 + i, now - 3600)).collect();
        directory.insert_audit_events(&old).await.unwrap();
        directory.insert_audit_events(&recent).await.unwrap();
        let config = AuditConfig { retention_days: 1, ..AuditConfig::default() };
        let worker = Worker {
            directory: directory.clone(),
            http: reqwest::Client::new(),
            config,
            metrics: Default::default(),
            clock,
        };
        worker.prune().await;
        let query = crate::model::AuditQuery { limit: 1000, ..Default::default() };
        let left: Vec<String> = directory.audit_events(&query).await.unwrap().into_iter().map(|e| e.id).collect();
        assert_eq!(left.len(), 3, "only the recent events stay: {left:?}");
        assert!(left.iter().all(|id| id.starts_with("e100000")));
    }

    #[test]
    fn a_purge_batch_that_held_the_writer_too_long_halves_and_a_quick_one_doubles_within_bounds() {
        let ms = Duration::from_millis;
        assert_eq!(next_batch(1_000, ms(40)), 500);
        assert_eq!(next_batch(60, ms(40)), PRUNE_BATCH_MIN);
        assert_eq!(next_batch(1_000, ms(1)), 2_000);
        assert_eq!(next_batch(4_000, ms(1)), PRUNE_BATCH_MAX);
        assert_eq!(next_batch(1_000, ms(5)), 1_000, "near the target it stays");
    }

    #[test]
    fn the_signature_covers_the_time_and_the_body() {
        let a = signature("s".repeat(32).as_str(), 1_700_000_000, b"{}");
        assert!(a.starts_with("t=1700000000,v1=") && a.len() == "t=1700000000,v1=".len() + 64);
        assert_ne!(a, signature("s".repeat(32).as_str(), 1_700_000_001, b"{}"));
        assert_ne!(a, signature("s".repeat(32).as_str(), 1_700_000_000, b"[]"));
        assert_ne!(a, signature("t".repeat(32).as_str(), 1_700_000_000, b"{}"));
    }
}
