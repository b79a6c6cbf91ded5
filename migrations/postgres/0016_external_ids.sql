-- The id a user had in the system they were imported from (Auth0's user_id, another Tessera's
-- user id, ...): a re-import finds them by it instead of creating them twice.
ALTER TABLE users ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX users_external_id ON users(external_id);
