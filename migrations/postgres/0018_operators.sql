-- Operators: users who may use the console (/console). Granted by the CLI or the management
-- API; `[console] operators` in the config names more by address without writing here.
ALTER TABLE users ADD COLUMN operator BOOLEAN NOT NULL DEFAULT FALSE;
