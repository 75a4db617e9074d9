-- Plans as data: a checked, typed plan document (baselines, targets, tasks, solutions,
-- agencies) kept whole; the columns are what lists show. Nothing filters inside the document.
CREATE TABLE plan (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL,
    title_vi TEXT NOT NULL,
    issued_year BIGINT NOT NULL,
    period_from BIGINT NOT NULL,
    period_to BIGINT NOT NULL,
    document TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL,
    CONSTRAINT plan_code_key UNIQUE (code)
);
