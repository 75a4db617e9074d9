-- Merging duplicate child records: the duplicate points at the record it was merged
-- into and drops out of lists; clearing the link undoes the merge.
ALTER TABLE child ADD COLUMN merged_into_id INTEGER REFERENCES child (id);
CREATE INDEX child_merged_into_idx ON child (merged_into_id);
