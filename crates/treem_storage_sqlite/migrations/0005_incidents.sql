-- Incidents counted by date and unit of occurrence, linked to the children involved and to a case.
CREATE TABLE incident (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('abuse', 'conflict_with_law', 'accident')),
    occurred_on DATE NOT NULL CHECK (occurred_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    unit_id INTEGER NOT NULL REFERENCES admin_unit (id),
    abuse_form TEXT CHECK (abuse_form IN ('bao_luc', 'boc_lot', 'xam_hai_tinh_duc', 'mua_ban', 'bo_roi_bo_mat', 'khac')),
    sexual_subtype TEXT CHECK (sexual_subtype IN ('hiep_dam', 'cuong_dam', 'giao_cau', 'dam_o', 'mai_dam_khieu_dam')),
    setting TEXT CHECK (setting IN ('family', 'school', 'community', 'online')),
    relation TEXT CHECK (relation IN ('parent', 'step_parent', 'relative', 'teacher', 'acquaintance', 'stranger', 'other_child', 'unknown')),
    offence TEXT,
    justice_stage TEXT CHECK (justice_stage IN ('police', 'procuracy', 'court')),
    justice_measure TEXT CHECK (justice_measure IN ('diversion', 'education_at_commune', 'reform_school', 'pending')),
    injury TEXT CHECK (injury IN ('drowning', 'traffic', 'burn', 'fall', 'other')),
    fatal BOOLEAN NOT NULL CHECK (fatal IN (0, 1)),
    notes TEXT,
    case_id INTEGER REFERENCES child_case (id),
    created_by_id INTEGER NOT NULL REFERENCES account (id),
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    updated_at TIMESTAMP NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    version BIGINT NOT NULL
);
CREATE INDEX incident_unit_idx ON incident (unit_id);
CREATE INDEX incident_case_idx ON incident (case_id);
CREATE INDEX incident_created_by_idx ON incident (created_by_id);
CREATE INDEX incident_occurred_idx ON incident (occurred_on);

CREATE TABLE incident_child (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incident (id),
    child_id INTEGER NOT NULL REFERENCES child (id),
    CONSTRAINT incident_child_key UNIQUE (incident_id, child_id)
);
CREATE INDEX incident_child_child_idx ON incident_child (child_id);
