-- Who asked for a job, and with which options (canonical JSON): queues are bounded per user and
-- per district, and a job identical to one still queued is merged into it.
ALTER TABLE jobs ADD COLUMN user_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE jobs ADD COLUMN options_json TEXT NOT NULL DEFAULT '{}';
CREATE INDEX jobs_active ON jobs(status, district_id);
