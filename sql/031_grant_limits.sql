-- Grant spending limits (src/backend/grant_limits.c). Conventions as in 001_ledger.sql: u64
-- amounts are BIGINT bit patterns (compared in C), times are BIGINT milliseconds since the epoch.
--
-- One row per grant and interval holds what outgoing payments created under the grant have
-- spent in that interval (interval_start is the interval's start; a grant without an interval
-- has a single row with interval_start = -9223372036854775808, the smallest BIGINT). A spend
-- locks the row (Postgres FOR UPDATE; SQLite: the write transaction), checks the limits in C and
-- writes the new sums, so concurrent creates on several replicas never spend past a limit.

CREATE TABLE grant_spends (
    grant_id TEXT NOT NULL,
    interval_start BIGINT NOT NULL,
    debit_spent BIGINT NOT NULL DEFAULT 0,   -- u64
    receive_spent BIGINT NOT NULL DEFAULT 0, -- u64
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (grant_id, interval_start)
);
