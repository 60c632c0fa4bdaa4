-- Sessions keep the SHA-256 digest of the client's token, never the token itself: a copy of
-- the database (a backup, a dump sent for support) gives nobody a live session. Sessions
-- recorded before this migration held plain tokens and are dropped (their users log in again).
DELETE FROM sessions;
ALTER TABLE sessions RENAME COLUMN token TO token_sha256;
