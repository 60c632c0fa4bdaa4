-- Every change of data made by a person: who (the user's id and name at the time, kept after
-- the user is deleted), what (the method and path of the request), when, and how it ended.
-- Read by the programme team.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    user_id INTEGER,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    status INTEGER NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);

-- A deleted district keeps an empty row (no name, no file) so that its id is never given to
-- another district (SQLite reuses the largest id of a deleted row): old links and log entries
-- never lead to someone else's district.
ALTER TABLE districts ADD COLUMN deleted_at INTEGER;
