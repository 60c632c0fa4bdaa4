-- Evidence a laureate attaches to a month of their report (a meter reading's photo, an
-- invoice, an installation report): the file's bytes as base64, its media type as detected
-- from its first bytes, its size, and who attached it when. Never published.
CREATE TABLE report_evidence (
    id INTEGER PRIMARY KEY,
    experiment TEXT NOT NULL,
    month TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    content_base64 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);
CREATE INDEX report_evidence_experiment ON report_evidence(experiment, month);
