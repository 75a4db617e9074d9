-- Imports of cases (issue #13): a batch may be of children, incidents or cases, and an
-- imported row names the record it added in its own table.
ALTER TABLE import_batch DROP CONSTRAINT import_batch_kind_check;
ALTER TABLE import_batch ADD CONSTRAINT import_batch_kind_check CHECK (kind IN ('children', 'incidents', 'cases'));
ALTER TABLE import_record DROP CONSTRAINT import_record_kind_check;
ALTER TABLE import_record ADD CONSTRAINT import_record_kind_check CHECK (kind IN ('children', 'incidents', 'cases'));
ALTER TABLE import_record ADD COLUMN case_id BIGINT REFERENCES child_case (id);
ALTER TABLE import_record DROP CONSTRAINT import_record_one;
ALTER TABLE import_record ADD CONSTRAINT import_record_one CHECK (
    (kind = 'children' AND child_id IS NOT NULL AND incident_id IS NULL AND case_id IS NULL)
    OR (kind = 'incidents' AND incident_id IS NOT NULL AND child_id IS NULL AND case_id IS NULL)
    OR (kind = 'cases' AND case_id IS NOT NULL AND child_id IS NULL AND incident_id IS NULL));
CREATE INDEX import_record_case_idx ON import_record (case_id);
