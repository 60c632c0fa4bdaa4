-- Quartier schema, version 1. Kept dialect-neutral where possible: INTEGER instants (Unix
-- seconds, UTC), TEXT, DOUBLE PRECISION. SQLite-specific: INTEGER PRIMARY KEY (PostgreSQL:
-- BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY).
CREATE TABLE districts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    source_toml TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('programme', 'organiser', 'participant')),
    district_id INTEGER REFERENCES districts(id),
    prm TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    token TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE participants (
    id INTEGER PRIMARY KEY,
    district_id INTEGER NOT NULL REFERENCES districts(id) ON DELETE CASCADE,
    prm TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    UNIQUE (district_id, prm)
);
CREATE INDEX participants_prm ON participants(prm);

CREATE TABLE meter_curves (
    prm TEXT NOT NULL,
    instant INTEGER NOT NULL,
    kwh DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (prm, instant)
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    district_id INTEGER REFERENCES districts(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    result_json TEXT,
    error TEXT,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
);

CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL UNIQUE REFERENCES jobs(id) ON DELETE CASCADE,
    district_id INTEGER NOT NULL REFERENCES districts(id) ON DELETE CASCADE,
    kpis_json TEXT NOT NULL,
    timeseries_csv TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX runs_district ON runs(district_id);
