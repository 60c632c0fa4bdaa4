-- The programme's own roles and the laureates' monthly reports.
--
-- Three roles join programme, organiser and participant: `applicant` (answers a call for
-- applications), `reviewer` (scores the applications assigned to them) and `laureate` (runs one
-- experiment and reports its indicators each month; `experiment` is its slug, the experiment
-- file's name). Changing the role column's CHECK needs each back end's own statements: SQLite
-- rebuilds the table (the sessions and the jobs' owners, which the rebuild would drop or clear
-- through their foreign keys, are kept aside and put back, so that nobody is logged out and no
-- job loses its owner); PostgreSQL replaces the constraint.
-- @sqlite
CREATE TEMP TABLE keep_sessions AS SELECT * FROM sessions;
CREATE TEMP TABLE keep_job_owners AS SELECT id, user_id FROM jobs WHERE user_id IS NOT NULL;
CREATE TABLE users_v9 (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('programme', 'organiser', 'participant', 'applicant', 'reviewer', 'laureate')),
    district_id INTEGER REFERENCES districts(id),
    prm TEXT,
    created_at INTEGER NOT NULL,
    experiment TEXT
);
INSERT INTO users_v9 (id, username, password_hash, role, district_id, prm, created_at)
    SELECT id, username, password_hash, role, district_id, prm, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_v9 RENAME TO users;
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));
INSERT INTO sessions SELECT * FROM keep_sessions;
UPDATE jobs SET user_id = (SELECT k.user_id FROM keep_job_owners AS k WHERE k.id = jobs.id)
    WHERE id IN (SELECT id FROM keep_job_owners);
DROP TABLE keep_sessions;
DROP TABLE keep_job_owners;
-- @postgres
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('programme', 'organiser', 'participant', 'applicant', 'reviewer', 'laureate'));
ALTER TABLE users ADD COLUMN experiment TEXT;
-- @both

-- A laureate's monthly report: one value per experiment, indicator and month (`YYYY-MM`); a
-- later upload of the same month replaces it, and says who and when.
CREATE TABLE experiment_reports (
    experiment TEXT NOT NULL,
    indicator TEXT NOT NULL,
    month TEXT NOT NULL,
    value REAL NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (experiment, indicator, month)
);
