-- Clients allowed the embedded passwordless APIs, and where Verify requests report their end.
ALTER TABLE clients ADD COLUMN passwordless INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN verify_callback_url TEXT;
