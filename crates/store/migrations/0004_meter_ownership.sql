-- A meter (PRM) belongs to one district: the first one that registered it. Another district
-- holds it only when the programme team shared it on purpose (`shared_at`, Unix seconds). A row
-- that put a PRM in a second district without that (which version 3 allowed) stays in the
-- table, so nothing is lost, but grants nothing: the store reads it as absent.
ALTER TABLE participants ADD COLUMN shared_at INTEGER;

-- Usernames are compared without regard to case (`admin` and `Admin` are one user). The server
-- stores them trimmed and in lower case from this version on.
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));
