-- Only the year of birth may be known: the date is then an estimate, kept as such.
ALTER TABLE child ADD COLUMN birth_date_estimated BOOLEAN NOT NULL DEFAULT 0 CHECK (birth_date_estimated IN (0, 1));
