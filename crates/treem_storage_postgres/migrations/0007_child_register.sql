-- The rest of the register: household and yearly poverty status, caregivers and the
-- legal representative, school and health-insurance status, birth registration,
-- special circumstances (Law on Children Art. 10) and risk with their dates, consent.
CREATE TABLE household (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL,
    head_name TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES admin_unit (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL,
    CONSTRAINT household_code_key UNIQUE (unit_id, code)
);

CREATE TABLE household_poverty (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES household (id),
    year BIGINT NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    status TEXT NOT NULL CHECK (status IN ('poor', 'near_poor', 'neither')),
    CONSTRAINT household_poverty_year_key UNIQUE (household_id, year)
);

ALTER TABLE child ADD COLUMN household_id BIGINT REFERENCES household (id);
CREATE INDEX child_household_idx ON child (household_id);
ALTER TABLE child ADD COLUMN disability BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE child ADD COLUMN school_status TEXT CHECK (school_status IN ('not_school_age', 'in_school', 'out_of_school'));
ALTER TABLE child ADD COLUMN health_insurance BOOLEAN;
ALTER TABLE child ADD COLUMN birth_registered_on DATE;

CREATE TABLE child_caregiver (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    child_id BIGINT NOT NULL REFERENCES child (id),
    name TEXT NOT NULL,
    relation TEXT NOT NULL CHECK (relation IN ('mother', 'father', 'grandparent', 'sibling', 'relative', 'foster_parent', 'guardian', 'facility', 'other')),
    legal_representative BOOLEAN NOT NULL,
    phone TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX child_caregiver_child_idx ON child_caregiver (child_id);

CREATE TABLE child_circumstance (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    child_id BIGINT NOT NULL REFERENCES child (id),
    group_code TEXT NOT NULL CHECK (group_code IN ('a', 'b', 'c', 'd', 'dd', 'e', 'g', 'h', 'i', 'k', 'l', 'm', 'n', 'o')),
    began_on DATE NOT NULL,
    ended_on DATE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX child_circumstance_child_idx ON child_circumstance (child_id);

CREATE TABLE child_risk (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    child_id BIGINT NOT NULL REFERENCES child (id),
    factors TEXT NOT NULL,
    began_on DATE NOT NULL,
    ended_on DATE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX child_risk_child_idx ON child_risk (child_id);

CREATE TABLE child_consent (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    child_id BIGINT NOT NULL REFERENCES child (id),
    kind TEXT NOT NULL CHECK (kind IN ('child', 'legal_representative', 'legal_basis')),
    given_by TEXT NOT NULL,
    given_on DATE NOT NULL,
    scope TEXT NOT NULL,
    withdrawn_on DATE,
    recorded_by_id BIGINT NOT NULL REFERENCES account (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX child_consent_child_idx ON child_consent (child_id);
CREATE INDEX child_consent_recorded_by_idx ON child_consent (recorded_by_id);
