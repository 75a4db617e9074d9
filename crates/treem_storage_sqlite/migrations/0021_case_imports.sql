-- Imports of cases (issue #13): a batch may be of children, incidents or cases, and an
-- imported row names the record it added in its own table. SQLite cannot change a CHECK
-- in place, so both tables are rebuilt (the parent first: the child's reference follows
-- the rename) and their rows copied.
CREATE TABLE import_batch_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('children', 'incidents', 'cases')),
    file_name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    added BIGINT NOT NULL CHECK (added >= 0),
    skipped BIGINT NOT NULL CHECK (skipped >= 0),
    created_by_id INTEGER NOT NULL REFERENCES account (id),
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z')
);
INSERT INTO import_batch_new (id, kind, file_name, checksum, added, skipped, created_by_id, created_at)
    SELECT id, kind, file_name, checksum, added, skipped, created_by_id, created_at FROM import_batch;

CREATE TABLE import_record_new (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES import_batch_new (id),
    kind TEXT NOT NULL CHECK (kind IN ('children', 'incidents', 'cases')),
    import_key TEXT NOT NULL,
    child_id INTEGER REFERENCES child (id),
    incident_id INTEGER REFERENCES incident (id),
    case_id INTEGER REFERENCES child_case (id),
    CONSTRAINT import_record_key UNIQUE (kind, import_key),
    CONSTRAINT import_record_one CHECK (
        (kind = 'children' AND child_id IS NOT NULL AND incident_id IS NULL AND case_id IS NULL)
        OR (kind = 'incidents' AND incident_id IS NOT NULL AND child_id IS NULL AND case_id IS NULL)
        OR (kind = 'cases' AND case_id IS NOT NULL AND child_id IS NULL AND incident_id IS NULL))
);
INSERT INTO import_record_new (id, batch_id, kind, import_key, child_id, incident_id)
    SELECT id, batch_id, kind, import_key, child_id, incident_id FROM import_record;

DROP TABLE import_record;
DROP TABLE import_batch;
ALTER TABLE import_batch_new RENAME TO import_batch;
ALTER TABLE import_record_new RENAME TO import_record;
CREATE INDEX import_batch_created_by_idx ON import_batch (created_by_id);
CREATE INDEX import_record_batch_idx ON import_record (batch_id);
CREATE INDEX import_record_child_idx ON import_record (child_id);
CREATE INDEX import_record_incident_idx ON import_record (incident_id);
CREATE INDEX import_record_case_idx ON import_record (case_id);
