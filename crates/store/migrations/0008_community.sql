-- A district's energy community over time.
--
-- Each version of its community file is kept (never overwritten): who attached it and when,
-- so that a past month is settled with the rules in force then. The grid operator's monthly
-- data are kept as uploaded (the zip, base64), with the local months they cover. Invoices
-- are kept as issued (their printable document in both languages): never altered, numbers
-- never reused within a district.
CREATE TABLE community_versions (
    id INTEGER PRIMARY KEY,
    district_id INTEGER NOT NULL REFERENCES districts(id),
    version INTEGER NOT NULL,
    source_toml TEXT NOT NULL,
    attached_at INTEGER NOT NULL,
    attached_by TEXT NOT NULL,
    UNIQUE (district_id, version)
);

CREATE TABLE official_data (
    id INTEGER PRIMARY KEY,
    district_id INTEGER NOT NULL REFERENCES districts(id),
    months TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_base64 TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL
);
CREATE INDEX official_data_district ON official_data(district_id);

CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    district_id INTEGER NOT NULL REFERENCES districts(id),
    number TEXT NOT NULL,
    prefix TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    prm TEXT NOT NULL,
    month TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    total_excl_vat_eur TEXT NOT NULL,
    total_incl_vat_eur TEXT NOT NULL,
    community_version INTEGER NOT NULL,
    official INTEGER NOT NULL,
    document_fr TEXT NOT NULL,
    document_en TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    issued_by TEXT NOT NULL,
    UNIQUE (district_id, number),
    UNIQUE (district_id, prm, month)
);
