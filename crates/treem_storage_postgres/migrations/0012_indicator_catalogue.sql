-- Indicator definitions saved through the UI or the API: each one a checked JSON document
-- (treem_domain::indicator::Indicator) that overlays the bundled entry of the same code or
-- adds a new code. The revision counts saves (optimistic concurrency: an edit names the
-- revision it started from). Public metadata, no personal data.
CREATE TABLE indicator_definition (
    code TEXT NOT NULL PRIMARY KEY,
    document TEXT NOT NULL,
    revision BIGINT NOT NULL CHECK (revision >= 1),
    saved_by_id BIGINT NOT NULL REFERENCES account (id),
    saved_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX indicator_definition_saved_by_idx ON indicator_definition (saved_by_id);
