-- The register of children: typed core fields; sensitive fields in their own columns.
CREATE TABLE child (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    full_name TEXT NOT NULL,
    name_search TEXT NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    birth_date DATE NOT NULL,
    residence_unit_id BIGINT NOT NULL REFERENCES admin_unit (id),
    registered_on DATE NOT NULL,
    hiv_status TEXT CHECK (hiv_status IN ('unknown', 'negative', 'exposed', 'positive')),
    abuse_notes TEXT,
    offence_notes TEXT,
    created_by_id BIGINT NOT NULL REFERENCES account (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX child_residence_unit_idx ON child (residence_unit_id);
CREATE INDEX child_created_by_idx ON child (created_by_id);
CREATE INDEX child_name_search_idx ON child (name_search);
