/*
 * The ledger's SQL (internal): loading and locking the rows a batch touches into the apply
 * engine, writing its changes back, and the row readers the API uses. Every function runs on a
 * connection the caller holds (inside the caller's transaction when it writes) and returns a
 * db_rc_t with err filled on failure.
 *
 * Threads: any thread that holds its own connection (the batcher, the merge and filter threads,
 * API callers on admin workers); every call blocks on the database, so never from an HTTP
 * handler or a ledger completion callback. The lcore_t passed in is the caller's (see core.h).
 */
#ifndef RAFIKI_LEDGER_LSTORE_H
#define RAFIKI_LEDGER_LSTORE_H

#include "ledger/core.h"
#include "ledger/types.h"
#include "ledger/tail.h"
#include "store/db.h"

/* Ids per IN (...) query (the shorter shape when few are left: unused slots repeat an id, and
 * a big statement costs to bind), and rows per multi-row INSERT. */
#define LSTORE_IN_CHUNK     256
#define LSTORE_IN_SMALL     16
#define LSTORE_INSERT_CHUNK 64
/* Accounts per counters statement (SQLite: upsert of account_counters; Postgres: UPDATE ...
 * FROM (VALUES ...)). */
#define LSTORE_COUNTER_CHUNK 32

/*
 * Loads the merged transfers with the given ids (any order, duplicates allowed) into c, tagged
 * 0 (the caller takes tail rows from its memory, see ledger.c). With
 * for_update (Postgres) the rows are locked, in id order, so two batches that post the same
 * pending transfer serialize.
 */
db_rc_t lstore_load_transfers(db_conn_t *conn, lcore_t *c, const ledger_id_t *ids, size_t n,
                              bool for_update, db_err_t *err);
/*
 * Loads (replacing) the accounts with the given ids, which must be sorted and distinct; on
 * Postgres they are locked FOR UPDATE in that order, so batches never deadlock on accounts.
 */
db_rc_t lstore_load_accounts(db_conn_t *conn, lcore_t *c, const ledger_id_t *ids, size_t n,
                             db_err_t *err);
/* Writes c's changes: new transfers (seq from *seq, advanced; into the id index at once when
 * merged, else into the tail for lstore_merge; on SQLite linked into their accounts' history
 * chains, on Postgres in the history indexes), counters of dirty accounts, state of resolved
 * transfers. Pipelined on Postgres. */
db_rc_t lstore_write(db_conn_t *conn, lcore_t *c, int64_t *seq, bool merged, db_err_t *err);
/* Merges every tail row (SQLite): its ids into transfer_ids, in key order, then moves
 * ledger_meta's boundary past it; the rows are not rewritten (sql/001_ledger.sql, 002). */
db_rc_t lstore_merge(db_conn_t *conn, db_err_t *err);
/* Calls fn for each of the tail's rows (seq > ledger_meta.merged_seq), in seq order. */
db_rc_t lstore_load_tail(db_conn_t *conn, void (*fn)(void *, const ledger_transfer_t *, int64_t),
                         void *arg, db_err_t *err);
/* The rolling merge (SQLite): inserts keys (sorted by id) into transfer_ids, skipping ids
 * already there. */
db_rc_t lstore_merge_keys(db_conn_t *conn, const ltail_key_t *keys, size_t n, db_err_t *err);
/* Moves the tail boundary: rows with seq <= seq are all in transfer_ids. */
db_rc_t lstore_set_merged_seq(db_conn_t *conn, int64_t seq, db_err_t *err);

/* Calls fn for the id of every merged transfer (to build the batcher's Bloom filter) until fn
 * returns false. */
db_rc_t lstore_merged_ids(db_conn_t *conn, bool (*fn)(void *, ledger_id_t), void *arg,
                          db_err_t *err);

/* Readers for the API. DB_NOT_FOUND when absent. */
db_rc_t lstore_account_read(db_conn_t *conn, ledger_id_t id, ledger_account_t *out, db_err_t *err);
db_rc_t lstore_asset_read(db_conn_t *conn, ledger_id_t id, ledger_asset_t *out, db_err_t *err);
/* scan_tail: also look among the unmerged rows (a scan; unneeded when the caller has the
 * tail in memory) */
db_rc_t lstore_transfer_read(db_conn_t *conn, ledger_id_t id, bool scan_tail,
                             ledger_transfer_t *out, db_err_t *err);
db_rc_t lstore_account_insert(db_conn_t *conn, const ledger_account_t *a, int64_t now_ms,
                              db_err_t *err);
db_rc_t lstore_max_seq(db_conn_t *conn, int64_t *out, db_err_t *err);

/* The transfer columns in the order lstore_transfer_row reads them. */
#define LSTORE_TRANSFER_COLS                                                                       \
    "id, debit_account_id, credit_account_id, amount, posted_amount, flags, code, state, "         \
    "timeout_ms, created_at, expires_at, resolved_at, seq"
/* The same, of a transfers table named t. */
#define LSTORE_T_COLS                                                                              \
    "t.id, t.debit_account_id, t.credit_account_id, t.amount, t.posted_amount, t.flags, t.code, "  \
    "t.state, t.timeout_ms, t.created_at, t.expires_at, t.resolved_at, t.seq"
/* SQL condition on transfers: the row is in SQLite's unmerged tail (sql/001_ledger.sql). */
#define LSTORE_TAIL "merged = 0 AND seq > (SELECT merged_seq FROM ledger_meta WHERE k = 1)"
/* Reads the current row of a statement selecting LSTORE_TRANSFER_COLS; returns its seq. */
int64_t lstore_transfer_row(db_stmt_t *st, ledger_transfer_t *t);
/* The account columns in the order lstore_account_row reads them. */
#define LSTORE_ACCOUNT_COLS                                                                        \
    "id, asset_id, kind, parent_id, min_balance, no_min_balance, max_balance, debits_pending, "    \
    "debits_posted, credits_pending, credits_posted, ilp_address, max_packet_amount, "             \
    "stream_enabled, created_at"
void lstore_account_row(db_stmt_t *st, ledger_account_t *a);
/* The asset columns in the order lstore_asset_row reads them. */
#define LSTORE_ASSET_COLS                                                                          \
    "id, code, scale, liquidity_account_id, settlement_account_id, created_at, scope"
void lstore_asset_row(db_stmt_t *st, ledger_asset_t *a);
/* Asset and account ids are UUID text; lstore_col_id parses one (a malformed id, never written by
 * us, reads as zero). */
ledger_id_t lstore_col_id(db_stmt_t *st, int col);
void lstore_bind_id(db_stmt_t *st, int idx, ledger_id_t id);
/* Transfer ids and a transfer's account columns are 16-byte big-endian blobs; a blob of another
 * length reads as zero. */
ledger_id_t lstore_col_xid(db_stmt_t *st, int col);
/* The history indexes' key of an account (the debit_key/credit_key columns): a 63-bit hash. */
int64_t lstore_account_key(ledger_id_t id);
void lstore_bind_xid(db_stmt_t *st, int idx, ledger_id_t id);

#endif
