-- Case management (Decree 56/2017): cases, their steps, stored tasks with due times,
-- plan interventions, the service directory and referrals.
CREATE TABLE child_case (
    id INTEGER PRIMARY KEY,
    child_id INTEGER NOT NULL REFERENCES child (id),
    unit_id INTEGER NOT NULL REFERENCES admin_unit (id),
    state TEXT NOT NULL CHECK (state IN ('received', 'verified', 'initial_assessed', 'emergency', 'detailed_assessed', 'plan_drafted', 'plan_approved', 'in_progress', 'under_review', 'closed', 'closed_unfounded')),
    source TEXT NOT NULL CHECK (source IN ('hotline_111', 'collaborator', 'police', 'school', 'health_facility', 'child_or_family', 'other')),
    source_ref TEXT,
    reporter_name TEXT,
    reporter_contact TEXT,
    summary TEXT NOT NULL,
    urgent BOOLEAN NOT NULL CHECK (urgent IN (0, 1)),
    risk_level TEXT CHECK (risk_level IN ('low', 'medium', 'high')),
    plan_summary TEXT,
    plan_approved_by TEXT,
    review_at TIMESTAMP CHECK (review_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    last_review_safe BOOLEAN CHECK (last_review_safe IN (0, 1)),
    received_at TIMESTAMP NOT NULL CHECK (received_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    closed_at TIMESTAMP CHECK (closed_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    created_by_id INTEGER NOT NULL REFERENCES account (id),
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    updated_at TIMESTAMP NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    version BIGINT NOT NULL
);
CREATE INDEX child_case_child_idx ON child_case (child_id);
CREATE INDEX child_case_unit_idx ON child_case (unit_id);
CREATE INDEX child_case_created_by_idx ON child_case (created_by_id);

CREATE TABLE case_step (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES child_case (id),
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    note TEXT,
    actor_id INTEGER NOT NULL REFERENCES account (id),
    at TIMESTAMP NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z')
);
CREATE INDEX case_step_case_idx ON case_step (case_id);
CREATE INDEX case_step_actor_idx ON case_step (actor_id);

CREATE TABLE case_task (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES child_case (id),
    unit_id INTEGER NOT NULL REFERENCES admin_unit (id),
    kind TEXT NOT NULL CHECK (kind IN ('verify', 'initial_assessment', 'emergency_intervention', 'detailed_assessment', 'draft_plan', 'approve_plan', 'start_plan', 'review', 'close')),
    assignee_id INTEGER REFERENCES account (id),
    due_at TIMESTAMP NOT NULL CHECK (due_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    done_at TIMESTAMP CHECK (done_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z')
);
CREATE INDEX case_task_case_idx ON case_task (case_id);
CREATE INDEX case_task_unit_idx ON case_task (unit_id);
CREATE INDEX case_task_assignee_idx ON case_task (assignee_id);
CREATE INDEX case_task_due_idx ON case_task (due_at);

CREATE TABLE case_intervention (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES child_case (id),
    kind TEXT NOT NULL CHECK (kind IN ('health_care', 'legal_aid', 'education_support', 'psychological_support', 'alternative_care', 'emergency_placement', 'financial_support', 'other')),
    responsible TEXT NOT NULL,
    due_on DATE CHECK (due_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    status TEXT NOT NULL CHECK (status IN ('planned', 'done', 'cancelled')),
    outcome TEXT,
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    updated_at TIMESTAMP NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    version BIGINT NOT NULL
);
CREATE INDEX case_intervention_case_idx ON case_intervention (case_id);

CREATE TABLE service_provider (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('social_work_centre', 'safe_house', 'health_facility', 'legal_aid', 'police', 'school', 'other')),
    unit_id INTEGER NOT NULL REFERENCES admin_unit (id),
    phone TEXT,
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z')
);
CREATE INDEX service_provider_unit_idx ON service_provider (unit_id);

CREATE TABLE referral (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES child_case (id),
    provider_id INTEGER NOT NULL REFERENCES service_provider (id),
    status TEXT NOT NULL CHECK (status IN ('sent', 'accepted', 'declined', 'completed')),
    note TEXT,
    reason TEXT,
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    updated_at TIMESTAMP NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    version BIGINT NOT NULL
);
CREATE INDEX referral_case_idx ON referral (case_id);
CREATE INDEX referral_provider_idx ON referral (provider_id);
