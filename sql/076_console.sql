-- The operator console (src/web/console.c, src/payments/console_users.h): its users, who sign
-- in with a name and a password (scrypt, as the built-in login's users) and belong to the
-- operator tenant, and its browser sessions, which a tenant's API secret opens too. A session
-- is stored as the SHA-256 of its cookie value, with its CSRF token; it ends CONSOLE_SESSION_S
-- after it began, or CONSOLE_IDLE_S after its last request.
CREATE TABLE console_users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,            -- scrypt$<log2 N>$<r>$<p>$<salt b64>$<key b64>
    role TEXT NOT NULL,                     -- 'viewer' or 'operator'
    created_ms BIGINT NOT NULL
);

CREATE TABLE console_sessions (
    id_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,                -- whose rows the session sees
    user_name TEXT NOT NULL,                -- the console user's name; '' for a tenant's secret
    role TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    seen_ms BIGINT NOT NULL
);
CREATE INDEX console_sessions_seen ON console_sessions (seen_ms);
