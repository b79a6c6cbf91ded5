-- Consent to third-party clients, and each client's look on the login pages.

ALTER TABLE clients ADD COLUMN logo_uri TEXT;
ALTER TABLE clients ADD COLUMN primary_color TEXT;
ALTER TABLE clients ADD COLUMN third_party INTEGER NOT NULL DEFAULT 0;

CREATE TABLE consents (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
