-- Fewer B-trees on SQLite's write path (docs/BENCHMARKS.md, ledger). What a commit costs is
-- mostly the pages it dirties, and a bulk merge mostly its index inserts, so on SQLite:
--   transfers: seq becomes the rowid (INTEGER PRIMARY KEY). SQLite has one writer process, whose
--     batcher hands out seqs in increasing order, so seq is unique there; new rows append to the
--     table's last page and the tail (seq > merged_seq) is a rowid range: transfers_tail is gone.
--   history: instead of index entries per side (transfers_debit, transfers_credit, and the bulk
--     merged transfer_history, all dropped), every row links to the previous transfer of each of
--     its accounts (prev_debit, prev_credit: the difference of seqs, 0 for none) and each account
--     knows its newest one (account_counters.last_seq). A page of history is a walk from there,
--     one rowid lookup per transfer (ledger/accounts.c).
--   transfer_ids: a WITHOUT ROWID table keyed by the id, one B-tree instead of a table and an
--     index.
-- Postgres keeps seq as a plain column (several processes write, each with its own counter) and
-- its history indexes; it receives the new columns (always 0 there) so both share one INSERT.

ALTER TABLE account_counters ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0;
DROP VIEW accounts_v;
CREATE VIEW accounts_v AS
SELECT a.id, a.asset_id, a.kind, a.parent_id, a.min_balance, a.no_min_balance, a.max_balance,
       COALESCE(c.debits_pending, a.debits_pending) AS debits_pending,
       COALESCE(c.debits_posted, a.debits_posted) AS debits_posted,
       COALESCE(c.credits_pending, a.credits_pending) AS credits_pending,
       COALESCE(c.credits_posted, a.credits_posted) AS credits_posted,
       a.ilp_address, a.max_packet_amount, a.stream_enabled, a.created_at, a.updated_at,
       a.counter_key, COALESCE(c.last_seq, 0) AS last_seq
FROM accounts a LEFT JOIN account_counters c ON c.account_key = a.counter_key;

{{IF_SQLITE}}
-- Every (account, seq) of every transfer, with the difference to the account's previous seq.
CREATE TABLE chain_tmp (acct BLOB NOT NULL, seq INTEGER NOT NULL, delta INTEGER NOT NULL,
                        PRIMARY KEY (acct, seq)) WITHOUT ROWID;
INSERT INTO chain_tmp (acct, seq, delta)
SELECT acct, seq, COALESCE(seq - LAG(seq) OVER (PARTITION BY acct ORDER BY seq), 0)
FROM (SELECT debit_account_id AS acct, seq FROM transfers
      UNION ALL SELECT credit_account_id, seq FROM transfers);

CREATE TABLE transfers_new (
    id BLOB NOT NULL,
    debit_account_id BLOB NOT NULL,
    credit_account_id BLOB NOT NULL,
    amount BIGINT NOT NULL,
    posted_amount BIGINT NOT NULL DEFAULT 0,
    flags INTEGER NOT NULL DEFAULT 0,
    code BIGINT NOT NULL DEFAULT 0,
    state INTEGER NOT NULL,
    timeout_ms BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL DEFAULT 0,
    resolved_at BIGINT NOT NULL DEFAULT 0,
    seq INTEGER PRIMARY KEY,
    merged INTEGER NOT NULL DEFAULT 1,
    debit_key BIGINT NOT NULL DEFAULT 0,
    credit_key BIGINT NOT NULL DEFAULT 0,
    prev_debit BIGINT NOT NULL DEFAULT 0,
    prev_credit BIGINT NOT NULL DEFAULT 0
);
INSERT INTO transfers_new (id, debit_account_id, credit_account_id, amount, posted_amount, flags,
                           code, state, timeout_ms, created_at, expires_at, resolved_at, seq,
                           merged, debit_key, credit_key, prev_debit, prev_credit)
SELECT t.id, t.debit_account_id, t.credit_account_id, t.amount, t.posted_amount, t.flags, t.code,
       t.state, t.timeout_ms, t.created_at, t.expires_at, t.resolved_at, t.seq, t.merged,
       t.debit_key, t.credit_key, d.delta, c.delta
FROM transfers t
JOIN chain_tmp d ON d.acct = t.debit_account_id AND d.seq = t.seq
JOIN chain_tmp c ON c.acct = t.credit_account_id AND c.seq = t.seq
ORDER BY t.seq;
DROP TABLE transfers;
ALTER TABLE transfers_new RENAME TO transfers;
-- of 001_ledger.sql's indexes, the id index (rows inserted merged, SQLite without the account
-- cache) and the sweeper's stay
CREATE UNIQUE INDEX transfers_id ON transfers (id) WHERE merged > 0 AND id IS NOT NULL;
CREATE INDEX transfers_pending_expiry ON transfers (expires_at) WHERE state = 1 AND expires_at > 0;

-- each account's newest seq; account ids are text in accounts and 16 bytes in transfers
CREATE TABLE last_tmp (h TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO last_tmp (h, seq) SELECT lower(hex(acct)), MAX(seq) FROM chain_tmp GROUP BY acct;
UPDATE account_counters SET last_seq = COALESCE(
    (SELECT l.seq FROM accounts a JOIN last_tmp l ON l.h = replace(a.id, '-', '')
     WHERE a.counter_key = account_counters.account_key), 0);
DROP TABLE last_tmp;
DROP TABLE chain_tmp;

CREATE TABLE transfer_ids_new (
    id BLOB PRIMARY KEY,
    seq BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO transfer_ids_new (id, seq) SELECT id, seq FROM transfer_ids ORDER BY id;
DROP TABLE transfer_ids;
ALTER TABLE transfer_ids_new RENAME TO transfer_ids;
{{END_IF}}
{{IF_POSTGRES}}
-- Every batch rewrites the counters of the accounts it touched; with free room on the page,
-- Postgres writes the new row version there without touching the accounts indexes (a HOT
-- update, no indexed column changes).
ALTER TABLE accounts SET (fillfactor = 50);
ALTER TABLE transfers ADD COLUMN prev_debit BIGINT NOT NULL DEFAULT 0;
ALTER TABLE transfers ADD COLUMN prev_credit BIGINT NOT NULL DEFAULT 0;
{{END_IF}}
DROP TABLE transfer_history;
