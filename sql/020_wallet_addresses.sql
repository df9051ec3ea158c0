-- Wallet addresses, their client keys and incoming payments (src/backend/wallet_address.c,
-- src/backend/incoming_payment.c). Shared by SQLite and Postgres; conventions as in
-- 001_ledger.sql: ids are canonical lower-case UUID text, u64 amounts are BIGINT bit patterns
-- (compared in C), times are BIGINT milliseconds since the epoch.
--
-- Money never lives in these tables: a wallet address's balance is its ledger account (kind
-- wallet), an incoming payment's received amount is the credits of its own ledger account
-- (kind invoice, a sub-account of the wallet account). These rows hold what the ledger does
-- not: URLs, names, keys and the incoming payment's state machine.

CREATE TABLE wallet_addresses (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,                -- the payment pointer as a URL, no trailing slash
    asset_id TEXT NOT NULL REFERENCES assets (id),
    asset_code TEXT NOT NULL,                -- copied from the asset (immutable there)
    asset_scale INTEGER NOT NULL,
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id),
    public_name TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Client keys (Ed25519 JWKs). Revoked keys stay, as in Rafiki, so a listing shows them.
CREATE TABLE wallet_address_keys (
    id TEXT PRIMARY KEY,
    wallet_address_id TEXT NOT NULL REFERENCES wallet_addresses (id),
    kid TEXT NOT NULL,
    x TEXT NOT NULL,                         -- base64url public key, 32 bytes decoded
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (wallet_address_id, kid)
);

-- state: 1 pending, 2 completed, 3 expired (incoming_payment_state_t). "processing" is not
-- stored: it is pending with something received, read from the ledger.
-- settled: the completion's ledger work (closing the invoice account and sweeping its balance
-- into the wallet account) is done; the worker finishes rows where it is not.
CREATE TABLE incoming_payments (
    id TEXT PRIMARY KEY,
    wallet_address_id TEXT NOT NULL REFERENCES wallet_addresses (id),
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id),
    incoming_amount BIGINT,                  -- u64; NULL = no fixed amount
    state INTEGER NOT NULL,
    settled BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at BIGINT NOT NULL,
    metadata TEXT,                           -- JSON object as given, NULL = none
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    completed_at BIGINT                      -- when it became completed or expired
);
-- The worker's scans: due expiries, unsettled endings, and open payments to check.
CREATE INDEX incoming_payments_open ON incoming_payments (state, expires_at);
CREATE INDEX incoming_payments_unsettled ON incoming_payments (settled, state);
CREATE INDEX incoming_payments_wallet ON incoming_payments (wallet_address_id, id);
