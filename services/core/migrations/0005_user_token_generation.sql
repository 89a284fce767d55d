-- Token revocation (services/web/users.py, deps.py): every bearer token carries the user's
-- token generation when it was issued, and a request is refused when the user's row holds
-- another one. `seagrid user passwd` sets a new generation, revoking every earlier token.
--
-- Generations come from one sequence, so they are never reused: a user deleted and created
-- again under the same name gets a new one and the old user's tokens stay refused. Rows
-- that exist now get 0, the generation of tokens issued before this migration (they carry
-- none): upgrading does not log out the users on watch.

CREATE SEQUENCE users_token_generation AS bigint;

ALTER TABLE users ADD COLUMN token_generation bigint NOT NULL DEFAULT 0;
ALTER TABLE users ALTER COLUMN token_generation SET DEFAULT nextval('users_token_generation');
ALTER SEQUENCE users_token_generation OWNED BY users.token_generation;
