-- The operator console's audit log (beyond Rafiki; src/payments/console_users.h): one row per
-- change made through the console (and per sign-in and sign-out): who (the session's tenant and
-- console user, '' when it signed in with the tenant's secret), what (an action name, the id of
-- what it touched, a short detail without secrets), when, and the HTTP request's id.
CREATE TABLE console_audit (
    id TEXT PRIMARY KEY,
    at_ms BIGINT NOT NULL,
    tenant_id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    request_id TEXT NOT NULL
);
CREATE INDEX console_audit_tenant_at ON console_audit (tenant_id, at_ms);
CREATE INDEX console_audit_at ON console_audit (at_ms);
