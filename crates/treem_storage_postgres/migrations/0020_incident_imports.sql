-- Imports of incidents (issue #13): a batch may be of children or of incidents, and an
-- imported row names the record it added in its own table.
ALTER TABLE import_batch DROP CONSTRAINT import_batch_kind_check;
ALTER TABLE import_batch ADD CONSTRAINT import_batch_kind_check CHECK (kind IN ('children', 'incidents'));
ALTER TABLE import_record DROP CONSTRAINT import_record_kind_check;
ALTER TABLE import_record ADD CONSTRAINT import_record_kind_check CHECK (kind IN ('children', 'incidents'));
ALTER TABLE import_record ALTER COLUMN child_id DROP NOT NULL;
ALTER TABLE import_record ADD COLUMN incident_id BIGINT REFERENCES incident (id);
ALTER TABLE import_record ADD CONSTRAINT import_record_one CHECK ((kind = 'children' AND child_id IS NOT NULL AND incident_id IS NULL)
    OR (kind = 'incidents' AND incident_id IS NOT NULL AND child_id IS NULL));
CREATE INDEX import_record_incident_idx ON import_record (incident_id);
