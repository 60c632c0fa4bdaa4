-- The programme's calls for applications: each call as the server wrote it (its definition,
-- text the server reads back), the applications to it (their form as text, submitted once
-- and then never changed, the programme team's decision and the experiment a selected one
-- became), the documents attached to them (PDF bytes as base64, with their size), and the
-- reviews: a reviewer assigned to an application, then their conflict of interest or their
-- scores and comments (as text).
CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    opens_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    call_id INTEGER NOT NULL REFERENCES calls(id),
    applicant_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    form TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    submitted_at INTEGER,
    decision TEXT CHECK (decision IN ('selected', 'waiting-list', 'rejected')),
    decided_at INTEGER,
    experiment TEXT
);
CREATE INDEX applications_call ON applications(call_id);
CREATE INDEX applications_applicant ON applications(applicant_id);

CREATE TABLE application_documents (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    content_base64 TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);
CREATE INDEX application_documents_application ON application_documents(application_id);

CREATE TABLE reviews (
    application_id INTEGER NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    reviewer_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    assigned_at INTEGER NOT NULL,
    conflict TEXT,
    scores TEXT,
    submitted_at INTEGER,
    PRIMARY KEY (application_id, reviewer_id)
);
CREATE INDEX reviews_reviewer ON reviews(reviewer_id);
