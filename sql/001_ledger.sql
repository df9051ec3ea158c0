-- Ledger schema (account service). Shared by SQLite and Postgres; {{TOKENS}} are replaced by
-- src/store/dialect.c. The ledger engineer owns these columns; the migration mechanism is in
-- src/store/migrate.c.
--
-- Conventions (see src/store/db.h):
--   ids are canonical lower-case UUID text;
--   u64 amounts and counters are BIGINT holding the u64's bit pattern (db_bind_u64/db_col_u64),
--     so no SQL CHECK or arithmetic on them: limits are checked in C;
--   times are BIGINT milliseconds since the epoch (UTC).

CREATE TABLE assets (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    scale INTEGER NOT NULL,
    liquidity_account_id TEXT NOT NULL,
    settlement_account_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (code, scale)
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    asset_id TEXT NOT NULL REFERENCES assets (id),
    kind INTEGER NOT NULL,
    parent_id TEXT REFERENCES accounts (id),
    min_balance BIGINT NOT NULL DEFAULT 0,      -- signed; negative = credit line
    no_min_balance BOOLEAN NOT NULL DEFAULT FALSE,
    max_balance BIGINT,                         -- signed; NULL = no maximum
    debits_pending BIGINT NOT NULL DEFAULT 0,   -- u64
    debits_posted BIGINT NOT NULL DEFAULT 0,    -- u64
    credits_pending BIGINT NOT NULL DEFAULT 0,  -- u64
    credits_posted BIGINT NOT NULL DEFAULT 0,   -- u64
    ilp_address TEXT,
    max_packet_amount BIGINT NOT NULL DEFAULT 0, -- u64; 0 = no limit
    stream_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX accounts_parent ON accounts (parent_id, id);
CREATE UNIQUE INDEX accounts_ilp_address ON accounts (ilp_address);

-- No foreign keys on the account columns: the ledger checks both accounts (locked) in C before
-- it inserts, and a per-row FK probe would cost two index lookups on the hottest insert path.
CREATE TABLE transfers (
    id TEXT PRIMARY KEY,
    debit_account_id TEXT NOT NULL,
    credit_account_id TEXT NOT NULL,
    amount BIGINT NOT NULL,                 -- u64
    posted_amount BIGINT NOT NULL DEFAULT 0, -- u64
    flags INTEGER NOT NULL DEFAULT 0,
    code BIGINT NOT NULL DEFAULT 0,
    state INTEGER NOT NULL,                 -- 0 posted, 1 pending, 2 voided, 3 expired
    timeout_ms BIGINT NOT NULL DEFAULT 0,   -- u64
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL DEFAULT 0,   -- 0 = never
    resolved_at BIGINT NOT NULL DEFAULT 0,
    seq BIGINT NOT NULL                     -- commit order per process (ms << 12 | n), for
                                            -- history pagination; ties broken by id
);
-- History pagination, newest first, per account on either side.
CREATE INDEX transfers_debit ON transfers (debit_account_id, seq);
CREATE INDEX transfers_credit ON transfers (credit_account_id, seq);
-- The sweeper: pending transfers by expiry.
CREATE INDEX transfers_pending_expiry ON transfers (expires_at) WHERE state = 1 AND expires_at > 0;

-- Idempotency keys of API mutations (Idempotency-Key header): the stored response is replayed.
CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    request_hash {{BLOB}} NOT NULL,
    status INTEGER NOT NULL,
    response {{BLOB}},
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX idempotency_expiry ON idempotency (expires_at);
