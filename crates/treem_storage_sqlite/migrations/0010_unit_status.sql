-- Dated statuses of administrative units: a commune recognised child-friendly, a district
-- or commune running the community-based child-protection model. Public facts, counted by
-- the plan's targets T3a, T3b and T5.
CREATE TABLE unit_status (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES admin_unit (id),
    kind TEXT NOT NULL CHECK (kind IN ('child_friendly', 'community_based_protection')),
    valid_from DATE NOT NULL CHECK (valid_from GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    valid_to DATE CHECK (valid_to IS NULL OR valid_to GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    decision TEXT NOT NULL,
    created_by_id INTEGER NOT NULL REFERENCES account (id),
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX unit_status_unit_idx ON unit_status (unit_id);
CREATE INDEX unit_status_created_by_idx ON unit_status (created_by_id);
