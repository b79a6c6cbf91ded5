-- Applications with embedded passkeys (Passwordless.dev model): their relying party and keys,
-- and the passkeys and aliases of their own users (the application's user ids, not Tessera's).
-- Apps declared in the configuration file are not rows here, so their passkeys name the app by id
-- alone; deleting an app deletes its passkeys and aliases in the same transaction.
CREATE TABLE embedded_apps (
    id          TEXT PRIMARY KEY,
    spec        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE TABLE embedded_passkeys (
    app_id       TEXT NOT NULL,
    cred_id      TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    record       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    PRIMARY KEY (app_id, cred_id)
);
CREATE INDEX embedded_passkeys_user ON embedded_passkeys(app_id, user_id);
CREATE TABLE embedded_aliases (
    app_id     TEXT NOT NULL,
    alias_hash TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    plaintext  TEXT,
    PRIMARY KEY (app_id, alias_hash)
);
CREATE INDEX embedded_aliases_user ON embedded_aliases(app_id, user_id);
