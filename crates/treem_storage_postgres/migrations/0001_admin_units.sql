-- Administrative units over time. Identity is `id`; (code, valid_from) is unique
-- because codes are reused across eras. Kept in step with the SQLite file of the
-- same name by the schema-parity test.
CREATE TABLE admin_unit (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
    name TEXT NOT NULL,
    name_search TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune', 'hamlet')),
    unit_type TEXT NOT NULL CHECK (unit_type IN ('tinh', 'thanh_pho', 'thi_xa', 'huyen', 'quan', 'phuong', 'xa', 'thi_tran', 'khom', 'ap', 'to_dan_pho')),
    valid_from DATE NOT NULL,
    valid_to DATE,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    area_km2 DOUBLE PRECISION,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT admin_unit_code_from_key UNIQUE (code, valid_from),
    CONSTRAINT admin_unit_validity_check CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX admin_unit_name_search_idx ON admin_unit (name_search);

CREATE TABLE admin_unit_parent (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    child_id BIGINT NOT NULL REFERENCES admin_unit (id),
    parent_id BIGINT NOT NULL REFERENCES admin_unit (id),
    valid_from DATE NOT NULL,
    valid_to DATE,
    CONSTRAINT admin_unit_parent_child_from_key UNIQUE (child_id, valid_from),
    CONSTRAINT admin_unit_parent_not_self_check CHECK (child_id <> parent_id)
);
CREATE INDEX admin_unit_parent_parent_idx ON admin_unit_parent (parent_id);

CREATE TABLE admin_unit_succession (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_id BIGINT NOT NULL REFERENCES admin_unit (id),
    to_id BIGINT NOT NULL REFERENCES admin_unit (id),
    effective DATE NOT NULL,
    share_ppm BIGINT NOT NULL CHECK (share_ppm > 0 AND share_ppm <= 1000000),
    CONSTRAINT admin_unit_succession_key UNIQUE (from_id, to_id, effective)
);
CREATE INDEX admin_unit_succession_to_idx ON admin_unit_succession (to_id);
