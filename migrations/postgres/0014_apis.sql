-- The API registry (access tokens for an `audience` / RFC 8707 `resource`), and the API a
-- refresh-token family was granted for, so a refreshed access token keeps its audience.

CREATE TABLE apis (
    identifier TEXT PRIMARY KEY,
    spec       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE refresh_tokens ADD COLUMN audience TEXT;
