-- Dated statuses of administrative units: a commune recognised child-friendly, a district
-- or commune running the community-based child-protection model. Public facts, counted by
-- the plan's targets T3a, T3b and T5.
CREATE TABLE unit_status (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES admin_unit (id),
    kind TEXT NOT NULL CHECK (kind IN ('child_friendly', 'community_based_protection')),
    valid_from DATE NOT NULL,
    valid_to DATE,
    decision TEXT NOT NULL,
    created_by_id BIGINT NOT NULL REFERENCES account (id),
    created_at TIMESTAMPTZ NOT NULL,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX unit_status_unit_idx ON unit_status (unit_id);
CREATE INDEX unit_status_created_by_idx ON unit_status (created_by_id);
