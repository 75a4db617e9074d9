-- A case is assigned to the worker who manages it, and can be transferred to another
-- commune (the child moved): the case's unit changes, so its scope follows, and each
-- transfer is kept with its reason. Both are audited (treem_app::cases).
ALTER TABLE child_case ADD COLUMN assigned_to_id INTEGER REFERENCES account (id);
CREATE INDEX child_case_assigned_idx ON child_case (assigned_to_id);

CREATE TABLE case_transfer (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES child_case (id),
    from_unit_id INTEGER NOT NULL REFERENCES admin_unit (id),
    to_unit_id INTEGER NOT NULL REFERENCES admin_unit (id),
    reason TEXT NOT NULL,
    actor_id INTEGER NOT NULL REFERENCES account (id),
    at TIMESTAMP NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z')
);
CREATE INDEX case_transfer_case_idx ON case_transfer (case_id);
CREATE INDEX case_transfer_from_idx ON case_transfer (from_unit_id);
CREATE INDEX case_transfer_to_idx ON case_transfer (to_unit_id);
CREATE INDEX case_transfer_actor_idx ON case_transfer (actor_id);
