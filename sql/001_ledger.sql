-- Ledger schema (account service). Shared by SQLite and Postgres; {{TOKENS}} are replaced by
-- src/store/dialect.c. 002_ledger_keys.sql reshapes the transfer tables (SQLite: seq as the
-- rowid, history as per-account chains instead of the history indexes and transfer_history,
-- transfer_ids WITHOUT ROWID); the comments below describe this file's own version. The ledger engineer owns these columns; the migration mechanism is in
-- src/store/migrate.c.
--
-- Conventions (see src/store/db.h):
--   asset and account ids are canonical lower-case UUID text (other layers query them);
--   transfer ids and the transfer's account columns are the UUID's 16 bytes (BLOB, BYTEA): the
--     transfer table and its indexes are the hot write path, and 16-byte keys instead of 36
--     characters make every index entry about half as large, so a commit dirties fewer pages;
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
    updated_at BIGINT NOT NULL,
    counter_key BIGINT                          -- SQLite: the account's account_counters row
);
CREATE INDEX accounts_parent ON accounts (parent_id, id);
CREATE UNIQUE INDEX accounts_ilp_address ON accounts (ilp_address);
CREATE UNIQUE INDEX accounts_counter_key ON accounts (counter_key);
-- SQLite keeps the four counters of an account here instead of in its accounts row (whose
-- columns above then stay 0): every batch rewrites the counters of the accounts it touched, and
-- each page it dirties is written to the WAL at COMMIT. An accounts row is wide (text ids,
-- address), so a batch touching a few hundred accounts dirtied most of the table's pages; these
-- rows are about 40 bytes, a few times fewer pages. counter_key is assigned when the account is
-- created (max + 1, one writer) and never changes; the row is created by the first counter write
-- (an upsert), so an account without one has all counters 0. Postgres (rows locked per batch, no
-- page-level WAL cost of this kind) leaves counter_key NULL and keeps the counters in accounts.
-- Readers of counters use accounts_v, which merges both.
CREATE TABLE account_counters (
    account_key INTEGER PRIMARY KEY,
    debits_pending BIGINT NOT NULL,             -- u64
    debits_posted BIGINT NOT NULL,              -- u64
    credits_pending BIGINT NOT NULL,            -- u64
    credits_posted BIGINT NOT NULL              -- u64
);
CREATE VIEW accounts_v AS
SELECT a.id, a.asset_id, a.kind, a.parent_id, a.min_balance, a.no_min_balance, a.max_balance,
       COALESCE(c.debits_pending, a.debits_pending) AS debits_pending,
       COALESCE(c.debits_posted, a.debits_posted) AS debits_posted,
       COALESCE(c.credits_pending, a.credits_pending) AS credits_pending,
       COALESCE(c.credits_posted, a.credits_posted) AS credits_posted,
       a.ilp_address, a.max_packet_amount, a.stream_enabled, a.created_at, a.updated_at,
       a.counter_key
FROM accounts a LEFT JOIN account_counters c ON c.account_key = a.counter_key;

-- No foreign keys on the account columns: the ledger checks both accounts (locked) in C before
-- it inserts, and a per-row FK probe would cost two index lookups on the hottest insert path.
CREATE TABLE transfers (
    id {{BLOB}} NOT NULL,                   -- 16 bytes, big-endian UUID; unique (transfers_id)
    debit_account_id {{BLOB}} NOT NULL,     -- 16 bytes
    credit_account_id {{BLOB}} NOT NULL,    -- 16 bytes
    amount BIGINT NOT NULL,                 -- u64
    posted_amount BIGINT NOT NULL DEFAULT 0, -- u64
    flags INTEGER NOT NULL DEFAULT 0,
    code BIGINT NOT NULL DEFAULT 0,
    state INTEGER NOT NULL,                 -- 0 posted, 1 pending, 2 voided, 3 expired
    timeout_ms BIGINT NOT NULL DEFAULT 0,   -- u64
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL DEFAULT 0,   -- 0 = never
    resolved_at BIGINT NOT NULL DEFAULT 0,
    seq BIGINT NOT NULL,                    -- commit order per process (ms << 12 | n), for
                                            -- history pagination; ties broken by id
    merged INTEGER NOT NULL DEFAULT 1,      -- 1: in the id and history indexes (Postgres, SQLite
                                            -- without the account cache); 0: SQLite's tail and
                                            -- bulk-merged rows (ledger_meta tells them apart)
    debit_key BIGINT NOT NULL DEFAULT 0,    -- a 63-bit hash of debit_account_id (history index)
    credit_key BIGINT NOT NULL DEFAULT 0    -- the same of credit_account_id
);
-- The id and history indexes cover merged = 1 rows only. A new row costs a write to a random
-- leaf page of the id index and to the last leaf page of each of its two accounts' ranges in the
-- history indexes: a small commit dirties about three pages per transfer, and writing those
-- pages is most of what a commit costs. So on SQLite (one process owns the database, and its
-- batcher keeps the unmerged rows in memory to check ids against) rows are inserted with
-- merged = 0, reachable through transfers_tail (by seq), and never rewritten: the rows with
-- seq > ledger_meta.merged_seq are the tail, and every few thousand rows one merge inside a
-- batch's transaction (src/ledger/lstore.c, lstore_merge) writes the tail's ids into transfer_ids
-- and its history entries into transfer_history, each in key order (one INSERT ... SELECT ...
-- ORDER BY), so each leaf page is written once for many rows, then advances merged_seq.
-- Postgres (several processes may write) inserts merged = 1: the indexes cover every row.
-- Each partial index has a predicate that only its own queries imply (the id lookups compare id,
-- so imply id IS NOT NULL; the history queries say seq > 0): with the same predicate on all of
-- them, Postgres may cache a generic plan, made while the table was small, that scans a history
-- index to find an id.
CREATE UNIQUE INDEX transfers_id ON transfers (id) WHERE merged > 0 AND id IS NOT NULL;
-- History pagination, newest first, per account on either side (seq is always > 0), for rows
-- with merged = 1. Keyed by an integer hash of the account id (ledger/lstore.c,
-- lstore_account_key; queries also compare the id itself, so a collision costs a row read, never
-- a wrong row): SQLite compares an integer first key field faster than a blob, and the entries
-- are smaller.
CREATE INDEX transfers_debit ON transfers (debit_key, seq) WHERE merged = 1 AND seq > 0;
CREATE INDEX transfers_credit ON transfers (credit_key, seq) WHERE merged = 1 AND seq > 0;
-- SQLite: every merged = 0 row by seq (append-only); readers of the tail ask for
-- seq > ledger_meta.merged_seq, merged rows are found through transfer_ids and transfer_history.
CREATE INDEX transfers_tail ON transfers (seq) WHERE merged = 0;
-- The tail boundary (SQLite): merged = 0 rows with seq <= merged_seq are in transfer_ids and
-- transfer_history. Advanced by lstore_merge in the transaction that merges them.
CREATE TABLE ledger_meta (
    k INTEGER PRIMARY KEY,
    merged_seq BIGINT NOT NULL
);
INSERT INTO ledger_meta (k, merged_seq) VALUES (1, 0);
-- SQLite's merged ids: the id -> seq of every merged = 0 row up to merged_seq, filled in id order
-- by the bulk merge (a unique clash fails that merge). Empty on Postgres.
CREATE TABLE transfer_ids (
    id {{BLOB}} PRIMARY KEY,
    seq BIGINT NOT NULL
);
-- SQLite's bulk merge puts history entries here instead of into transfers_debit and
-- transfers_credit: one entry per side (one when both keys are equal), inserted in key order by
-- one INSERT ... SELECT ... ORDER BY, so the index is walked in order instead of taking 2 x 16k
-- random descents. Readers join on seq (transfers_tail). Empty on Postgres (its rows are
-- merged = 1).
CREATE TABLE transfer_history (
    account_key BIGINT NOT NULL,            -- debit_key or credit_key of the transfer
    seq BIGINT NOT NULL,
    id {{BLOB}} NOT NULL
);
CREATE INDEX transfer_history_key ON transfer_history (account_key, seq, id);
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
