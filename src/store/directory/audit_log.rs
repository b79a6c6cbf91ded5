//! `AuditLog`: the security events kept for operators, queried by user, kind and time, purged by age.

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::model::{AuditEvent, AuditQuery};
use crate::store::StoreResult;

#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Stores a batch of events in one transaction.
    async fn insert_audit_events(&self, events: &[AuditEvent]) -> StoreResult<()>;
    async fn audit_events(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEvent>>;
    /// Deletes up to `limit` of the events older than `before`, oldest first; returns how many.
    /// Callers purge in batches, so no one transaction holds the directory for long.
    async fn purge_audit_events(&self, before: UnixTime, limit: u32) -> StoreResult<u64>;
}
