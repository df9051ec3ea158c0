-- Quotes and outgoing payments (src/backend/quote.c, outgoing_payment.c). Conventions as in
-- 001_ledger.sql: ids are canonical lower-case UUID text, u64 amounts are BIGINT bit patterns
-- (compared in C), times are BIGINT milliseconds since the epoch. No foreign keys to the ledger
-- or wallet address tables: those rows are checked in C when a quote or payment is created.
--
-- Money never lives here: what was funded, sent and returned is what the ledger posted under
-- ids derived from the payment's id (outgoing_payment.c says how), so these rows only steer
-- the state machine and may lag the ledger by one step after a crash.

CREATE TABLE quotes (
    id TEXT PRIMARY KEY,
    wallet_address_id TEXT NOT NULL,
    receiver TEXT NOT NULL,            -- incoming payment or wallet address URL
    asset_id TEXT NOT NULL,            -- the debit asset (the wallet address's)
    debit_amount BIGINT NOT NULL,      -- u64: send_amount + fee (+ rounding left-over)
    debit_asset_code TEXT NOT NULL,
    debit_asset_scale INTEGER NOT NULL,
    send_amount BIGINT NOT NULL,       -- u64: what leaves the outgoing account towards the receiver
    fee BIGINT NOT NULL,               -- u64
    receive_amount BIGINT NOT NULL,    -- u64: destination units quoted
    min_delivered BIGINT NOT NULL,     -- u64: receive_amount less SLIPPAGE
    receive_asset_code TEXT NOT NULL,
    receive_asset_scale INTEGER NOT NULL,
    receiver_account_id TEXT,          -- local: the incoming payment's invoice account
    incoming_payment_id TEXT,          -- local: the incoming payment
    destination TEXT,                  -- remote: ILP address from SPSP
    shared_secret TEXT,                -- remote: base64 STREAM secret from SPSP
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX quotes_wallet ON quotes (wallet_address_id, created_at);

-- state: FUNDING, SENDING, COMPLETED, FAILED, CANCELLED. settled: unspent funds went back to
-- the wallet account (terminal states only). The worker claims rows whose next_attempt_at has
-- passed and pushes it forward by its lease (FOR UPDATE SKIP LOCKED on Postgres), so replicas
-- share the work and a crashed worker's rows come back after the lease.
CREATE TABLE outgoing_payments (
    id TEXT PRIMARY KEY,               -- also the id of its outgoing ledger account
    wallet_address_id TEXT NOT NULL,
    quote_id TEXT NOT NULL UNIQUE,     -- a quote pays at most once
    state TEXT NOT NULL,
    settled BOOLEAN NOT NULL DEFAULT FALSE,
    error TEXT,
    metadata TEXT,                     -- JSON object as given, or NULL
    grant_id TEXT,
    sent_amount BIGINT NOT NULL DEFAULT 0,  -- u64: as the ledger said at the last step
    next_attempt_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX outgoing_payments_work ON outgoing_payments (settled, next_attempt_at);
CREATE INDEX outgoing_payments_wallet ON outgoing_payments (wallet_address_id, created_at);
