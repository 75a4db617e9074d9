-- Bulk imports of records (issue #13): one batch per imported file, with the file's
-- SHA-256, and one row per record it added under the row's stable key (the file's own
-- identifier, or a hash of the row's identifying fields), so that importing the same
-- file again adds nothing. `kind` names the table the record is in (only children so far).
CREATE TABLE import_batch (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('children')),
    file_name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    added BIGINT NOT NULL CHECK (added >= 0),
    skipped BIGINT NOT NULL CHECK (skipped >= 0),
    created_by_id BIGINT NOT NULL REFERENCES account (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX import_batch_created_by_idx ON import_batch (created_by_id);

CREATE TABLE import_record (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id BIGINT NOT NULL REFERENCES import_batch (id),
    kind TEXT NOT NULL CHECK (kind IN ('children')),
    import_key TEXT NOT NULL,
    child_id BIGINT NOT NULL REFERENCES child (id),
    CONSTRAINT import_record_key UNIQUE (kind, import_key)
);
CREATE INDEX import_record_batch_idx ON import_record (batch_id);
CREATE INDEX import_record_child_idx ON import_record (child_id);
