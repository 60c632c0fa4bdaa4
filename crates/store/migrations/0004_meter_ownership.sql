-- A meter (PRM) belongs to one district: the first one that registered it. Another district
-- holds it only when the programme team shared it on purpose (`shared_at`, Unix seconds). A row
-- that put a PRM in a second district without that (which version 3 allowed) stays in the
-- table, so nothing is lost, but grants nothing: the store reads it as absent.
ALTER TABLE participants ADD COLUMN shared_at INTEGER;

-- Usernames are compared without regard to case (`admin` and `Admin` are one user). The server
-- stores them trimmed and in lower case from this version on. A database of an earlier version
-- may hold two logins that differ only by case: the oldest keeps its name, each later one is
-- renamed `<name in lower case>-renamed-<id>` (its password, role and sessions unchanged), so
-- the upgrade goes through and no login is lost. The programme team tells those people their new
-- username (the people page lists it).
UPDATE users SET username = lower(username) || '-renamed-' || CAST(id AS TEXT)
WHERE EXISTS (
    SELECT 1 FROM users AS older
    WHERE lower(older.username) = lower(users.username) AND older.id < users.id
);
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));
