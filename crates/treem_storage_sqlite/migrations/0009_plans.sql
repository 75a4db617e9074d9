-- Plans as data: a checked, typed plan document (baselines, targets, tasks, solutions,
-- agencies) kept whole; the columns are what lists show. Nothing filters inside the document.
CREATE TABLE plan (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    title_vi TEXT NOT NULL,
    issued_year BIGINT NOT NULL,
    period_from BIGINT NOT NULL,
    period_to BIGINT NOT NULL,
    document TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    updated_at TIMESTAMP NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    version BIGINT NOT NULL,
    CONSTRAINT plan_code_key UNIQUE (code)
);
