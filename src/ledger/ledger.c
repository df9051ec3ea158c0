/*
 * The ledger service: open and close, the batcher thread (group commit) and transfer
 * submission, with the threads that serve it (sweeper, WAL checkpointer, the builder of the
 * filter of stored ids). Assets and accounts are in accounts.c, transfer groups in group.c, the
 * unmerged tail and its rolling merge in tail.c. Transfers from every submitter queue up; the
 * batcher takes up to batch_max operations, runs them in one write transaction (load and lock
 * rows, apply in C, write counters once per account, multi-row insert) and then completes every
 * submission.
 *
 * Account cache: on SQLite (unless opts.sqlite_no_account_cache) the batcher keeps the accounts
 * it has loaded in memory across batches. That is safe only because every ledger write happens
 * in this process under the single SQLite writer lock, and because a failed commit undoes the
 * batch's changes in memory too (lcore_undo_all); ledger_account_update refreshes the entry.
 * On Postgres other processes share the tables, so every batch re-reads its accounts with
 * SELECT ... FOR UPDATE in id order and trusts nothing kept in memory.
 *
 * Throughput (docs/BENCHMARKS.md): what a batch costs is mostly the index pages it dirties, and
 * those are written once per commit however many transfers share them, so batches are large
 * (batch_max 16384) when the queue is long. On SQLite (with the account cache) new transfers
 * join the id index in a rolling merge, a range of ids per batch (lmerge_step in tail.c;
 * history needs no index, rows are chained per account, lstore.c), and until then the
 * batcher finds them in its copy of the unmerged rows (batch_load, lmerge_commit); ids
 * not in the tail are probed in the id index only when the Bloom filter `seen` (every stored id,
 * built at open) says they may exist, so a new id costs no index search; the writer connection
 * receives a large page cache and a long checkpoint interval, and checkpoints run on their own
 * thread.
 */
#include "ledger/ledger.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/assert.h"
#include "base/mem.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "ledger/bloom.h"
#include "ledger/core.h"
#include "ledger/ledger_internal.h"
#include "ledger/lstore.h"
#include "ledger/mem.h"
#include "ledger/tail.h"

#define BATCH_RETRIES 8

/*
 * The SQLite writer connection's tuning, set when the ledger opens (it keeps the one writer
 * connection of the pool for its whole life):
 *   cache_size: a batch touches index pages all over the transfer indexes; 32 MiB keeps the
 *     hot ones in memory instead of re-reading them from the OS page cache (128 MiB kept a
 *     server near 190 MB under a sustained load for no payments/s that could be measured).
 *   wal_autocheckpoint: a checkpoint copies every page changed since the last one into the
 *     database file and syncs both files. The checkpointer thread does that on the other core
 *     every CHECKPOINT_INTERVAL_MS; the writer itself (SQLite's default, every 1000 pages) only
 *     when the WAL reaches 65536 pages (256 MiB), a backstop should that thread fall behind.
 *   journal_size_limit: the WAL file is cut back to 64 MiB when it restarts.
 * With synchronous=NORMAL the WAL is synced only at checkpoints, so a power loss may drop the
 * commits of the last few hundred milliseconds (at most 256 MiB of WAL), never part of one;
 * kill -9 loses nothing committed. synchronous=FULL (the db default) syncs every commit.
 */
#define SQLITE_WRITER_PRAGMAS                                                                      \
    "PRAGMA cache_size=-32768; PRAGMA wal_autocheckpoint=65536; "                                  \
    "PRAGMA journal_size_limit=67108864"
/* How often the checkpointer thread checkpoints the WAL when batches have committed. */
#define CHECKPOINT_INTERVAL_MS 300
/* Under a constant load the WAL starts over once it holds this much (db_wal_upkeep), so it stays
 * near this size instead of growing to the writer's backstop; a restart makes writes wait for
 * the readers still in the WAL, at most WAL_RESTART_WAIT_MS. */
#define WAL_RESTART_BYTES   (24u << 20)
#define WAL_RESTART_WAIT_MS 20
/* Once nothing has been written for this long, the checkpointer truncates the WAL and frees
 * the connections' page caches (db_idle_trim): a burst's WAL (up to the 64 MiB of
 * journal_size_limit, or 256 MiB while readers kept it from restarting) and cached pages
 * (up to 32 MiB for the writer, 2 MiB per reader) would otherwise stay until the next burst. */
#define IDLE_TRIM_MS 1000

typedef struct sub {
    struct sub *next;
    const ledger_op_t *ops;
    ledger_result_t *results;
    size_t n;
    ledger_done_fn done; /* NULL: a synchronous waiter, woken through `finished` */
    void *user;
    ledger_guard_fn guard; /* NULL: none (ledger_transfers_execute_guarded) */
    void *guard_arg;
    const char *request_id; /* the guarded submitter's (log.h), set while its guard runs */
    pthread_cond_t cv;      /* a synchronous waiter's: signalled once finished */
    bool finished;
} sub_t;

struct ledger {
    db_t *db;
    ledger_opts_t opts;
    bool cache; /* accounts stay in `core` between batches (SQLite) */
    bool pg;

    pthread_mutex_t qmu;
    pthread_cond_t q_nonempty, q_notfull;
    sub_t *head, *tail;
    size_t queued_ops;
    bool stopping;
    bool drained; /* the batcher has emptied the queue while stopping, and exited */
    pthread_t batcher;

    pthread_t sweeper;
    bool sweeper_running;
    pthread_cond_t sweep_cv;

    /* SQLite WAL: checkpoints run on their own thread and a reader connection */
    pthread_t checkpointer;
    bool checkpointer_running;

    /* the batcher's state; mu also guards `core` for ledger_account_update */
    pthread_mutex_t mu;
    lcore_t *core;
    int64_t seq;
    /* SQLite with the account cache: new rows go to the unmerged tail (sql/002_ledger_keys.sql),
     * which `merge` mirrors in memory with their seqs, so ids are checked without an index, and
     * whose ranges of ids it merges into transfer_ids in turn (tail.h); NULL without defer */
    bool defer;
    lmerge_t *merge;
    /* with defer: every id stored (merged or in the tail) is in it, so an id it has never seen
     * needs no id-index probe to know it is new. NULL until bloom_main has built it from the id
     * index (a scan of every stored id, seconds for millions, so it runs beside the batcher):
     * until then every id is looked up, and the ids stored meanwhile, with the tail's at open,
     * collect in `pending` (under mu) for bloom_main to add. */
    lbloom_t *seen;
    bool bloom_building;
    atomic_bool bloom_stop;
    pthread_t bloom_thread;
    ledger_id_t *pending;
    size_t n_pending, cap_pending;
    ledger_id_t *ids;
    size_t ids_cap;
    /* Postgres: new transfer ids are not looked up before the batch applies (optimistic). A
     * taken id among the inserted ones fails the INSERT on the unique index; the rejected ones
     * are looked up after applying (verify_rejected), since a taken id must answer `exists...`
     * whatever else is wrong with the op. Either way the batch reruns with lookups, and so do
     * the batches up to this count. */
    uint64_t probe_until;
    bool optimistic; /* this attempt skipped the lookups */
    lcore_t *scratch;
    ledger_stats_t stats;
    metrics_hist_t batch_ops, batch_seconds; /* per batch: ops, and load-apply-commit time */
};

/*
 * The ledger whose batcher runs on this thread, NULL on every other thread. Completion callbacks
 * run on the batcher, the only thread that empties the queue, so a submission from one must
 * never wait for room (it would wait for itself) nor for its own batch.
 */
static _Thread_local const ledger_t *tls_batcher_of;

static bool on_batcher(const ledger_t *l)
{
    return tls_batcher_of == l;
}

static void *batcher_main(void *arg);
static void *sweeper_main(void *arg);
static void *checkpointer_main(void *arg);
static bool sqlite_is_wal(db_conn_t *conn);

/* ---- open / close ---- */

static db_rc_t merge_now(db_conn_t *conn, db_err_t *err)
{
    db_rc_t rc = db_begin(conn, DB_TX_WRITE, err);
    if (rc == DB_OK)
        rc = lstore_merge(conn, err);
    if (rc == DB_OK)
        rc = db_commit(conn, err);
    db_rollback(conn);
    return rc;
}

static void tail_add_cb(void *arg, const ledger_transfer_t *x, int64_t seq)
{
    ltail_add(arg, x, seq);
}

/* With mu held (or before the threads start). */
static void pending_push(ledger_t *l, ledger_id_t id)
{
    l->pending = lmem_grow(l->pending, &l->cap_pending, l->n_pending + 1, sizeof *l->pending);
    l->pending[l->n_pending++] = id;
}

static void tail_pending_cb(void *arg, const ledger_transfer_t *x, int64_t seq)
{
    (void)seq;
    pending_push(arg, x->id);
}

/* Records an id the batcher has just stored (mu held). */
static void seen_add(ledger_t *l, ledger_id_t id)
{
    if (l->seen)
        lbloom_add(l->seen, id);
    else if (l->bloom_building)
        pending_push(l, id);
}

typedef struct {
    ledger_t *l;
    lbloom_t *b;
    int64_t n;
} bloom_ctx_t;

static bool bloom_add_cb(void *arg, ledger_id_t id)
{
    bloom_ctx_t *ctx = arg;
    lbloom_add(ctx->b, id);
    ctx->n++;
    return !atomic_load(&ctx->l->bloom_stop);
}

/*
 * Builds l->seen: every id of the id index (one read snapshot), then, under mu, the ids the
 * batcher stored since the ledger opened and the tail's at open (`pending`). Every stored id is
 * in one of those: the index only grows, and an id leaves the tail only into the index.
 */
static void *bloom_main(void *arg)
{
    ledger_t *l = arg;
    while (l->opts.test_filter_gate && atomic_load(l->opts.test_filter_gate) &&
           !atomic_load(&l->bloom_stop)) {
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    uint64_t t0 = clock_mono_ns();
    /* SQLite seqs count transfers (or, migrated from 001, are far larger: capped) */
    size_t expect = l->seq < ((int64_t)1 << 24) ? (size_t)l->seq : (size_t)1 << 24;
    bloom_ctx_t ctx = {.l = l, .b = lbloom_new(2 * expect + ((size_t)1 << 20))};
    db_err_t err;
    db_rc_t rc = DB_CONN;
    db_conn_t *conn = db_acquire(l->db, DB_CONN_READ, &err);
    if (conn) {
        rc = lstore_merged_ids(conn, bloom_add_cb, &ctx, &err);
        db_release(conn);
    }
    bool stopped = atomic_load(&l->bloom_stop);
    pthread_mutex_lock(&l->mu);
    if (rc == DB_OK && !stopped) {
        for (size_t i = 0; i < l->n_pending; i++)
            lbloom_add(ctx.b, l->pending[i]);
        lmerge_set_stored(l->merge, ctx.n);
        l->seen = ctx.b;
        ctx.b = NULL;
    } else if (!stopped) {
        LOGE("ledger: building the filter of stored ids failed (%s); every new id is looked up "
             "in the index",
             err.msg);
    }
    l->bloom_building = false;
    free(l->pending);
    l->pending = NULL;
    l->n_pending = l->cap_pending = 0;
    pthread_mutex_unlock(&l->mu);
    lbloom_free(ctx.b);
    if (rc == DB_OK && !stopped)
        LOGI("ledger: filter of %lld stored ids ready in %.0f ms", (long long)ctx.n,
             (double)(clock_mono_ns() - t0) / 1e6);
    return NULL;
}

/* The ledger with its options, memory and locks, no threads yet: what ledger_free undoes. */
static ledger_t *ledger_new(db_t *db, const ledger_opts_t *opts)
{
    ledger_t *l = xcalloc(1, sizeof *l);
    l->db = db;
    if (opts)
        l->opts = *opts;
    if (l->opts.batch_max == 0)
        l->opts.batch_max = 16384;
    if (l->opts.queue_max == 0)
        l->opts.queue_max = 65536;
    if (l->opts.queue_max < l->opts.batch_max)
        l->opts.queue_max = l->opts.batch_max;
    l->pg = db_kind(db) == DB_POSTGRES;
    l->cache = !l->pg && !l->opts.sqlite_no_account_cache;
    l->defer = l->cache;
    l->core = lcore_new();
    l->scratch = lcore_new();
    pthread_mutex_init(&l->qmu, NULL);
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->q_nonempty, NULL);
    pthread_cond_init(&l->q_notfull, NULL);
    pthread_cond_init(&l->sweep_cv, NULL);
    return l;
}

/* Frees what ledger_new and the open made; the threads have stopped (or never ran). Both a
 * failed open and ledger_close end here. */
static void ledger_free(ledger_t *l)
{
    pthread_mutex_destroy(&l->qmu);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->q_nonempty);
    pthread_cond_destroy(&l->q_notfull);
    pthread_cond_destroy(&l->sweep_cv);
    lcore_free(l->core);
    lcore_free(l->scratch);
    lmerge_free(l->merge);
    lbloom_free(l->seen);
    free(l->pending);
    free(l->ids);
    free(l);
}

/* The database work of an open on the writer connection: tuning, the last seq, and the tail
 * (loaded when deferring, else merged). *wal: whether a checkpointer is wanted. */
static db_rc_t open_load(ledger_t *l, db_conn_t *conn, bool *wal, db_err_t *err)
{
    db_rc_t rc = l->pg ? DB_OK : db_exec(conn, SQLITE_WRITER_PRAGMAS, err);
    if (rc == DB_OK)
        rc = lstore_max_seq(conn, &l->seq, err);
    if (rc == DB_OK && l->defer) {
        /* until bloom_main has counted them, the seq counter estimates the ids stored */
        l->merge = lmerge_new(l->opts.merge_rows, l->seq);
        rc = lstore_load_tail(conn, tail_add_cb, lmerge_tail(l->merge), err);
    }
    if (rc == DB_OK && l->defer) {
        l->bloom_building = true;
        ltail_each(lmerge_tail(l->merge), tail_pending_cb, l);
    }
    if (rc == DB_OK && !l->pg && !l->defer)
        rc = merge_now(conn, err); /* rows left in the tail by an earlier deferring ledger */
    *wal = !l->pg && rc == DB_OK && sqlite_is_wal(conn);
    return rc;
}

ledger_t *ledger_open(db_t *db, const ledger_opts_t *opts, db_err_t *err)
{
    ledger_t *l = ledger_new(db, opts);
    metrics_hist_init(&l->batch_ops, &metrics_sizes);
    metrics_hist_init(&l->batch_seconds, &metrics_seconds);
    bool wal = false;
    db_conn_t *conn = db_acquire(db, DB_CONN_WRITE, err);
    db_rc_t rc = conn ? open_load(l, conn, &wal, err) : err->code;
    db_release(conn);
    if (rc != DB_OK) {
        ledger_free(l);
        return NULL;
    }
    ASSERT(pthread_create(&l->batcher, NULL, batcher_main, l) == 0);
    if (l->bloom_building)
        ASSERT(pthread_create(&l->bloom_thread, NULL, bloom_main, l) == 0);
    if (l->opts.sweep_interval_ms) {
        l->sweeper_running = true;
        ASSERT(pthread_create(&l->sweeper, NULL, sweeper_main, l) == 0);
    }
    if (wal) {
        l->checkpointer_running = true;
        ASSERT(pthread_create(&l->checkpointer, NULL, checkpointer_main, l) == 0);
    }
    return l;
}

void ledger_close(ledger_t *l)
{
    if (!l)
        return;
    ASSERT(!on_batcher(l)); /* it would join the thread it runs on */
    pthread_mutex_lock(&l->qmu);
    l->stopping = true;
    pthread_cond_broadcast(&l->q_nonempty);
    pthread_cond_broadcast(&l->q_notfull);
    pthread_cond_broadcast(&l->sweep_cv);
    pthread_mutex_unlock(&l->qmu);
    if (l->sweeper_running)
        pthread_join(l->sweeper, NULL);
    if (l->defer) {
        atomic_store(&l->bloom_stop, true);
        pthread_join(l->bloom_thread, NULL);
    }
    if (l->checkpointer_running)
        pthread_join(l->checkpointer, NULL);
    pthread_join(l->batcher, NULL);
    if (l->defer && ltail_count(lmerge_tail(l->merge)) > 0) {
        /* a clean shutdown merges the tail, so the next open has none to load (a crash leaves
         * it to that open); failing here loses nothing */
        db_err_t err;
        db_conn_t *conn = db_acquire(l->db, DB_CONN_WRITE, &err);
        db_rc_t rc = conn ? merge_now(conn, &err) : err.code;
        db_release(conn);
        if (rc != DB_OK)
            LOGW("ledger: merging the tail at close: %s (the next open loads it)", err.msg);
    }
    ledger_free(l);
}

void ledger_stats(ledger_t *l, ledger_stats_t *out)
{
    pthread_mutex_lock(&l->mu);
    *out = l->stats;
    out->id_filter_ready = l->seen != NULL;
    pthread_mutex_unlock(&l->mu);
}

int ledger_metrics_write(ledger_t *l, buf_t *b)
{
    pthread_mutex_lock(&l->mu);
    ledger_stats_t st = l->stats;
    pthread_mutex_unlock(&l->mu);
    pthread_mutex_lock(&l->qmu);
    size_t queued = l->queued_ops;
    pthread_mutex_unlock(&l->qmu);
    int rc = metrics_family(b, "rafiki_ledger_batch_ops", "histogram",
                            "operations per ledger batch (one transaction)");
    if (rc == 0)
        rc = metrics_hist_write(b, "rafiki_ledger_batch_ops", "", &l->batch_ops);
    if (rc == 0)
        rc = metrics_family(b, "rafiki_ledger_batch_seconds", "histogram",
                            "time to load, apply and commit one ledger batch");
    if (rc == 0)
        rc = metrics_hist_write(b, "rafiki_ledger_batch_seconds", "", &l->batch_seconds);
    if (rc == 0)
        rc = metrics_family(b, "rafiki_ledger_batch_retries_total", "counter",
                            "ledger batches run again after a conflict");
    if (rc == 0)
        rc = metrics_sample_u64(b, "rafiki_ledger_batch_retries_total", "", st.retries);
    if (rc == 0)
        rc = metrics_family(b, "rafiki_ledger_queued_ops", "gauge",
                            "operations waiting for the batcher");
    if (rc == 0)
        rc = metrics_sample_u64(b, "rafiki_ledger_queued_ops", "", queued);
    return rc;
}

db_t *ledger_db(ledger_t *l)
{
    return l->db;
}

void ledger_core_lock(ledger_t *l)
{
    pthread_mutex_lock(&l->mu);
}

void ledger_core_unlock(ledger_t *l)
{
    pthread_mutex_unlock(&l->mu);
}

void ledger_core_refresh(ledger_t *l, db_conn_t *conn, ledger_id_t id)
{
    if (!l->cache || !lcore_account_find(l->core, id))
        return;
    db_err_t err;
    if (lstore_load_accounts(conn, l->core, &id, 1, &err) != DB_OK) {
        /* cannot refresh: forget every cached account, the next batch reloads them */
        lcore_clear(l->core);
    }
}

/* ---- submission ---- */

/*
 * Queues s according to mode (WAIT already turned into FOLLOW_UP on the batcher thread).
 * Follow-ups are taken while the ledger closes until the batcher has drained the queue and
 * stopped (`drained`), so work it admitted completes.
 */
static ledger_result_t enqueue(ledger_t *l, sub_t *s, ledger_submit_mode_t mode)
{
    pthread_mutex_lock(&l->qmu);
    if (mode == LEDGER_SUBMIT_WAIT)
        while (!l->stopping && l->queued_ops + s->n > l->opts.queue_max)
            pthread_cond_wait(&l->q_notfull, &l->qmu);
    ledger_result_t r = LEDGER_OK;
    if (l->drained || (l->stopping && mode != LEDGER_SUBMIT_FOLLOW_UP))
        r = LEDGER_CLOSED;
    else if (mode == LEDGER_SUBMIT_TRY && l->queued_ops + s->n > l->opts.queue_max)
        r = LEDGER_BUSY;
    if (r != LEDGER_OK) {
        pthread_mutex_unlock(&l->qmu);
        return r;
    }
    s->next = NULL;
    if (l->tail)
        l->tail->next = s;
    else
        l->head = s;
    l->tail = s;
    l->queued_ops += s->n;
    pthread_cond_signal(&l->q_nonempty);
    pthread_mutex_unlock(&l->qmu);
    return LEDGER_OK;
}

ledger_result_t ledger_transfers_submit_mode(ledger_t *l, const ledger_op_t *ops, size_t n,
                                             ledger_submit_mode_t mode, ledger_done_fn done,
                                             void *user)
{
    ASSERT(done != NULL);
    if (n == 0 || n > l->opts.batch_max || (unsigned)mode > LEDGER_SUBMIT_FOLLOW_UP)
        return LEDGER_OP_INVALID;
    if (mode == LEDGER_SUBMIT_WAIT && on_batcher(l))
        mode = LEDGER_SUBMIT_FOLLOW_UP;
    /* one allocation: the submission, a copy of the ops and the results */
    size_t size = sizeof(sub_t) + n * sizeof(ledger_op_t) + n * sizeof(ledger_result_t);
    sub_t *s = xmalloc(size);
    ledger_op_t *copy = (ledger_op_t *)(s + 1);
    memcpy(copy, ops, n * sizeof *ops);
    *s = (sub_t){
        .ops = copy, .results = (ledger_result_t *)(copy + n), .n = n, .done = done, .user = user};
    ledger_result_t r = enqueue(l, s, mode);
    if (r != LEDGER_OK)
        free(s);
    return r;
}

ledger_result_t ledger_transfers_submit(ledger_t *l, const ledger_op_t *ops, size_t n,
                                        ledger_done_fn done, void *user)
{
    return ledger_transfers_submit_mode(l, ops, n, LEDGER_SUBMIT_WAIT, done, user);
}

ledger_result_t ledger_transfers_execute(ledger_t *l, const ledger_op_t *ops, size_t n,
                                         ledger_result_t *results)
{
    return ledger_transfers_execute_guarded(l, ops, n, results, NULL, NULL);
}

ledger_result_t ledger_transfers_execute_guarded(ledger_t *l, const ledger_op_t *ops, size_t n,
                                                 ledger_result_t *results, ledger_guard_fn guard,
                                                 void *guard_arg)
{
    ASSERT(!on_batcher(l)); /* it would wait for the batch the batcher cannot run */
    if (n == 0 || n > l->opts.batch_max)
        return LEDGER_OP_INVALID;
    sub_t s = {.ops = ops,
               .results = results,
               .n = n,
               .guard = guard,
               .guard_arg = guard_arg,
               .request_id = log_request_id()};
    pthread_cond_init(&s.cv, NULL);
    ledger_result_t r = enqueue(l, &s, LEDGER_SUBMIT_WAIT);
    if (r == LEDGER_OK) {
        pthread_mutex_lock(&l->qmu);
        while (!s.finished)
            pthread_cond_wait(&s.cv, &l->qmu);
        pthread_mutex_unlock(&l->qmu);
    }
    pthread_cond_destroy(&s.cv);
    if (r != LEDGER_OK)
        return r;
    for (size_t i = 0; i < n; i++)
        if (results[i] == LEDGER_STORAGE_ERROR || results[i] == LEDGER_CLOSED)
            return results[i];
    return LEDGER_OK;
}

/* ---- the batcher ---- */

static void ids_push(ledger_t *l, size_t *n, ledger_id_t id)
{
    if (ledger_id_is_zero(id))
        return;
    if (*n == l->ids_cap) {
        l->ids_cap = l->ids_cap ? l->ids_cap * 2 : 1024;
        l->ids = xrealloc(l->ids, l->ids_cap * sizeof *l->ids);
    }
    l->ids[(*n)++] = id;
}

static int id_cmp(const void *a, const void *b)
{
    return ledger_id_cmp(*(const ledger_id_t *)a, *(const ledger_id_t *)b);
}

/*
 * Loads and locks everything the batch needs: transfers first (from the tail in memory, else
 * from the merged rows), then accounts in id order.
 */
static db_rc_t batch_load(ledger_t *l, db_conn_t *conn, sub_t *batch, db_err_t *err)
{
    size_t n = 0;
    for (sub_t *s = batch; s; s = s->next) {
        for (size_t i = 0; i < s->n; i++) {
            const ledger_op_t *op = &s->ops[i];
            ledger_id_t id = op->kind == LEDGER_OP_CREATE ? op->id : op->pending_id;
            int64_t tail_seq = 0;
            const ledger_transfer_t *t =
                l->defer ? ltail_find(lmerge_tail(l->merge), id, &tail_seq) : NULL;
            if (t)
                lcore_transfer_load(l->core, t, tail_seq);
            else if (l->optimistic && op->kind == LEDGER_OP_CREATE)
                continue; /* see probe_until */
            else if (!l->seen || lbloom_maybe(l->seen, id))
                ids_push(l, &n, id); /* else certainly new: nothing to load */
        }
    }
    if (n) {
        qsort(l->ids, n, sizeof *l->ids, id_cmp);
        db_rc_t rc = lstore_load_transfers(conn, l->core, l->ids, n, l->pg, err);
        if (rc != DB_OK)
            return rc;
    }
    n = 0;
    for (sub_t *s = batch; s; s = s->next) {
        for (size_t i = 0; i < s->n; i++) {
            const ledger_op_t *op = &s->ops[i];
            if (op->kind == LEDGER_OP_CREATE) {
                ids_push(l, &n, op->debit_account_id);
                ids_push(l, &n, op->credit_account_id);
                continue;
            }
            const ledger_transfer_t *p = lcore_transfer_find(l->core, op->pending_id);
            if (p) {
                ids_push(l, &n, p->debit_account_id);
                ids_push(l, &n, p->credit_account_id);
            }
        }
    }
    qsort(l->ids, n, sizeof *l->ids, id_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && ledger_id_eq(l->ids[k - 1], l->ids[i]))
            continue;
        if (l->cache && lcore_account_find(l->core, l->ids[i]))
            continue;
        l->ids[k++] = l->ids[i];
    }
    return k ? lstore_load_accounts(conn, l->core, l->ids, k, err) : DB_OK;
}

/* After a commit: the ids the batch stored join the filter of stored ids. */
static void seen_add_new(ledger_t *l)
{
    ledger_transfer_t *first;
    size_t n = lcore_new_transfers(l->core, &first);
    for (size_t i = 0; i < n; i++)
        seen_add(l, first[i].id);
}

bool ledger_tail_find(ledger_t *l, ledger_id_t id, ledger_transfer_t *out)
{
    return l->defer && lmerge_find(l->merge, id, out);
}

bool ledger_tail_in_memory(const ledger_t *l)
{
    return l->defer;
}

/*
 * After an optimistic apply (Postgres): whether any rejected create op has an id that is
 * already stored. DB_CONSTRAINT if so (the batch must rerun with lookups), else DB_OK.
 */
static db_rc_t verify_rejected(ledger_t *l, db_conn_t *conn, sub_t *batch, db_err_t *err)
{
    size_t n = 0;
    for (sub_t *s = batch; s; s = s->next)
        for (size_t i = 0; i < s->n; i++)
            if (s->ops[i].kind == LEDGER_OP_CREATE && s->results[i] != LEDGER_OK)
                ids_push(l, &n, s->ops[i].id);
    if (n == 0)
        return DB_OK;
    qsort(l->ids, n, sizeof *l->ids, id_cmp);
    lcore_clear_transfers(l->scratch);
    db_rc_t rc = lstore_load_transfers(conn, l->scratch, l->ids, n, false, err);
    if (rc != DB_OK)
        return rc;
    if (lcore_transfer_count(l->scratch) == 0)
        return DB_OK;
    err->code = DB_CONSTRAINT;
    snprintf(err->msg, sizeof err->msg, "ledger: a rejected transfer's id is taken: rerun");
    return DB_CONSTRAINT;
}

/* s's guard as a savepoint's fn: DB_OK keeps its writes, anything else undoes them. */
typedef struct {
    sub_t *s;
    bool refused; /* the guard answered, with *keep = false */
} guard_call_t;

static db_rc_t guard_fn(db_conn_t *conn, void *arg, db_err_t *err)
{
    guard_call_t *g = arg;
    bool keep = false;
    db_rc_t rc = g->s->guard(conn, g->s->guard_arg, g->s->results, g->s->n, &keep, err);
    g->refused = rc == DB_OK && !keep;
    return g->refused ? DB_INVALID : rc;
}

/*
 * Runs s's guard after its ops were applied since `mark`, in a savepoint so that a guard's
 * failed statement does not end the batch's transaction. DB_OK whatever the guard decided; an
 * error only when the savepoint itself fails (the batch fails).
 */
static db_rc_t guard_run(ledger_t *l, db_conn_t *conn, sub_t *s, size_t mark, db_err_t *err)
{
    guard_call_t g = {.s = s};
    db_rc_t grc;
    db_err_t gerr = {0};
    log_request_id_set(s->request_id); /* the events it writes carry the submitter's id */
    db_rc_t rc = db_savepoint_run(conn, guard_fn, &g, &grc, &gerr, err);
    log_request_id_set(NULL);
    if (rc != DB_OK || grc == DB_OK)
        return rc;
    bool failed = !g.refused;
    if (failed)
        LOGW("ledger: a guard failed: %s", gerr.msg);
    lcore_undo_to(l->core, mark);
    for (size_t i = 0; i < s->n; i++)
        if (s->results[i] == LEDGER_OK || failed)
            s->results[i] = failed ? LEDGER_STORAGE_ERROR : LEDGER_GUARD_REFUSED;
    return DB_OK;
}

static db_rc_t batch_try(ledger_t *l, db_conn_t *conn, sub_t *batch, db_err_t *err)
{
    db_write_adopted_t *adopted = NULL;
    if (l->cache)
        lcore_clear_transfers(l->core);
    else
        lcore_clear(l->core);
    db_rc_t rc = db_begin(conn, DB_TX_WRITE, err);
    if (rc != DB_OK)
        return rc;
    rc = batch_load(l, conn, batch, err);
    if (rc != DB_OK)
        goto fail;
    int64_t now = clock_wall_ms();
    for (sub_t *s = batch; s; s = s->next) {
        size_t mark = lcore_undo_mark(l->core);
        lcore_apply(l->core, s->ops, s->n, now, s->results);
        if (s->guard && (rc = guard_run(l, conn, s, mark, err)) != DB_OK)
            goto fail;
    }
    if (l->optimistic) {
        rc = verify_rejected(l, conn, batch, err);
        if (rc != DB_OK)
            goto fail;
    }
    /* commit order. SQLite: the rowid, a counter (one writer process; small numbers make short
     * records). Postgres: unique per process, milliseconds shifted, then a counter. */
    int64_t seq0 = l->seq + 1;
    if (l->pg && seq0 < now << 12)
        seq0 = now << 12;
    int64_t seq = seq0;
    rc = lstore_write(conn, l->core, &seq, !l->defer, err);
    if (rc != DB_OK)
        goto fail;
    if (l->defer) {
        rc = lmerge_step(l->merge, conn, seq0, err);
        if (rc != DB_OK)
            goto fail;
    }
    /* SQLite: the db_write_tx calls waiting for the writer commit with this batch */
    adopted = db_write_adopt(l->db, conn, &rc, err);
    if (rc != DB_OK)
        goto fail;
    rc = db_commit(conn, err);
    if (rc != DB_OK)
        goto fail;
    db_write_adopted_end(l->db, adopted, true);
    l->seq = seq - 1;
    if (l->defer) {
        seen_add_new(l);
        if (lmerge_commit(l->merge, l->core, seq0))
            l->stats.merges++;
    }
    lcore_mark_clean(l->core);
    return DB_OK;
fail:
    if (l->defer)
        lmerge_abort(l->merge);
    lcore_undo_all(l->core);
    db_rollback(conn);
    db_write_adopted_end(l->db, adopted, false);
    return rc;
}

static void batch_run(ledger_t *l, sub_t *batch)
{
    uint64_t t0 = clock_mono_ns();
    db_err_t err = {0};
    db_rc_t rc = DB_ERROR;
    pthread_mutex_lock(&l->mu);
    for (int attempt = 0; attempt < BATCH_RETRIES; attempt++) {
        db_conn_t *conn = db_acquire(l->db, DB_CONN_WRITE, &err);
        if (!conn) {
            rc = err.code;
            break;
        }
        l->optimistic = l->pg && l->stats.batches >= l->probe_until;
        rc = batch_try(l, conn, batch, &err);
        db_release(conn);
        /* a unique violation means another process inserted one of our ids (or, SQLite, a seq:
         * start after the stored ones): rerun and the batch will see it as existing */
        if (rc != DB_RETRY && rc != DB_CONSTRAINT)
            break;
        if (rc == DB_CONSTRAINT && l->pg)
            l->probe_until = l->stats.batches + 64; /* this one reruns with lookups too */
        if (rc == DB_CONSTRAINT && !l->pg && (conn = db_acquire(l->db, DB_CONN_WRITE, &err))) {
            int64_t stored = 0;
            if (lstore_max_seq(conn, &stored, &err) == DB_OK && stored > l->seq)
                l->seq = stored;
            db_release(conn);
        }
        l->stats.retries++;
    }
    if (rc != DB_OK) {
        LOGE("ledger: batch failed: %s", err.msg);
        for (sub_t *s = batch; s; s = s->next)
            for (size_t i = 0; i < s->n; i++)
                s->results[i] = LEDGER_STORAGE_ERROR;
    }
    l->stats.batches++;
    uint64_t ops = 0;
    for (sub_t *s = batch; s; s = s->next)
        ops += s->n;
    l->stats.ops += ops;
    uint64_t took = clock_mono_ns() - t0;
    metrics_hist_observe(&l->batch_ops, (double)ops);
    metrics_hist_observe(&l->batch_seconds, (double)took / 1e9);
    l->stats.commit_ns += took;
    if (took > l->stats.max_batch_ns)
        l->stats.max_batch_ns = took;
    pthread_mutex_unlock(&l->mu);
}

static void batch_complete(ledger_t *l, sub_t *batch)
{
    sub_t *waiters = NULL, *next;
    for (sub_t *s = batch; s; s = next) {
        next = s->next;
        if (s->done) {
            s->done(s->user, s->results, s->n);
            free(s);
        } else {
            s->next = waiters;
            waiters = s;
        }
    }
    if (!waiters)
        return;
    pthread_mutex_lock(&l->qmu);
    for (sub_t *s = waiters; s; s = next) {
        next = s->next;
        s->finished = true; /* s may be gone as soon as its waiter sees this (after the unlock) */
        pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&l->qmu);
}

static void *batcher_main(void *arg)
{
    ledger_t *l = arg;
    tls_batcher_of = l;
    pthread_mutex_lock(&l->qmu);
    for (;;) {
        while (!l->head && !l->stopping)
            pthread_cond_wait(&l->q_nonempty, &l->qmu);
        if (!l->head) {
            l->drained = true; /* stopping and drained */
            break;
        }
        sub_t *batch = l->head, *last = l->head;
        size_t ops = last->n;
        while (last->next && ops + last->next->n <= l->opts.batch_max) {
            last = last->next;
            ops += last->n;
        }
        l->head = last->next;
        if (!l->head)
            l->tail = NULL;
        last->next = NULL;
        l->queued_ops -= ops;
        pthread_cond_broadcast(&l->q_notfull);
        pthread_mutex_unlock(&l->qmu);

        batch_run(l, batch);
        batch_complete(l, batch);
        pthread_mutex_lock(&l->qmu);
    }
    pthread_mutex_unlock(&l->qmu);
    return NULL;
}

/* ---- checkpointer (SQLite WAL) ---- */

/* Whether conn's database runs in WAL mode (a file database; not sqlite::memory:). */
static bool sqlite_is_wal(db_conn_t *conn)
{
    db_err_t err;
    db_stmt_t *st = db_prepare(conn, "PRAGMA journal_mode", &err);
    if (!st || db_step(st, &err) != DB_ROW)
        return false;
    size_t n = 0;
    const char *mode = db_col_text(st, 0, &n);
    bool wal = n == 3 && memcmp(mode, "wal", 3) == 0;
    while (db_step(st, &err) == DB_ROW)
        ;
    return wal;
}

/* Sleeps on the queue lock until stopping or ms have passed; returns false when stopping. */
static bool wait_ms(ledger_t *l, pthread_cond_t *cv, uint32_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)ms * 1000000u;
    ts.tv_sec += (time_t)(ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    pthread_cond_timedwait(cv, &l->qmu, &ts);
    return !l->stopping;
}

/*
 * Copies committed WAL pages into the database file (and syncs both) off the batcher thread, on
 * a reader connection, so the batcher only appends to the WAL and the second core does the
 * copying. PASSIVE never blocks the writer; the WAL restarts from its beginning at the next
 * write once a checkpoint has copied all of it and no reader is still in it, which under a
 * constant load needs a RESTART checkpoint once it passes WAL_RESTART_BYTES (db_wal_upkeep). The
 * writer's own wal_autocheckpoint stays as a backstop should this thread fall behind. Once the
 * writer has been idle for IDLE_TRIM_MS, it truncates the WAL and frees the page caches
 * (db_idle_trim). It runs whether or not the ledger itself committed: the backend's transactions
 * (db_write_tx) write through the same WAL, and a checkpoint with nothing to copy costs no I/O.
 */
static void *checkpointer_main(void *arg)
{
    ledger_t *l = arg;
    pthread_mutex_lock(&l->qmu);
    while (wait_ms(l, &l->sweep_cv, CHECKPOINT_INTERVAL_MS)) {
        pthread_mutex_unlock(&l->qmu);
        db_err_t err;
        uint64_t wal = 0;
        bool restarted = false;
        if (db_wal_upkeep(l->db, WAL_RESTART_BYTES, WAL_RESTART_WAIT_MS, &wal, &restarted, &err) !=
            DB_OK)
            LOGW("ledger: checkpoint: %s", err.msg);
        if (restarted) {
            pthread_mutex_lock(&l->mu);
            l->stats.wal_restarts++;
            pthread_mutex_unlock(&l->mu);
        }
        if (db_idle_trim(l->db, IDLE_TRIM_MS))
            LOGD("ledger: idle: WAL truncated, page caches freed");
        pthread_mutex_lock(&l->qmu);
    }
    pthread_mutex_unlock(&l->qmu);
    return NULL;
}

/* ---- sweeper ---- */

ledger_result_t ledger_sweep_expired(ledger_t *l, size_t limit, size_t *expired)
{
    if (expired)
        *expired = 0;
    if (limit == 0)
        return LEDGER_OK;
    if (limit > l->opts.batch_max)
        limit = l->opts.batch_max;
    ledger_op_t *ops = xcalloc(limit, sizeof *ops);
    ledger_result_t *res = xcalloc(limit, sizeof *res);
    ledger_result_t r = LEDGER_STORAGE_ERROR;
    db_err_t err;
    size_t n = 0;
    db_conn_t *conn = db_acquire(l->db, DB_CONN_READ, &err);
    if (!conn)
        goto done;
    db_stmt_t *st = db_prepare(conn,
                               "SELECT id FROM transfers WHERE state = 1 AND expires_at > 0 AND "
                               "expires_at <= ? ORDER BY expires_at LIMIT ?",
                               &err);
    db_rc_t rc = DB_ERROR;
    if (st) {
        db_bind_i64(st, 1, clock_wall_ms());
        db_bind_i64(st, 2, (int64_t)limit);
        while ((rc = db_step(st, &err)) == DB_ROW && n < limit)
            ops[n++] = (ledger_op_t){.kind = LEDGER_OP_EXPIRE_PENDING,
                                     .pending_id = lstore_col_xid(st, 0)};
    }
    db_release(conn);
    if (rc != DB_DONE)
        goto done;
    r = n ? ledger_transfers_execute(l, ops, n, res) : LEDGER_OK;
    if (r == LEDGER_OK && expired)
        for (size_t i = 0; i < n; i++)
            *expired += res[i] == LEDGER_OK;
done:
    free(ops);
    free(res);
    return r;
}

static void *sweeper_main(void *arg)
{
    ledger_t *l = arg;
    pthread_mutex_lock(&l->qmu);
    while (!l->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t ns = (uint64_t)ts.tv_nsec + (uint64_t)l->opts.sweep_interval_ms * 1000000u;
        ts.tv_sec += (time_t)(ns / 1000000000u);
        ts.tv_nsec = (long)(ns % 1000000000u);
        pthread_cond_timedwait(&l->sweep_cv, &l->qmu, &ts);
        if (l->stopping)
            break;
        pthread_mutex_unlock(&l->qmu);
        size_t n = 0;
        ledger_sweep_expired(l, 1024, &n);
        if (n)
            LOGD("ledger: sweeper expired %zu pending transfers", n);
        pthread_mutex_lock(&l->qmu);
    }
    pthread_mutex_unlock(&l->qmu);
    return NULL;
}
