-- Audit events (kept for audit.retention_days) and management API keys (stored as hashes).
CREATE TABLE audit_events (
    id        TEXT PRIMARY KEY,
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    user_id   TEXT,
    client_id TEXT,
    ip        TEXT,
    detail    TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events(at);
CREATE INDEX audit_events_user ON audit_events(user_id, at);

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    hash       BLOB NOT NULL UNIQUE,
    scopes     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
