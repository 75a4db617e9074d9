-- Case management (Decree 56/2017): cases, their steps, stored tasks with due times,
-- plan interventions, the service directory and referrals.
CREATE TABLE child_case (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    child_id BIGINT NOT NULL REFERENCES child (id),
    unit_id BIGINT NOT NULL REFERENCES admin_unit (id),
    state TEXT NOT NULL CHECK (state IN ('received', 'verified', 'initial_assessed', 'emergency', 'detailed_assessed', 'plan_drafted', 'plan_approved', 'in_progress', 'under_review', 'closed', 'closed_unfounded')),
    source TEXT NOT NULL CHECK (source IN ('hotline_111', 'collaborator', 'police', 'school', 'health_facility', 'child_or_family', 'other')),
    source_ref TEXT,
    reporter_name TEXT,
    reporter_contact TEXT,
    summary TEXT NOT NULL,
    urgent BOOLEAN NOT NULL,
    risk_level TEXT CHECK (risk_level IN ('low', 'medium', 'high')),
    plan_summary TEXT,
    plan_approved_by TEXT,
    review_at TIMESTAMPTZ,
    last_review_safe BOOLEAN,
    received_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ,
    created_by_id BIGINT NOT NULL REFERENCES account (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX child_case_child_idx ON child_case (child_id);
CREATE INDEX child_case_unit_idx ON child_case (unit_id);
CREATE INDEX child_case_created_by_idx ON child_case (created_by_id);

CREATE TABLE case_step (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES child_case (id),
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    note TEXT,
    actor_id BIGINT NOT NULL REFERENCES account (id),
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_step_case_idx ON case_step (case_id);
CREATE INDEX case_step_actor_idx ON case_step (actor_id);

CREATE TABLE case_task (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES child_case (id),
    unit_id BIGINT NOT NULL REFERENCES admin_unit (id),
    kind TEXT NOT NULL CHECK (kind IN ('verify', 'initial_assessment', 'emergency_intervention', 'detailed_assessment', 'draft_plan', 'approve_plan', 'start_plan', 'review', 'close')),
    assignee_id BIGINT REFERENCES account (id),
    due_at TIMESTAMPTZ NOT NULL,
    done_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_task_case_idx ON case_task (case_id);
CREATE INDEX case_task_unit_idx ON case_task (unit_id);
CREATE INDEX case_task_assignee_idx ON case_task (assignee_id);
CREATE INDEX case_task_due_idx ON case_task (due_at);

CREATE TABLE case_intervention (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES child_case (id),
    kind TEXT NOT NULL CHECK (kind IN ('health_care', 'legal_aid', 'education_support', 'psychological_support', 'alternative_care', 'emergency_placement', 'financial_support', 'other')),
    responsible TEXT NOT NULL,
    due_on DATE,
    status TEXT NOT NULL CHECK (status IN ('planned', 'done', 'cancelled')),
    outcome TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX case_intervention_case_idx ON case_intervention (case_id);

CREATE TABLE service_provider (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('social_work_centre', 'safe_house', 'health_facility', 'legal_aid', 'police', 'school', 'other')),
    unit_id BIGINT NOT NULL REFERENCES admin_unit (id),
    phone TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX service_provider_unit_idx ON service_provider (unit_id);

CREATE TABLE referral (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES child_case (id),
    provider_id BIGINT NOT NULL REFERENCES service_provider (id),
    status TEXT NOT NULL CHECK (status IN ('sent', 'accepted', 'declined', 'completed')),
    note TEXT,
    reason TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX referral_case_idx ON referral (case_id);
CREATE INDEX referral_provider_idx ON referral (provider_id);
