-- Per-client overrides of the sign-in email (code, link or both) and of cross-device magic links.
ALTER TABLE clients ADD COLUMN email_sends TEXT;
ALTER TABLE clients ADD COLUMN cross_device_links INTEGER;
