-- A third dated unit status: a district or commune running the pilot of community-based
-- support for juveniles in conflict with the law (the 2013 plan's milestone T4). SQLite
-- cannot alter a CHECK constraint, so the table is rebuilt with its rows and indexes.
CREATE TABLE unit_status_new (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES admin_unit (id),
    kind TEXT NOT NULL CHECK (kind IN ('child_friendly', 'community_based_protection', 'juvenile_diversion_pilot')),
    valid_from DATE NOT NULL CHECK (valid_from GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    valid_to DATE CHECK (valid_to IS NULL OR valid_to GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    decision TEXT NOT NULL,
    created_by_id INTEGER NOT NULL REFERENCES account (id),
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
INSERT INTO unit_status_new (id, unit_id, kind, valid_from, valid_to, decision, created_by_id, created_at)
    SELECT id, unit_id, kind, valid_from, valid_to, decision, created_by_id, created_at FROM unit_status;
DROP TABLE unit_status;
ALTER TABLE unit_status_new RENAME TO unit_status;
CREATE INDEX unit_status_unit_idx ON unit_status (unit_id);
CREATE INDEX unit_status_created_by_idx ON unit_status (created_by_id);
