-- Accounts, sessions, API tokens, sign-in throttling and the audit log.
CREATE TABLE account (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('system_admin', 'provincial_officer', 'district_officer', 'commune_worker', 'hamlet_collaborator', 'agency_reporter', 'police_liaison', 'auditor')),
    scope_unit_id INTEGER REFERENCES admin_unit (id),
    agency TEXT,
    totp_secret TEXT,
    totp_enabled BOOLEAN NOT NULL CHECK (totp_enabled IN (0, 1)),
    totp_last_step BIGINT,
    disabled BOOLEAN NOT NULL CHECK (disabled IN (0, 1)),
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    updated_at TIMESTAMP NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    version BIGINT NOT NULL,
    CONSTRAINT account_username_key UNIQUE (username)
);
CREATE INDEX account_scope_unit_idx ON account (scope_unit_id);

-- A session is stored by the hash of its token; the token itself lives only in the cookie.
CREATE TABLE session (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES account (id),
    csrf_token TEXT NOT NULL,
    mfa_passed BOOLEAN NOT NULL CHECK (mfa_passed IN (0, 1)),
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    last_seen_at TIMESTAMP NOT NULL CHECK (last_seen_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    CONSTRAINT session_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX session_account_idx ON session (account_id);

CREATE TABLE api_token (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    last_used_at TIMESTAMP CHECK (last_used_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    revoked_at TIMESTAMP CHECK (revoked_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    CONSTRAINT api_token_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_token_account_idx ON api_token (account_id);

-- Failed sign-ins per key (an account name or a client address): an escalating, expiring delay.
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start TIMESTAMP NOT NULL CHECK (window_start GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    locked_until TIMESTAMP NOT NULL CHECK (locked_until GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z')
);

-- Append-only and hash-chained: each row carries the hash of the row before it.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TIMESTAMP NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
    actor_id INTEGER REFERENCES account (id),
    actor_label TEXT NOT NULL,
    source TEXT NOT NULL,
    action TEXT NOT NULL,
    record_type TEXT,
    record_key TEXT,
    fields TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    CONSTRAINT audit_log_hash_key UNIQUE (hash)
);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id);
CREATE INDEX audit_log_record_idx ON audit_log (record_type, record_key);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
