-- Management API: user metadata, and bridges registered at run time.

ALTER TABLE users ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
CREATE INDEX users_created ON users(created_at);

CREATE TABLE bridges (
    id         TEXT PRIMARY KEY,
    spec       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
