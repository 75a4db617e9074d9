-- Privacy as a property (docs/SECURITY.md): a reader is answered as if the attributes of
-- the sensitive classes it does not see had never been recorded.
--
-- 1. An audit entry about an attribute of a sensitive class carries that class; the log
--    is shown to each reader without the entries of classes it does not see. Existing
--    entries have none (the column is NULL for them, and their hashes are unchanged).
ALTER TABLE audit_log ADD COLUMN sensitivity TEXT CHECK (sensitivity IN ('hiv_status', 'abuse_details', 'offence_details', 'reporter_identity'));
-- The log is paged by time (its ids are not shown: a gap would tell of a hidden entry).
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- 2. A child record's version counts changes to its core fields; each sensitive class
--    counts its own, so that a change a reader cannot see does not move the version it sees.
ALTER TABLE child ADD COLUMN hiv_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE child ADD COLUMN abuse_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE child ADD COLUMN offence_version BIGINT NOT NULL DEFAULT 0;

-- 3. Public statistics are published for closed years only, once, and kept as published:
--    two readings never differ by one new record.
CREATE TABLE public_release (
    plan_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    body TEXT NOT NULL,
    CONSTRAINT public_release_pkey PRIMARY KEY (plan_code, year)
);
