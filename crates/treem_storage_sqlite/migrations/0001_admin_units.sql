-- Administrative units over time. Identity is `id`; (code, valid_from) is unique
-- because codes are reused across eras. Logical types (DATE, TIMESTAMP) are
-- declared so the schema-parity test can compare them with PostgreSQL; CHECKs
-- keep the stored text in the one fixed form Rust writes.
CREATE TABLE admin_unit (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
    name TEXT NOT NULL,
    name_search TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune', 'hamlet')),
    unit_type TEXT NOT NULL CHECK (unit_type IN ('tinh', 'thanh_pho', 'thi_xa', 'huyen', 'quan', 'phuong', 'xa', 'thi_tran', 'khom', 'ap', 'to_dan_pho')),
    valid_from DATE NOT NULL CHECK (valid_from GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    valid_to DATE CHECK (valid_to GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    lat REAL,
    lon REAL,
    area_km2 REAL,
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    CONSTRAINT admin_unit_code_from_key UNIQUE (code, valid_from),
    CONSTRAINT admin_unit_validity_check CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX admin_unit_name_search_idx ON admin_unit (name_search);

-- Parent links are dated rows: a commune may move between districts over time.
CREATE TABLE admin_unit_parent (
    id INTEGER PRIMARY KEY,
    child_id INTEGER NOT NULL REFERENCES admin_unit (id),
    parent_id INTEGER NOT NULL REFERENCES admin_unit (id),
    valid_from DATE NOT NULL CHECK (valid_from GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    valid_to DATE CHECK (valid_to GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    CONSTRAINT admin_unit_parent_child_from_key UNIQUE (child_id, valid_from),
    CONSTRAINT admin_unit_parent_not_self_check CHECK (child_id <> parent_id)
);
CREATE INDEX admin_unit_parent_parent_idx ON admin_unit_parent (parent_id);

-- Merges and splits: share_ppm of `from` became part of `to` on `effective`.
CREATE TABLE admin_unit_succession (
    id INTEGER PRIMARY KEY,
    from_id INTEGER NOT NULL REFERENCES admin_unit (id),
    to_id INTEGER NOT NULL REFERENCES admin_unit (id),
    effective DATE NOT NULL CHECK (effective GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    share_ppm INTEGER NOT NULL CHECK (share_ppm > 0 AND share_ppm <= 1000000),
    CONSTRAINT admin_unit_succession_key UNIQUE (from_id, to_id, effective)
);
CREATE INDEX admin_unit_succession_to_idx ON admin_unit_succession (to_id);
