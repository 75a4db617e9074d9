-- The register of children: typed core fields; sensitive fields in their own columns.
CREATE TABLE child (
    id INTEGER PRIMARY KEY,
    full_name TEXT NOT NULL,
    name_search TEXT NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    birth_date DATE NOT NULL CHECK (birth_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    residence_unit_id INTEGER NOT NULL REFERENCES admin_unit (id),
    registered_on DATE NOT NULL CHECK (registered_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    hiv_status TEXT CHECK (hiv_status IN ('unknown', 'negative', 'exposed', 'positive')),
    abuse_notes TEXT,
    offence_notes TEXT,
    created_by_id INTEGER NOT NULL REFERENCES account (id),
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    updated_at TIMESTAMP NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    version BIGINT NOT NULL
);
CREATE INDEX child_residence_unit_idx ON child (residence_unit_id);
CREATE INDEX child_created_by_idx ON child (created_by_id);
CREATE INDEX child_name_search_idx ON child (name_search);
