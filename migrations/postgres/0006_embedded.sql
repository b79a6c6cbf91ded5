-- Clients allowed the embedded passwordless APIs, and where Verify requests report their end.
ALTER TABLE clients ADD COLUMN passwordless BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE clients ADD COLUMN verify_callback_url TEXT;
