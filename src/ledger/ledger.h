/*
 * The account service (ledger): assets, accounts with balance limits and ILP settings, and
 * TigerBeetle-style transfers (single-phase, pending with a timeout then post/void, linked chains
 * that apply all or nothing, caller-chosen ids for idempotency, one enumerated result per
 * rejection). One implementation over SQLite and Postgres (store/db.h).
 *
 * Balances are four stored counters per account, so reading one is O(1):
 *   balance   = credits_posted - debits_posted - debits_pending   (what the account may spend)
 * A debit may not take `balance` below min_balance (LEDGER_EXCEEDS_CREDITS); a credit may not
 * take credits_posted + credits_pending - debits_posted above max_balance when one is set
 * (LEDGER_EXCEEDS_DEBITS). Pending amounts count against both limits, so posting never breaks
 * one. The settlement account of each asset has no minimum and may go negative. Per asset the
 * sum of debits equals the sum of credits, pending and posted, at every commit.
 *
 * Group commit: transfers go through one batcher thread that drains a queue and applies every
 * queued operation in one database transaction (accounts locked in sorted id order: Postgres
 * SELECT ... FOR UPDATE, SQLite's single writer lock). ledger_transfers_submit is asynchronous
 * (the callback runs on the batcher thread once the batch has committed, or failed);
 * ledger_transfers_execute waits for it.
 *
 * Threads: every call may be made from any thread, concurrently, except as said here; the
 * ledger_t stays valid until ledger_close, which the owner calls once nothing else uses it.
 *   - ledger_transfers_submit_mode never blocks in modes TRY and FOLLOW_UP, nor in any mode on
 *     the batcher thread (completion callbacks); WAIT on another thread blocks while the queue
 *     is full. So callbacks, and threads the batcher waits on, may always submit.
 *   - ledger_transfers_execute and ledger_sweep_expired block until their batch has committed;
 *     ledger_open and ledger_close block on the database and on the ledger's threads. None of
 *     them from the batcher thread (execute and close ASSERT it: they would wait for themselves).
 *   - The asset and account calls, ledger_account_transfers and ledger_transfer_get block on
 *     the database (a pooled connection and its round trips); ledger_account_update also waits
 *     for a running batch, and ledger_stats for the end of one. Call them from worker threads,
 *     not from completion callbacks (a callback that waits on the database holds up every
 *     submission behind it) nor from event loops that must not block.
 *   - ledger_id_*, ledger_*_str and ledger_kind_parse are pure.
 *
 * Ids are UUIDs: ledger_id_t holds the 16 bytes (big-endian halves) and ledger_id_parse/format
 * convert to and from the canonical 36-character string used by APIs.
 *
 * Durability: a result is reported only after its batch's COMMIT returned. On SQLite (WAL) that
 * commit survives a crash of the process (kill -9) with either synchronous setting of the db.
 * With synchronous=FULL (the db default) every commit also survives power loss. With
 * synchronous=NORMAL (db_opts_t.sqlite_sync_normal, what the benchmark uses) the WAL is synced
 * only when it is checkpointed (every 300 ms while busy; at the latest at 256 MiB of WAL), so a
 * power loss may drop the commits since the last checkpoint, never half of one. On Postgres a
 * COMMIT is as durable as the server's settings make it (synchronous_commit).
 *
 * Storage: transfer ids are stored as 16-byte blobs. On SQLite a transfer's row is keyed by its
 * commit sequence number and linked to the previous transfer of each of its accounts (history
 * is a walk, no index), new transfers enter the id index in bulk (opts merge_rows) while the
 * batcher keeps the not yet merged ones in memory, a Bloom filter of every stored id spares the
 * id index for ids that are certainly new, and a background thread checkpoints the WAL (and,
 * once nothing has been written for a second, truncates it and frees the page caches). See
 * ledger.c, lstore.c and sql/002_ledger_keys.sql.
 */
#ifndef RAFIKI_LEDGER_LEDGER_H
#define RAFIKI_LEDGER_LEDGER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "ledger/types.h"
#include "store/db.h"

/* ---- the ledger ---- */

typedef struct ledger ledger_t;

typedef struct {
    /* The most operations one database transaction carries (default 16384). Under load the
     * batcher takes whatever is queued up to this; most index pages a batch dirties are written
     * once per batch however many transfers it carries, so big batches are what make high
     * throughput (see docs/BENCHMARKS.md). Light load still commits small batches at once. */
    uint32_t batch_max;
    /* The most operations waiting in the queue (default 65536, at least batch_max). When it is
     * full, WAIT submissions wait and TRY ones get LEDGER_BUSY; follow-ups are taken past it
     * (ledger_submit_mode_t). */
    uint32_t queue_max;
    /* SQLite only: keep accounts in memory between batches (default on), and insert transfers
     * into the unmerged tail (see merge_rows). Safe because one process owns an embedded
     * database and every write goes through this ledger while it holds the writer connection;
     * set to true if anything else writes the ledger tables (then every row is indexed at once
     * and ids are checked against the database only). */
    bool sqlite_no_account_cache;
    /* Run the sweeper on the batcher every sweep_interval_ms (0 = only ledger_sweep_expired). */
    uint32_t sweep_interval_ms;
    /* SQLite with the account cache only: new transfers enter the id index in bulk, once this
     * many are waiting; 0 (the default): an eighth of the ids stored, at least 16384 and at
     * most 524288 (ledger.c, merge_at, says why). Until then the batcher holds them in memory,
     * where ledger_transfer_get finds them. */
    uint32_t merge_rows;
    /* Tests only: while *test_filter_gate is true the filter of stored ids (SQLite) is not
     * built, so a test can run batches before it is ready. NULL: no gate. */
    const atomic_bool *test_filter_gate;
} ledger_opts_t;

/*
 * Opens the ledger over db (the schema must be migrated: sql/001_ledger.sql) and starts the
 * batcher thread. opts may be NULL. Returns NULL with err filled on failure. The db outlives
 * the ledger.
 */
ledger_t *ledger_open(db_t *db, const ledger_opts_t *opts, db_err_t *err);
/* Drains the queue (queued ops still run, and their follow-ups), stops the batcher and frees.
 * NULL is a no-op. Submissions other than follow-ups get LEDGER_CLOSED once it has begun. */
void ledger_close(ledger_t *l);

/*
 * Creates an asset with its liquidity and settlement accounts in one transaction. On LEDGER_OK
 * or LEDGER_EXISTS (same id, code and scale) *asset is filled completely. Other results:
 * LEDGER_ASSET_CODE_INVALID, LEDGER_EXISTS_WITH_DIFFERENT_FIELDS,
 * LEDGER_ASSET_EXISTS_WITH_SAME_CODE_AND_SCALE, LEDGER_STORAGE_ERROR.
 */
ledger_result_t ledger_asset_create(ledger_t *l, ledger_asset_t *asset);
/* Reads an asset: LEDGER_OK, LEDGER_ASSET_NOT_FOUND, LEDGER_STORAGE_ERROR. */
ledger_result_t ledger_asset_get(ledger_t *l, ledger_id_t id, ledger_asset_t *out);
/* The same on a connection the caller holds, for code that has the database but no ledger
 * (connector peers): assets never change once created, so reading one needs nothing of the
 * batcher. Leaves the connection as it was (no transaction of its own). */
ledger_result_t ledger_asset_read(db_conn_t *conn, ledger_id_t id, ledger_asset_t *out);
/*
 * Lists assets in id order after `after` (zero = from the start): up to cap into out, *n set.
 * A page of fewer than cap is the last; to learn whether more follow, ask for one more than you
 * show and use the last id shown as the next `after`. LEDGER_OK or LEDGER_STORAGE_ERROR.
 */
ledger_result_t ledger_asset_list(ledger_t *l, ledger_id_t after, ledger_asset_t *out, size_t cap,
                                  size_t *n);

/*
 * Creates an account (kinds peer, wallet, invoice, mandate, outgoing; the asset's own two
 * accounts come with the asset). acct->id zero receives a random id, written back. Idempotent: the
 * same id and fields returns LEDGER_EXISTS, other fields LEDGER_EXISTS_WITH_DIFFERENT_FIELDS.
 * Errors: LEDGER_ACCOUNT_KIND_INVALID, LEDGER_ASSET_NOT_FOUND, LEDGER_PARENT_NOT_FOUND,
 * LEDGER_PARENT_MUST_HAVE_THE_SAME_LEDGER, LEDGER_MIN_BALANCE_ABOVE_MAX_BALANCE,
 * LEDGER_ILP_ADDRESS_INVALID, LEDGER_STORAGE_ERROR.
 */
ledger_result_t ledger_account_create(ledger_t *l, ledger_account_t *acct);
/*
 * The same inside a write transaction the caller holds on the ledger's database (a db_write_tx
 * fn), so that the account and the caller's own rows commit together or not at all. acct->id
 * must be set (a retried transaction creates the same account). On LEDGER_STORAGE_ERROR err
 * says why; DB_RETRY there means the transaction must run again. Threads: the caller's; it
 * blocks on the database only through conn.
 */
ledger_result_t ledger_account_create_in(db_conn_t *conn, ledger_account_t *acct, db_err_t *err);
/* Reads an account with its counters: LEDGER_OK, LEDGER_ACCOUNT_NOT_FOUND, LEDGER_STORAGE_ERROR. */
ledger_result_t ledger_account_get(ledger_t *l, ledger_id_t id, ledger_account_t *out);
/*
 * Updates the mutable fields of acct->id: limits and ILP settings (id, asset, parent, kind and
 * counters are immutable and ignored). Goes through the batcher so it orders with transfers.
 */
ledger_result_t ledger_account_update(ledger_t *l, const ledger_account_t *acct);
/* ledger_account_update for n accounts in one transaction, all or nothing: the first refusal
 * (its index into *failed when not NULL) is the answer and nothing changed. */
ledger_result_t ledger_accounts_update(ledger_t *l, const ledger_account_t *accts, size_t n,
                                       size_t *failed);
/* Which accounts ledger_account_list returns; a zero field matches any value. */
typedef struct {
    ledger_id_t asset_id;
    ledger_id_t parent_id;      /* the sub-accounts of this account */
    ledger_account_kind_t kind; /* 0: any kind */
} ledger_account_filter_t;
/*
 * Lists the accounts matching filter (NULL: all) in id order after `after` (zero = from the
 * start), with their counters: up to cap into out, *n set; paged like ledger_asset_list.
 * LEDGER_OK or LEDGER_STORAGE_ERROR.
 */
ledger_result_t ledger_account_list(ledger_t *l, const ledger_account_filter_t *filter,
                                    ledger_id_t after, ledger_account_t *out, size_t cap,
                                    size_t *n);
/* Balance, pending, totals and what can still be sent; O(1). */
ledger_result_t ledger_account_status(ledger_t *l, ledger_id_t id, ledger_status_t *out);

/*
 * Transfer history of an account (debits and credits), newest first. cursor is "" for the
 * first page, else the next_cursor of the previous page (opaque, < LEDGER_CURSOR_LEN chars).
 * next_cursor is "" when there is no further page. LEDGER_CURSOR_INVALID for a bad cursor.
 */
#define LEDGER_CURSOR_LEN 64
ledger_result_t ledger_account_transfers(ledger_t *l, ledger_id_t account, const char *cursor,
                                         ledger_transfer_t *out, size_t cap, size_t *n,
                                         char next_cursor[LEDGER_CURSOR_LEN]);
ledger_result_t ledger_transfer_get(ledger_t *l, ledger_id_t id, ledger_transfer_t *out);

/*
 * Completion of a submission: results[i] is the outcome of ops[i]. Runs on the batcher thread
 * once the batch is committed (or every result is LEDGER_STORAGE_ERROR / LEDGER_CLOSED). Keep it
 * short: every later submission waits behind it. It may submit again (any mode; see
 * ledger_submit_mode_t), but must not call ledger_transfers_execute or ledger_close, which would
 * wait for the batcher itself (both ASSERT against it), nor other calls that read or write the
 * database (they would stall the batcher behind a database round trip).
 */
typedef void (*ledger_done_fn)(void *user, const ledger_result_t *results, size_t n);

/*
 * What a submission does when the queue holds queue_max operations. Back-pressure belongs at the
 * edges: new work from a request handler asks TRY and, on LEDGER_BUSY, the connector answers T03
 * (connector busy) and an HTTP API 503 with Retry-After; work
 * that settles what the ledger already admitted asks FOLLOW_UP, so it can never be the one that
 * waits for the queue. Nothing submitted from the batcher thread (a completion callback) ever
 * blocks, whatever the mode.
 */
typedef enum {
    /* May block until there is room; only from threads the batcher never waits on (admin worker
     * threads, background workers). On the batcher thread it acts as FOLLOW_UP. */
    LEDGER_SUBMIT_WAIT = 0,
    /* Never blocks: LEDGER_BUSY when the queue is full (the callback is not called); for new
     * work at the edges. */
    LEDGER_SUBMIT_TRY,
    /* Never blocks and is never refused for space: for ops that settle work the ledger already
     * admitted (post/void of a hold, a revert, the next step of admitted work). It may take the
     * queue past queue_max by at most the work already in flight, since each admitted piece of
     * work has a bounded number of follow-ups. While the ledger closes, follow-ups are still
     * taken until the batcher has drained the queue, so admitted work completes. */
    LEDGER_SUBMIT_FOLLOW_UP,
} ledger_submit_mode_t;

/*
 * Queues n (1..batch_max) operations. A linked chain must end inside one submission. The ops
 * are copied; the callback is called exactly once, on the batcher thread. Returns LEDGER_OK;
 * else the callback is not called: LEDGER_BUSY (TRY, queue full), LEDGER_CLOSED, or
 * LEDGER_OP_INVALID (n out of range or an unknown mode). Any thread; blocks only for WAIT off
 * the batcher thread, and only while the queue is full.
 */
ledger_result_t ledger_transfers_submit_mode(ledger_t *l, const ledger_op_t *ops, size_t n,
                                             ledger_submit_mode_t mode, ledger_done_fn done,
                                             void *user);
/* ledger_transfers_submit_mode with LEDGER_SUBMIT_WAIT. */
ledger_result_t ledger_transfers_submit(ledger_t *l, const ledger_op_t *ops, size_t n,
                                        ledger_done_fn done, void *user);
/* Synchronous form (mode WAIT): waits for the batch and fills results[n]. Returns LEDGER_OK
 * when the batch committed (look at each result), else LEDGER_STORAGE_ERROR / LEDGER_CLOSED /
 * LEDGER_OP_INVALID. Blocks; never from the batcher thread (a completion callback). */
ledger_result_t ledger_transfers_execute(ledger_t *l, const ledger_op_t *ops, size_t n,
                                         ledger_result_t *results);

/*
 * A guard makes a submission and a change of the caller's own rows one transaction: the batcher
 * calls it inside the batch's transaction, right after the submission's ops were applied (in
 * memory; nothing of the batch is written yet), with their results. It may read and write the
 * caller's tables through conn (never the ledger's), and says whether the submission stands:
 *   *keep = true: the ops' effects and the guard's writes commit together with the batch;
 *   *keep = false: the guard's writes are rolled back and every op that applied is undone and
 *     reports LEDGER_GUARD_REFUSED (ops that failed keep their result).
 * A guard that returns an error is treated as *keep = false, its ops reporting
 * LEDGER_STORAGE_ERROR (which the call then returns, as for a failed batch); the rest of the
 * batch goes on (the guard runs inside a savepoint).
 * If the batch then fails to commit, nothing of it happened, and a rerun of the batch (after
 * a serialization failure) calls the guard again in the new transaction: it must set every
 * output it has on each call. It runs on the batcher thread while every other submission
 * waits: keep it to a few statements on rows found by key.
 */
typedef db_rc_t (*ledger_guard_fn)(db_conn_t *conn, void *arg, const ledger_result_t *results,
                                   size_t n, bool *keep, db_err_t *err);

/* ledger_transfers_execute with a guard (see above); blocks the same way. */
ledger_result_t ledger_transfers_execute_guarded(ledger_t *l, const ledger_op_t *ops, size_t n,
                                                 ledger_result_t *results, ledger_guard_fn guard,
                                                 void *guard_arg);

/* ---- transfer groups (group.c) ---- */

/*
 * A transfer group is several transfers (legs) applied all or nothing under one caller-chosen
 * id, and idempotent on it: leg i is stored as a transfer with id ledger_group_leg_id(group, i)
 * (the group id itself for leg 0, a SHA-256-derived v4 UUID for the others), so a retry finds
 * the earlier legs and ledger_transfer_get reads each leg alone. All these calls block (they
 * submit with LEDGER_SUBMIT_WAIT and read back): worker threads only.
 */
#define LEDGER_GROUP_LEGS_MAX 16
ledger_id_t ledger_group_leg_id(ledger_id_t group, size_t i);
/*
 * Creates group from legs[0..n) (1..LEDGER_GROUP_LEGS_MAX creates; their id is ignored and flags
 * may only hold LEDGER_F_PENDING: the group sets ids and links). On LEDGER_OK (applied) and
 * LEDGER_EXISTS (the same group was created before; nothing applied again) out[0..n) receives
 * the legs as stored. Otherwise nothing was applied and *leg names the leg the result is about:
 * the ledger's rejection of that leg, or LEDGER_EXISTS_WITH_DIFFERENT_* when the group id is
 * taken by other legs (LEDGER_EXISTS_WITH_DIFFERENT_FIELDS: another number of legs). Also
 * LEDGER_ID_MUST_NOT_BE_ZERO, LEDGER_OP_INVALID (n out of range, a leg not a create),
 * LEDGER_FLAGS_INVALID, LEDGER_STORAGE_ERROR, LEDGER_CLOSED.
 */
ledger_result_t ledger_group_create(ledger_t *l, ledger_id_t group, const ledger_op_t *legs,
                                    size_t n, ledger_transfer_t *out, size_t *leg);
/* Reads the legs of group into out, *n of them: LEDGER_OK, LEDGER_TRANSFER_NOT_FOUND (no leg 0)
 * or LEDGER_STORAGE_ERROR. */
ledger_result_t ledger_group_get(ledger_t *l, ledger_id_t group,
                                 ledger_transfer_t out[LEDGER_GROUP_LEGS_MAX], size_t *n);
/*
 * Posts (in full; kind LEDGER_OP_POST_PENDING) or voids (LEDGER_OP_VOID_PENDING) every leg of a
 * pending group, all or nothing, and reads the legs back into out (*n of them). LEDGER_OK;
 * LEDGER_TRANSFER_NOT_FOUND; the rejection of leg *leg (LEDGER_PENDING_TRANSFER_ALREADY_POSTED,
 * ...); LEDGER_OP_INVALID for another kind; LEDGER_STORAGE_ERROR, LEDGER_CLOSED.
 */
ledger_result_t ledger_group_resolve(ledger_t *l, ledger_id_t group, ledger_op_kind_t kind,
                                     ledger_transfer_t out[LEDGER_GROUP_LEGS_MAX], size_t *n,
                                     size_t *leg);

/* Voids pending transfers whose timeout has passed (at most limit of them); *expired (may be
 * NULL) receives how many. The batcher also runs it when opts.sweep_interval_ms is set. */
ledger_result_t ledger_sweep_expired(ledger_t *l, size_t limit, size_t *expired);

/* Counters for tests and benchmarks. */
typedef struct {
    uint64_t batches;
    uint64_t ops;
    uint64_t retries;
    uint64_t commit_ns;    /* time spent in db work, total */
    uint64_t max_batch_ns; /* the longest batch (db work), what a submission may wait behind */
    uint64_t merges;       /* SQLite: merge steps of the tail into the id index */
    uint64_t wal_restarts; /* SQLite: RESTART checkpoints that bounded the WAL under load */
    bool id_filter_ready;  /* SQLite: the filter of stored ids is built (ids not looked up) */
} ledger_stats_t;
void ledger_stats(ledger_t *l, ledger_stats_t *out);
/* Appends the ledger's metrics in the Prometheus text format (base/metrics.h): batch size and
 * batch time histograms, retries, queued operations. 0, or -1 when b is full. Threads: any
 * but the batcher (it waits for the running batch, like ledger_stats). */
int ledger_metrics_write(ledger_t *l, buf_t *b);

#endif
