-- Scopes a client may request for itself with the client_credentials grant (JSON list).
ALTER TABLE clients ADD COLUMN client_credentials_scopes TEXT NOT NULL DEFAULT '[]';
