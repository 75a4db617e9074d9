-- Aggregate values reported by agencies each year (issue #5): one value per data element
-- (data/indicators/data-elements.toml), unit, year and sex. `sex` is 'all' for an element
-- not reported by sex (not NULL: NULLs are distinct in a unique constraint on both engines).
-- Aggregates, not personal data. Summed by formulas as facts of kind `reported`.
CREATE TABLE reported_value (
    id INTEGER PRIMARY KEY,
    element TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES admin_unit (id),
    year INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 9999),
    sex TEXT NOT NULL CHECK (sex IN ('male', 'female', 'all')),
    value INTEGER NOT NULL CHECK (value >= 0),
    note TEXT NOT NULL,
    reported_by_id INTEGER NOT NULL REFERENCES account (id),
    reported_at TIMESTAMP NOT NULL CHECK (reported_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    CONSTRAINT reported_value_key UNIQUE (element, unit_id, year, sex)
);
CREATE INDEX reported_value_unit_idx ON reported_value (unit_id);
CREATE INDEX reported_value_reported_by_idx ON reported_value (reported_by_id);

-- Movements of a Child Protection Fund (Quỹ Bảo trợ trẻ em) of a province, district or
-- commune: receipts by source, disbursements by purpose, in whole đồng. Summed by formulas
-- as facts of kind `fund` on the movement's day.
CREATE TABLE fund_movement (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES admin_unit (id),
    moved_on DATE NOT NULL CHECK (moved_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    direction TEXT NOT NULL CHECK (direction IN ('receipt', 'disbursement')),
    source TEXT CHECK (source IS NULL OR source IN ('state_budget', 'domestic_donation', 'foreign_donation', 'other')),
    purpose TEXT CHECK (purpose IS NULL OR purpose IN ('support_children', 'scholarships', 'campaigns', 'operations', 'other')),
    amount INTEGER NOT NULL CHECK (amount > 0),
    note TEXT NOT NULL,
    recorded_by_id INTEGER NOT NULL REFERENCES account (id),
    recorded_at TIMESTAMP NOT NULL CHECK (recorded_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    CONSTRAINT fund_movement_kind_check CHECK (
        (direction = 'receipt' AND source IS NOT NULL AND purpose IS NULL)
        OR (direction = 'disbursement' AND purpose IS NOT NULL AND source IS NULL)
    )
);
CREATE INDEX fund_movement_unit_idx ON fund_movement (unit_id);
CREATE INDEX fund_movement_recorded_by_idx ON fund_movement (recorded_by_id);
