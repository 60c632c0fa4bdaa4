-- Quartier schema, version 2: the infrastructure asset registry of a district and the
-- maintenance log of each asset. Same dialect rules as version 1 (INTEGER and REAL are mapped
-- for PostgreSQL); dates are ISO text (YYYY-MM-DD), instants INTEGER Unix seconds (UTC).
-- Kinds are free text: their vocabulary belongs to the asset crate, not to the schema.
CREATE TABLE assets (
    id INTEGER PRIMARY KEY,
    district_id INTEGER NOT NULL REFERENCES districts(id) ON DELETE CASCADE,
    component TEXT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    location TEXT,
    latitude_deg DOUBLE PRECISION,
    longitude_deg DOUBLE PRECISION,
    commissioned_on TEXT NOT NULL,
    lifetime_years INTEGER NOT NULL CHECK (lifetime_years > 0),
    capex_eur DOUBLE PRECISION NOT NULL,
    annual_om_eur DOUBLE PRECISION NOT NULL,
    condition INTEGER NOT NULL CHECK (condition BETWEEN 1 AND 5),
    replacement_year INTEGER,
    notes TEXT NOT NULL DEFAULT '',
    UNIQUE (district_id, name)
);

CREATE TABLE maintenance_log (
    id INTEGER PRIMARY KEY,
    asset_id INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    performed_on TEXT NOT NULL,
    kind TEXT NOT NULL,
    cost_eur DOUBLE PRECISION NOT NULL,
    note TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX maintenance_log_asset ON maintenance_log(asset_id);
