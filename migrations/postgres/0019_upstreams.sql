-- Upstream identity providers ("Continue with …") registered at run time through the CLI or the
-- management API; those of the configuration file are not stored. `spec` is the `[[upstreams]]`
-- entry as JSON, secrets included.
CREATE TABLE upstreams (
    id         TEXT PRIMARY KEY,
    spec       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
