-- Tessera directory schema (PostgreSQL).

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    last_login_at BIGINT,
    login_count   BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE identifiers (
    kind     TEXT NOT NULL,
    value    TEXT NOT NULL,
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    verified BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (kind, value)
);
CREATE INDEX identifiers_user ON identifiers(user_id);

CREATE TABLE clients (
    id                                  TEXT PRIMARY KEY,
    name                                TEXT NOT NULL,
    secret_hash                         BYTEA,
    redirect_uris                       TEXT NOT NULL,
    post_logout_redirect_uris           TEXT NOT NULL,
    auth_method                         TEXT NOT NULL,
    signing_alg                         TEXT NOT NULL,
    created_at                          BIGINT NOT NULL,
    jwks_uri                            TEXT,
    jwks                                TEXT,
    backchannel_logout_uri              TEXT,
    backchannel_logout_session_required BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    token_hash BYTEA NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    auth_time  BIGINT NOT NULL,
    amr        TEXT NOT NULL,
    acr        TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE session_clients (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    PRIMARY KEY (session_id, client_id)
);

CREATE TABLE refresh_families (
    id         TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE refresh_tokens (
    hash       BYTEA PRIMARY KEY,
    family_id  TEXT NOT NULL REFERENCES refresh_families(id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    scope      TEXT NOT NULL,
    auth_time  BIGINT NOT NULL,
    amr        TEXT NOT NULL,
    acr        TEXT NOT NULL,
    session_id TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
